/**
 * What a release is made of, as far as an operator deciding on a deploy cares (#17's plan): its
 * services with their images and published ports, the shared services' definitions, the named
 * volumes it mounts and the names of the configuration it was given. Written beside each release
 * when it is prepared (`<key>.shape.json`), so `plan` compares the target with what the active
 * release was really started from, not with a guess from its containers. Pure functions; no engine.
 */

export interface ServiceShape {
  /** The image it runs ('' when compose names it: a build without image:). */
  image: string;
  builds: boolean;
  /** Published ports, "[ip:]host->container/proto"; a random host port is "*->container/proto". */
  ports: string[];
}

export interface ReleaseShape {
  services: Record<string, ServiceShape>;
  /** Shared service → its definition hash (shared-release.ts): a different hash replaces it. */
  shared: Record<string, string>;
  /** Engine names of the named volumes the release and its shared services mount. */
  volumes: string[];
  /** Names of the project configuration (never values). */
  configKeys: string[];
}

type PortEntry = string | number | { target?: unknown; published?: unknown; host_ip?: unknown; protocol?: unknown } | null;

/**
 * One published port of `compose config` output in one form: v1 prints "127.0.0.1:8080:80/tcp" or
 * {target}, v2 {host_ip, published, target, protocol}. An expose-only entry (no host port) is null.
 */
export function normalizePort(entry: PortEntry): string | null {
  if (entry === null || entry === undefined) return null;
  if (typeof entry === 'object') {
    if (entry.target === undefined) return null;
    const ip = typeof entry.host_ip === 'string' && entry.host_ip && entry.host_ip !== '0.0.0.0' ? `${entry.host_ip}:` : '';
    const published = entry.published === undefined || entry.published === null || entry.published === '' ? '*' : String(entry.published);
    return `${ip}${published}->${String(entry.target)}/${typeof entry.protocol === 'string' && entry.protocol ? entry.protocol : 'tcp'}`;
  }
  const text = String(entry);
  const m = /^(?:(\[[^\]]+\]|[^:]+):)??(?:([^:]*):)?([^:/]+)(?:\/(\w+))?$/.exec(text);
  if (!m) return text;
  const [, ip, published, target, proto] = m;
  const ipPart = ip && ip !== '0.0.0.0' ? `${ip}:` : '';
  return `${ipPart}${published ? published : '*'}->${target}/${proto ?? 'tcp'}`;
}

/** The shape of a resolved compose model; `shared` services are left out of `services`. */
export function releaseShape(model: Record<string, unknown>, opts: { services: string[]; shared: Record<string, string>; volumes: string[]; configKeys: string[] }): ReleaseShape {
  const defs = (model.services ?? {}) as Record<string, { image?: unknown; build?: unknown; ports?: PortEntry[] } | null>;
  const services: Record<string, ServiceShape> = {};
  for (const name of opts.services) {
    const def = defs[name] ?? {};
    services[name] = {
      image: typeof def.image === 'string' ? def.image : '',
      builds: def.build !== undefined && def.build !== null,
      ports: (Array.isArray(def.ports) ? def.ports : []).map(normalizePort).filter((p): p is string => p !== null).sort(),
    };
  }
  return { services, shared: { ...opts.shared }, volumes: [...new Set(opts.volumes)].sort(), configKeys: [...opts.configKeys].sort() };
}

/** A shape file as read back; null when it is not one (damaged, or of another version). */
export function parseShape(text: string): ReleaseShape | null {
  try {
    const v = JSON.parse(text) as ReleaseShape;
    if (!v || typeof v !== 'object' || typeof v.services !== 'object' || !Array.isArray(v.volumes) || !Array.isArray(v.configKeys) || typeof v.shared !== 'object') return null;
    return v;
  } catch {
    return null;
  }
}

export interface ShapeChanges {
  servicesAdded: string[];
  servicesRemoved: string[];
  /** Services whose image reference changes (not counting per-release build tags). */
  imagesChanged: { service: string; from: string; to: string }[];
  portsAdded: string[];
  portsRemoved: string[];
  sharedAdded: string[];
  sharedRemoved: string[];
  /** Shared services whose definition changed: the deploy replaces them (a restart of the database). */
  sharedChanged: string[];
  volumesAdded: string[];
  volumesRemoved: string[];
  configAdded: string[];
  configRemoved: string[];
}

const minus = (a: Iterable<string>, b: Iterable<string>) => {
  const other = new Set(b);
  return [...a].filter((x) => !other.has(x)).sort();
};

/** A built image's tag changes every release by design: compared without it. */
const comparableImage = (s: ServiceShape) => (s.builds ? '(built)' : s.image);

/** Target against the active release; `from` null: nothing runs yet, everything is added. */
export function diffShapes(from: ReleaseShape | null, to: ReleaseShape): ShapeChanges {
  const empty: ReleaseShape = { services: {}, shared: {}, volumes: [], configKeys: [] };
  const a = from ?? empty;
  const portsOf = (s: ReleaseShape) => Object.entries(s.services).flatMap(([name, svc]) => svc.ports.map((p) => `${name} ${p}`));
  return {
    servicesAdded: minus(Object.keys(to.services), Object.keys(a.services)),
    servicesRemoved: minus(Object.keys(a.services), Object.keys(to.services)),
    imagesChanged: Object.keys(to.services)
      .filter((s) => a.services[s] && comparableImage(a.services[s]!) !== comparableImage(to.services[s]!))
      .sort()
      .map((s) => ({ service: s, from: comparableImage(a.services[s]!), to: comparableImage(to.services[s]!) })),
    portsAdded: minus(portsOf(to), portsOf(a)),
    portsRemoved: minus(portsOf(a), portsOf(to)),
    sharedAdded: minus(Object.keys(to.shared), Object.keys(a.shared)),
    sharedRemoved: minus(Object.keys(a.shared), Object.keys(to.shared)),
    sharedChanged: Object.keys(to.shared).filter((s) => a.shared[s] !== undefined && a.shared[s] !== to.shared[s]).sort(),
    volumesAdded: minus(to.volumes, a.volumes),
    volumesRemoved: minus(a.volumes, to.volumes),
    configAdded: minus(to.configKeys, a.configKeys),
    configRemoved: minus(a.configKeys, to.configKeys),
  };
}
