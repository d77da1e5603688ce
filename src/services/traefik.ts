/**
 * Blue-green with Traefik (docs/blue-green.md): each release carries its own routers, services and
 * middlewares, renamed `<name>-<suffix>` (suffix = the release's identity, so two releases never
 * share a name: Traefik's docker provider drops a router/service/middleware defined by several
 * containers with different configurations), with priorities above every older release's
 * (traefik-priority.ts). Pure; unit-tested.
 */
import { releasePriority } from './traefik-priority.js';

export { nextGeneration, releasePriority } from './traefik-priority.js';

/** Label values as compose allows them; null (a key without value) stays null. */
export type LabelValue = string | null;
export type LabelEntries = [string, LabelValue][];

// Case-insensitive like Traefik's label parser; a name may hold `${VAR:-x.y}` (interpolated later).
const DEFINITION = /^(traefik)\.(http|tcp|udp)\.(routers|services|middlewares)\.((?:\$\{[^}]*\}|[^.])+)\.(.+)$/i;

interface Parsed {
  proto: string;
  kind: string;
  name: string;
  /** The rest of the key, lower-cased, e.g. `rule`, `service`, `chain.middlewares`. */
  field: string;
  rebuild: (name: string) => string;
}

function parseKey(key: string): Parsed | null {
  const m = DEFINITION.exec(key);
  if (!m) return null;
  const [, root, proto, kind, name, rest] = m;
  return { proto: proto!.toLowerCase(), kind: kind!.toLowerCase(), name: name!, field: rest!.toLowerCase(), rebuild: (n) => `${root}.${proto}.${kind}.${n}.${rest}` };
}

const id = (proto: string, kind: string, name: string) => `${proto}:${kind}:${name}`;

/** Every router, service and middleware the release defines, over all its services' labels. */
export function definedNames(services: Record<string, LabelEntries>): Set<string> {
  const out = new Set<string>();
  for (const entries of Object.values(services)) {
    for (const [key] of entries) {
      const p = parseKey(key);
      if (p) out.add(id(p.proto, p.kind, p.name));
    }
  }
  return out;
}

/**
 * One reference (`name`, `name@docker`, `name@file`) followed to its renamed definition when the
 * release defines it; a reference to another provider or an undefined name stays as written.
 */
function renameReference(ref: string, proto: string, kind: string, defined: Set<string>, suffix: string): string {
  const m = /^(\s*)(.*?)(\s*)$/.exec(ref)!;
  const [, lead, body, trail] = m as unknown as [string, string, string, string];
  const at = body.lastIndexOf('@');
  const name = at < 0 ? body : body.slice(0, at);
  const provider = at < 0 ? '' : body.slice(at);
  if (provider && provider.toLowerCase() !== '@docker') return ref;
  if (!defined.has(id(proto, kind, name))) return ref;
  return `${lead}${name}-${suffix}${provider}${trail}`;
}

function renameList(value: string, proto: string, defined: Set<string>, suffix: string): string {
  return value
    .split(',')
    .map((r) => renameReference(r, proto, 'middlewares', defined, suffix))
    .join(',');
}

/** A label's new key and value in the release: definitions renamed, references followed. */
export function renameLabel(key: string, value: LabelValue, defined: Set<string>, suffix: string): [string, LabelValue] {
  const p = parseKey(key);
  if (!p) return [key, value];
  const newKey = p.rebuild(`${p.name}-${suffix}`);
  if (value === null) return [newKey, value];
  if (p.kind === 'routers' && p.field === 'service') return [newKey, renameReference(value, p.proto, 'services', defined, suffix)];
  if (p.kind === 'routers' && p.field === 'middlewares') return [newKey, renameList(value, p.proto, defined, suffix)];
  if (p.kind === 'middlewares' && p.field === 'chain.middlewares') return [newKey, renameList(value, p.proto, defined, suffix)];
  if (p.kind === 'middlewares' && p.field === 'errors.service') return [newKey, renameReference(value, p.proto, 'services', defined, suffix)];
  return [newKey, value];
}

export interface RenameOptions {
  /** The release's identity: `<sha7>`, or `<sha7>-c<N>` for a config-only release of the same commit. */
  suffix: string;
  /** The release's blue-green generation (traefik-priority.ts). */
  generation: number;
  /**
   * The service's labels as compose resolved them (interpolated), by raw key: rule lengths and
   * explicit priorities are read from there, since Traefik sees the interpolated text.
   */
  resolved?: Record<string, LabelValue>;
}

/**
 * One service's labels for the release: same order, each entry renamed in place; every HTTP/TCP
 * router gets its priority (replacing the app's own `priority` label where it had one, appended
 * otherwise). `defined` comes from definedNames over the whole release.
 */
export function renameServiceLabels(entries: LabelEntries, defined: Set<string>, opts: RenameOptions): { entries: LabelEntries; routers: string[]; httpRouters: string[] } {
  const value = (key: string, raw: LabelValue): LabelValue => (opts.resolved && key in opts.resolved ? opts.resolved[key]! : raw);
  const routers = new Map<string, { proto: string; name: string; rule: LabelValue; priority: LabelValue; priorityAt: number }>();
  entries.forEach(([key, raw], i) => {
    const p = parseKey(key);
    if (!p || p.kind !== 'routers') return;
    const r = routers.get(id(p.proto, '', p.name)) ?? { proto: p.proto, name: p.name, rule: null, priority: null, priorityAt: -1 };
    if (p.field === 'rule') r.rule = value(key, raw);
    if (p.field === 'priority') {
      r.priority = value(key, raw);
      r.priorityAt = i;
    }
    routers.set(id(p.proto, '', p.name), r);
  });
  const out: LabelEntries = entries.map(([k, v]) => renameLabel(k, v, defined, opts.suffix));
  for (const r of routers.values()) {
    // UDP routers have no rule and no priority.
    if (r.proto === 'udp') continue;
    const priority = String(releasePriority(opts.generation, r.priority, r.rule, r.proto as 'http' | 'tcp'));
    if (r.priorityAt >= 0) out[r.priorityAt] = [out[r.priorityAt]![0], priority];
    else out.push([`traefik.${r.proto}.routers.${r.name}-${opts.suffix}.priority`, priority]);
  }
  const all = [...routers.values()];
  return { entries: out, routers: all.map((r) => `${r.name}-${opts.suffix}`), httpRouters: all.filter((r) => r.proto === 'http').map((r) => `${r.name}-${opts.suffix}`) };
}

/** The whole release at once (per compose service): definitions from any service are followed from every other. */
export function renameTraefikLabels(services: Record<string, LabelEntries>, opts: Omit<RenameOptions, 'resolved'> & { resolved?: Record<string, Record<string, LabelValue>> }): { services: Record<string, LabelEntries>; routers: string[] } {
  const defined = definedNames(services);
  const out: Record<string, LabelEntries> = {};
  const routers: string[] = [];
  for (const [svc, entries] of Object.entries(services)) {
    const r = renameServiceLabels(entries, defined, { ...opts, resolved: opts.resolved?.[svc] });
    out[svc] = r.entries;
    routers.push(...r.routers);
  }
  return { services: out, routers };
}

/** Whether a label routes (defines a router, service or middleware), for the checks below. */
export function isTraefikDefinition(key: string): boolean {
  return parseKey(key) !== null;
}

/**
 * Labels that defeat blue-green: `traefik.docker.allownonrunning=true` makes Traefik route to a
 * container that is not running (or not yet healthy), so the new release would take traffic
 * before its health check passes.
 */
export function labelProblems(services: Record<string, LabelEntries>): string[] {
  const out: string[] = [];
  for (const [svc, entries] of Object.entries(services)) {
    const routes = entries.some(([k]) => isTraefikDefinition(k));
    const allow = entries.find(([k, v]) => k.toLowerCase() === 'traefik.docker.allownonrunning' && /^true$/i.test(String(v ?? '').trim()));
    if (routes && allow) out.push(`service ${svc} sets ${allow[0]}=true, so Traefik would route to it before it is healthy: remove that label for blue-green`);
  }
  return out;
}

export interface BlueGreenCheck {
  errors: string[];
  warnings: string[];
}

/** Blue-green runs two releases side by side: no fixed host ports or container names. */
export function checkBlueGreen(config: Record<string, unknown>): BlueGreenCheck {
  const out: BlueGreenCheck = { errors: [], warnings: [] };
  const services = (config.services ?? {}) as Record<string, Record<string, unknown> | null>;
  for (const [name, def] of Object.entries(services)) {
    const d = def ?? {};
    const ports = (d.ports ?? []) as unknown[];
    const published = ports.some((p) => (typeof p === 'string' ? p.includes(':') : typeof p === 'object' && p !== null && 'published' in p && (p as { published?: unknown }).published !== undefined && (p as { published?: unknown }).published !== ''));
    if (published) out.errors.push(`service ${name} publishes a host port, which two releases cannot share: remove ports: (Traefik routes to it) or use the recreate strategy`);
    if (d.container_name) out.errors.push(`service ${name} sets container_name, which two releases cannot share: remove it or use the recreate strategy`);
    if (!d.healthcheck) out.warnings.push(`service ${name} has no healthcheck in the compose file: Traefik switches traffic as soon as it starts (zero downtime needs a healthcheck)`);
  }
  return out;
}
