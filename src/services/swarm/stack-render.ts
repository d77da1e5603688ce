/**
 * DESIGN (docs/swarm.md): the release's compose model as `docker stack deploy` takes it. Pure, and
 * unit-tested: it reads what `compose config` printed (v1 or v2: both shapes are handled) and
 * returns the stack file's document, or a one-line error.
 *
 * - `version: "3.8"`, only keys the stack format knows (`build`, `profiles`, `container_name`,
 *   `env_file` (already inlined), `depends_on` conditions, `x-` keys … are dropped, and said so);
 * - images pinned (a service that builds runs its per-release tag);
 * - `deploy.update_config` / `rollback_config` defaulted (start-first, failure_action rollback,
 *   monitor = the service's health window) where the file says nothing;
 * - services that keep data (named volumes, persistent folders) and shared services run one copy,
 *   stop-first, and must be pinned to a node: their volumes are local to the node they run on;
 * - labels `io.otterstack.*` on services and containers; networks overlay and attachable (a
 *   pre_deploy hook joins them with `docker run`); volume names kept (pinned per project).
 */
import crypto from 'node:crypto';
import { OtterError } from '../errors.js';
import { parseDuration } from '../traefik-switch.js';

export const STACK_VERSION = '3.8';
export const RELEASE_LABEL = 'io.otterstack.release';

export interface StackRenderInput {
  /** `compose config` of the release (and of its shared services), merged. */
  config: Record<string, unknown>;
  /** Services of the release, in order (profiles applied). */
  services: string[];
  /** Services run once (x-otterstack.shared, or that keep data): one copy, stop-first, pinned to a node. */
  singletons: { service: string; why: string }[];
  /** Service → image to run (those that build: their release tag). */
  images: Record<string, string>;
  /** Port mode per service and container port as the project's own files wrote it (`host`/`ingress`). */
  portModes: Record<string, Record<string, string>>;
  /** The release (compose project name, e.g. otterstack-app-1a2b3c4): labelled, tells its tasks apart. */
  release: string;
  labels: Record<string, string>;
  /** Upper bound of a monitor window, in seconds (the health timeout). */
  maxMonitorSeconds: number;
}

export interface RenderedStack {
  doc: Record<string, unknown>;
  warnings: string[];
  /** Keys dropped per service, for the deploy log. */
  notes: string[];
}

/** Service keys the 3.8 stack format accepts (docker/cli's config_schema_v3.8.json), minus those swarm ignores and we drop. */
const SERVICE_KEYS = new Set([
  'cap_add', 'cap_drop', 'command', 'configs', 'cgroup_parent', 'credential_spec', 'deploy', 'depends_on', 'devices', 'dns', 'dns_search',
  'domainname', 'entrypoint', 'environment', 'expose', 'external_links', 'extra_hosts', 'healthcheck', 'hostname', 'image', 'init', 'ipc',
  'isolation', 'labels', 'links', 'logging', 'mac_address', 'network_mode', 'networks', 'pid', 'ports', 'privileged', 'read_only',
  'secrets', 'security_opt', 'shm_size', 'stdin_open', 'stop_grace_period', 'stop_signal', 'sysctls', 'tmpfs', 'tty', 'ulimits', 'user',
  'userns_mode', 'volumes', 'working_dir',
]);
/** Dropped without a note: compose-only keys every config prints, or that swarm does itself. */
const SILENT_DROPS = new Set(['build', 'container_name', 'env_file', 'restart', 'profiles', 'pull_policy']);
const HEALTHCHECK_KEYS = new Set(['test', 'interval', 'timeout', 'retries', 'start_period', 'disable']);
const NETWORK_KEYS = new Set(['driver', 'driver_opts', 'ipam', 'internal', 'labels', 'attachable', 'external', 'name']);
const VOLUME_KEYS = new Set(['driver', 'driver_opts', 'labels', 'external', 'name']);
/** Placement constraints that name one node (or a labelled set the operator chose): data stays where it is. */
const NODE_PINNING = /^\s*node\.(hostname|id|labels\.[^\s=!]+)\s*(==|!=)/;

type Mapping = Record<string, unknown>;
const isMapping = (v: unknown): v is Mapping => typeof v === 'object' && v !== null && !Array.isArray(v);

export function renderStack(input: StackRenderInput): RenderedStack {
  const warnings: string[] = [];
  const notes: string[] = [];
  const all = isMapping(input.config.services) ? input.config.services : {};
  const services: Mapping = {};
  for (const name of input.services) {
    const svc = all[name];
    if (!isMapping(svc)) throw new OtterError('usage', `service ${name} is missing from the compose model`);
    const singleton = input.singletons.find((s) => s.service === name) ?? null;
    services[name] = renderService(name, svc, input, singleton, warnings, notes);
  }
  const doc: Mapping = { version: STACK_VERSION, services };
  const networks = renderNetworks(input.config.networks);
  doc.networks = networks;
  const volumes = renderTopLevel(input.config.volumes, VOLUME_KEYS);
  if (Object.keys(volumes).length > 0) doc.volumes = volumes;
  for (const key of ['secrets', 'configs'] as const) {
    if (isMapping(input.config[key]) && Object.keys(input.config[key] as Mapping).length > 0) doc[key] = input.config[key];
  }
  return { doc, warnings, notes };
}

function renderService(name: string, svc: Mapping, input: StackRenderInput, singleton: { why: string } | null, warnings: string[], notes: string[]): Mapping {
  const out: Mapping = {};
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(svc)) {
    if (SERVICE_KEYS.has(key)) out[key] = structuredClone(value);
    else if (!SILENT_DROPS.has(key) && !key.startsWith('x-')) dropped.push(key);
  }
  if (dropped.length > 0) notes.push(`${name}: ${dropped.join(', ')} not used by a swarm (dropped)`);
  const image = input.images[name] ?? (typeof svc.image === 'string' ? svc.image : null);
  if (!image) throw new OtterError('usage', `service ${name} has neither an image nor a build: a swarm runs images only`);
  out.image = image;
  // The stack format takes depends_on as a list (a swarm starts services in any order anyway).
  if (isMapping(out.depends_on)) out.depends_on = Object.keys(out.depends_on);
  if (isMapping(out.healthcheck)) out.healthcheck = Object.fromEntries(Object.entries(out.healthcheck).filter(([k]) => HEALTHCHECK_KEYS.has(k)));
  if (Array.isArray(out.ports)) out.ports = out.ports.map((p) => renderPort(name, p, input.portModes[name] ?? {}, warnings));
  if (Array.isArray(out.volumes)) out.volumes = out.volumes.map((v) => (isMapping(v) ? withoutCreateHostPath(v) : v));
  const deploy: Mapping = isMapping(out.deploy) ? out.deploy : {};
  const monitor = `${healthWindowSeconds(out.healthcheck, input.maxMonitorSeconds)}s`;
  if (singleton) {
    // Never two copies of something that keeps data: one replica, the old one stops first.
    if (deploy.mode === 'global') throw new OtterError('usage', `service ${name} ${singleton.why}: it cannot run in global mode (one copy per node would mean one empty copy per node); use replicas: 1`);
    if (deploy.replicas !== undefined && deploy.replicas !== 1) warnings.push(`${name} ${singleton.why}: it runs as one replica (replicas: ${String(deploy.replicas)} ignored)`);
    deploy.replicas = 1;
    const constraints = isMapping(deploy.placement) && Array.isArray(deploy.placement.constraints) ? (deploy.placement.constraints as unknown[]) : [];
    if (!constraints.some((c) => typeof c === 'string' && NODE_PINNING.test(c))) {
      throw new OtterError(
        'usage',
        `service ${name} ${singleton.why}, and named volumes are local to the node a task runs on: pin it to one node (deploy.placement.constraints: ["node.hostname == HOST"] or ["node.labels.NAME == VALUE"]) so its data never starts empty on another node`,
      );
    }
    deploy.update_config = { order: 'stop-first', failure_action: 'rollback', monitor, ...(isMapping(deploy.update_config) ? deploy.update_config : {}) };
    (deploy.update_config as Mapping).order = 'stop-first';
    deploy.rollback_config = { ...(isMapping(deploy.rollback_config) ? deploy.rollback_config : {}), order: 'stop-first' };
  } else {
    deploy.update_config = { order: 'start-first', failure_action: 'rollback', monitor, ...(isMapping(deploy.update_config) ? deploy.update_config : {}) };
    // A rollback that stopped the good task first would be an outage of its own.
    deploy.rollback_config = { order: 'start-first', ...(isMapping(deploy.rollback_config) ? deploy.rollback_config : {}) };
  }
  out.deploy = deploy;
  // A service that keeps data is labelled with its definition, not the release: a release that
  // does not change it leaves it running (never a needless stop-first restart of a database).
  const release = singleton ? `definition-${definitionHash(out)}` : input.release;
  out.labels = { ...labelMap(out.labels), ...input.labels, [RELEASE_LABEL]: release };
  deploy.labels = { ...labelMap(deploy.labels), ...input.labels, [RELEASE_LABEL]: release };
  return out;
}

function definitionHash(service: Mapping): string {
  return crypto.createHash('sha256').update(JSON.stringify(service)).digest('hex').slice(0, 12);
}

/**
 * Long syntax with a numeric published port (v2 prints it as a string, 3.8 wants an integer). A
 * swarm cannot bind to one address: a `127.0.0.1:` prefix is lost, which is said loudly.
 */
function renderPort(service: string, port: unknown, modes: Record<string, string>, warnings: string[]): Mapping {
  let spec: { target: number; published?: number; protocol: string; hostIp?: string };
  if (isMapping(port)) {
    spec = { target: Number(port.target), protocol: String(port.protocol ?? 'tcp') };
    if (port.published !== undefined && port.published !== null && port.published !== '') spec.published = Number(port.published);
    if (typeof port.host_ip === 'string' && port.host_ip !== '') spec.hostIp = port.host_ip;
  } else {
    const m = /^(?:(?:\[([^\]]+)\]|([^:]+)):)??(?:(\d+(?:-\d+)?):)?(\d+(?:-\d+)?)(?:\/(tcp|udp|sctp))?$/.exec(String(port));
    if (!m) throw new OtterError('usage', `service ${service}: port ${JSON.stringify(port)} cannot be published by a swarm: use the long syntax (target, published, mode)`);
    spec = { target: Number(m[4]), protocol: m[5] ?? 'tcp', ...(m[3] ? { published: Number(m[3]) } : {}), ...((m[1] ?? m[2]) ? { hostIp: m[1] ?? m[2] } : {}) };
  }
  if (!Number.isInteger(spec.target) || (spec.published !== undefined && !Number.isInteger(spec.published))) {
    throw new OtterError('usage', `service ${service}: port ${JSON.stringify(port)} is a range or not a number: a swarm publishes single ports (long syntax)`);
  }
  if (spec.hostIp) warnings.push(`${service}: port ${spec.hostIp}:${spec.published ?? ''}→${spec.target} is published on EVERY address of every node (a swarm cannot bind one address): firewall it, or do not publish it`);
  const mode = modes[String(spec.target)] ?? 'ingress';
  return { target: spec.target, ...(spec.published !== undefined ? { published: spec.published } : {}), protocol: spec.protocol, mode };
}

function withoutCreateHostPath(v: Mapping): Mapping {
  const out = { ...v };
  if (isMapping(out.bind)) {
    const bind = { ...out.bind };
    delete bind.create_host_path;
    if (Object.keys(bind).length === 0) delete out.bind;
    else out.bind = bind;
  }
  return out;
}

function labelMap(value: unknown): Record<string, string> {
  if (isMapping(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v ?? '')]));
  if (Array.isArray(value)) {
    return Object.fromEntries(value.map((l) => String(l)).map((l) => (l.includes('=') ? [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] : [l, ''])));
  }
  return {};
}

/**
 * How long a new task must stay up before swarm calls the update good: its health check's start
 * period plus `retries` failed intervals (compose's defaults 30 s × 3), at least 5 s, at most the
 * health timeout. Without a health check: 5 s.
 */
export function healthWindowSeconds(healthcheck: unknown, maxSeconds: number): number {
  if (!isMapping(healthcheck) || healthcheck.disable === true || !healthcheck.test) return Math.min(5, maxSeconds);
  const seconds = (v: unknown, fallback: number) => (typeof v === 'string' ? (parseDuration(v) ?? fallback * 1000) / 1000 : fallback);
  const retries = typeof healthcheck.retries === 'number' ? healthcheck.retries : 3;
  const window = seconds(healthcheck.start_period, 0) + seconds(healthcheck.interval, 30) * retries;
  return Math.max(5, Math.min(Math.ceil(window), maxSeconds));
}

/** Overlay networks a one-off container can join (a pre_deploy hook); their names follow the stack. */
function renderNetworks(value: unknown): Mapping {
  const out: Mapping = {};
  for (const [name, def] of Object.entries(isMapping(value) ? value : {})) {
    const d = isMapping(def) ? def : {};
    if (d.external) {
      out[name] = { external: true, ...(typeof d.name === 'string' ? { name: d.name } : {}) };
      continue;
    }
    const kept = Object.fromEntries(Object.entries(d).filter(([k]) => NETWORK_KEYS.has(k) && k !== 'name' && k !== 'external'));
    // compose names them after the release (otterstack-app-1a2b3c4_default): the stack's stay one per stack.
    out[name] = { ...kept, ...(kept.driver ? {} : { driver: 'overlay' }), attachable: true };
  }
  if (!out.default) out.default = { driver: 'overlay', attachable: true };
  return out;
}

/**
 * A service's first network as the engine names it: `<stack>_<key>` for the stack's own (a pre_deploy
 * hook and the OtterStack proxy join it), its own name for an external one.
 */
export function firstStackNetwork(stack: string, doc: Mapping, svc: Mapping): { name: string; external: boolean } {
  const keys = Array.isArray(svc.networks) ? svc.networks.map(String) : Object.keys((svc.networks ?? { default: null }) as Mapping);
  const first = keys[0] ?? 'default';
  const def = (isMapping(doc.networks) ? (doc.networks as Record<string, unknown>)[first] : undefined) ?? {};
  if (isMapping(def) && def.external) return { name: String(def.name ?? first), external: true };
  return { name: `${stack}_${first}`, external: false };
}

function renderTopLevel(value: unknown, keys: Set<string>): Mapping {
  const out: Mapping = {};
  for (const [name, def] of Object.entries(isMapping(value) ? value : {})) {
    out[name] = isMapping(def) ? Object.fromEntries(Object.entries(def).filter(([k]) => keys.has(k))) : {};
  }
  return out;
}

/** `mode:` of each long-syntax port of each service as the project's own (raw) files wrote it. */
export function portModesOf(raws: readonly (Record<string, unknown> | null)[]): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const raw of raws) {
    for (const [name, svc] of Object.entries(isMapping(raw?.services) ? (raw!.services as Mapping) : {})) {
      if (!isMapping(svc) || !Array.isArray(svc.ports)) continue;
      for (const p of svc.ports) {
        if (isMapping(p) && (p.mode === 'host' || p.mode === 'ingress') && p.target !== undefined) (out[name] ??= {})[String(p.target)] = p.mode;
      }
    }
  }
  return out;
}
