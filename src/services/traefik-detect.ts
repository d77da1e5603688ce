/**
 * Which running container is the Traefik that routes our releases, and whether it can (docs/blue-green.md).
 *
 * Found by what it does, not by its name: a container whose command line (or TRAEFIK_* environment)
 * enables the docker provider, or the one the `traefikContainer` setting names. A name containing
 * "traefik" proves nothing (traefik-forward-auth, a project called traefik-demo). A Traefik configured
 * only through a static file (traefik.yml/toml mounted in the container) is out of reach here: name it
 * with `traefikContainer`. Pure; the engine supplies the containers (DockerEngine.inspectProcesses).
 */

export interface ContainerProcess {
  name: string;
  image: string;
  /** The process argv after the executable (docker inspect .Args), never a shell string. */
  args: string[];
  /** Only the TRAEFIK_* variables of the container's environment (the rest may hold secrets). */
  env: Record<string, string>;
  labels: Record<string, string>;
  /** Names of the networks the container is attached to ('host' for network_mode: host). */
  networks: string[];
  /** Network name → the container's IPv4 address there (reaching Traefik's API: traefik-switch.ts). */
  ips: Record<string, string>;
}

/**
 * The value of a Traefik option from the command line (`--a.b=v`, `--a.b v`, bare `--a.b` = 'true')
 * or the environment (TRAEFIK_A_B). Traefik matches option names case-insensitively.
 * undefined: not given.
 */
/**
 * Traefik reads ONE source of static configuration, the first found of: a file, command-line
 * options, TRAEFIK_* variables. So the environment counts only when no option is on the command line.
 */
function usesCommandLine(c: Pick<ContainerProcess, 'args'>): boolean {
  return c.args.some((a) => /^--?[a-z]/i.test(a));
}

export function traefikOption(c: Pick<ContainerProcess, 'args' | 'env'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (let i = 0; i < c.args.length; i++) {
    const m = /^--?([^=]+)(?:=(.*))?$/s.exec(c.args[i]!);
    if (!m || m[1]!.toLowerCase() !== wanted) continue;
    if (m[2] !== undefined) return m[2];
    const next = c.args[i + 1];
    return next !== undefined && /^(true|false)$/i.test(next) ? next : 'true';
  }
  if (usesCommandLine(c)) return undefined;
  const envName = `TRAEFIK_${wanted.replace(/\./g, '_').toUpperCase()}`;
  for (const [k, v] of Object.entries(c.env)) if (k.toUpperCase() === envName) return v === '' ? 'true' : v;
  return undefined;
}

/** Whether any option under `prefix.` is given (setting a sub-option enables its parent provider). */
function hasSubOption(c: Pick<ContainerProcess, 'args' | 'env'>, prefix: string): boolean {
  const p = prefix.toLowerCase() + '.';
  const envP = `TRAEFIK_${prefix.replace(/\./g, '_').toUpperCase()}_`;
  if (usesCommandLine(c)) return c.args.some((a) => /^--?/.test(a) && a.replace(/^--?/, '').toLowerCase().startsWith(p));
  return Object.keys(c.env).some((k) => k.toUpperCase().startsWith(envP));
}

const isFalse = (v: string | undefined) => v !== undefined && /^false$/i.test(v.trim());
const isTrue = (v: string | undefined) => v !== undefined && /^true$/i.test(v.trim());

/** A provider given as `--<p>`, `--<p>=true` or any `--<p>.*` option (or TRAEFIK_<P>*), and not `--<p>=false`. */
function enablesProvider(c: Pick<ContainerProcess, 'args' | 'env'>, provider: string): boolean {
  const v = traefikOption(c, provider);
  if (isFalse(v)) return false;
  return v !== undefined || hasSubOption(c, provider);
}

/** `--providers.docker`, `--providers.docker=true` or any `--providers.docker.*` option (or TRAEFIK_PROVIDERS_DOCKER*). */
export function enablesDockerProvider(c: Pick<ContainerProcess, 'args' | 'env'>): boolean {
  return enablesProvider(c, 'providers.docker');
}

export type TraefikChoice = { container: ContainerProcess } | { error: string } | null;

/**
 * The Traefik to use: the container named by `configured` (the traefikContainer setting) when set,
 * otherwise the first (by name) whose command line enables the docker provider. null: none runs.
 */
export function findTraefik(running: ContainerProcess[], configured: string): TraefikChoice {
  if (configured) {
    const named = running.find((c) => c.name === configured || c.name === `/${configured}`);
    return named ? { container: named } : { error: `traefikContainer is ${JSON.stringify(configured)} but no running container has that name: start it, or fix the setting (otterstack config set traefikContainer NAME)` };
  }
  const found = running.filter(enablesDockerProvider).sort((a, b) => a.name.localeCompare(b.name));
  return found[0] ? { container: found[0] } : null;
}

/** Traefik's version from the image's OCI label (official images carry it) or its tag; null when unknown (e.g. `latest`). */
export function traefikVersion(c: Pick<ContainerProcess, 'image' | 'labels'>): [number, number, number] | null {
  const fromLabel = c.labels['org.opencontainers.image.version'];
  const tag = c.image.includes(':') ? c.image.slice(c.image.lastIndexOf(':') + 1) : '';
  for (const text of [fromLabel, tag]) {
    const m = text ? /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim()) : null;
    if (m) return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  }
  return null;
}

/**
 * Why this Traefik cannot switch traffic between two releases safely ([] when it can):
 * - allowEmptyServices routes to containers that are starting or unhealthy, so the new release would
 *   get requests before its health check passes;
 * - a Swarm-mode provider (v2 `--providers.docker.swarmMode`, v3 `--providers.swarm` alone) reads
 *   Swarm services, not the containers compose starts;
 * - before v2.7 TCP routers have no priority, so two releases' TCP routers are matched in no set order.
 */
export function traefikProblems(c: ContainerProcess, opts: { tcpRouters: boolean }): string[] {
  const out: string[] = [];
  const name = c.name.replace(/^\//, '');
  if (isTrue(traefikOption(c, 'providers.docker.swarmMode'))) out.push(`Traefik (${name}) runs its docker provider in Swarm mode, which ignores compose containers: use a docker provider without swarmMode, or the recreate strategy`);
  // Without docker options on its command line the setting named it: its static file is out of reach.
  else if (!enablesDockerProvider(c) && enablesProvider(c, 'providers.swarm')) {
    out.push(`Traefik (${name}) has only the Swarm provider, which ignores compose containers: add --providers.docker=true, or use the recreate strategy`);
  }
  if (isTrue(traefikOption(c, 'providers.docker.allowEmptyServices'))) out.push(`Traefik (${name}) sets providers.docker.allowEmptyServices=true, so it routes to a release before it is healthy: remove it, or use the recreate strategy`);
  const v = traefikVersion(c);
  if (opts.tcpRouters && v && (v[0] < 2 || (v[0] === 2 && v[1] < 7))) out.push(`Traefik (${name}) is v${v.join('.')}: TCP routers have no priority before v2.7, so two releases' TCP routers would be picked at random; upgrade Traefik, or use the recreate strategy`);
  return out;
}

/** The networks a resolved (compose config) service is on, by their engine names; null: not on a bridge network of its own (network_mode). */
/** The labels of a service Traefik routes to (router or service labels, not `traefik.enable=false`), else null. */
export function routedLabels(def: Record<string, unknown> | null): [string, unknown][] | null {
  const labels = Object.entries(((def ?? {}).labels ?? {}) as Record<string, unknown>);
  if (!labels.some(([k]) => /^traefik\.(http|tcp|udp)\.(routers|services)\./i.test(k))) return null;
  if (labels.some(([k, v]) => k.toLowerCase() === 'traefik.enable' && isFalse(String(v)))) return null;
  return labels;
}

export function serviceNetworks(config: Record<string, unknown>, def: Record<string, unknown>, composeProject: string): string[] | null {
  if (def.network_mode) return null;
  const top = (config.networks ?? {}) as Record<string, { name?: string } | null>;
  const raw = def.networks;
  const keys = Array.isArray(raw) ? raw.map(String) : raw && typeof raw === 'object' ? Object.keys(raw) : ['default'];
  return keys.map((k) => top[k]?.name ?? `${composeProject}_${k}`);
}

/**
 * Whether Traefik can reach each routed service: Traefik connects to a container's IP on one network
 * (the container's `traefik.docker.network` label, else --providers.docker.network, else any) and
 * must be attached to it. A release's own default network never holds Traefik, so a routed service
 * needs a network shared with it (an external one). Warnings: a Traefik configured by file may differ.
 */
export function networkProblems(config: Record<string, unknown>, traefik: ContainerProcess, composeProject: string, attached: ReadonlySet<string> = new Set()): string[] {
  if (traefik.networks.includes('host')) return [];
  const out: string[] = [];
  const name = traefik.name.replace(/^\//, '');
  const services = (config.services ?? {}) as Record<string, Record<string, unknown> | null>;
  for (const [svc, def] of Object.entries(services)) {
    const labels = routedLabels(def);
    if (!labels) continue;
    const nets = serviceNetworks(config, def ?? {}, composeProject);
    if (!nets || attached.has(svc)) continue;
    const chosen = (labels.find(([k]) => k.toLowerCase() === 'traefik.docker.network')?.[1] as string | undefined) ?? traefikOption(traefik, 'providers.docker.network');
    if (chosen) {
      if (!nets.includes(chosen)) out.push(`service ${svc} is not on network ${chosen}, which Traefik (${name}) uses to reach containers: add it to the service's networks`);
      else if (!traefik.networks.includes(chosen)) out.push(`Traefik (${name}) is not attached to network ${chosen}, through which it would reach service ${svc}: docker network connect ${chosen} ${name}`);
      continue;
    }
    const shared = nets.filter((n) => traefik.networks.includes(n));
    if (shared.length === 0) out.push(`Traefik (${name}) shares no network with service ${svc}: put both on an external network (networks: { proxy: { external: true } }) and label the service traefik.docker.network=proxy`);
    else if (nets.length > 1) out.push(`service ${svc} is on several networks and Traefik (${name}) may pick one it cannot reach: label it traefik.docker.network=${shared[0]}`);
  }
  return out;
}
