/**
 * Blue-green with Traefik (DESIGN "Deploy strategies"): each release carries its own routers,
 * renamed `<router>-<sha7>` with priority = deploy time in ms, so the newest healthy release wins
 * and the old one serves until it is stopped. Pure; unit-tested.
 */
const ROUTER_OR_SERVICE = /^traefik\.(http|tcp|udp)\.(routers|services)\.([^.]+)\.(.+)$/;

export function renameTraefikLabels(labels: Record<string, string>, sha7: string, priority: number): { labels: Record<string, string>; routers: string[] } {
  const services = new Set<string>();
  for (const key of Object.keys(labels)) {
    const m = ROUTER_OR_SERVICE.exec(key);
    if (m && m[2] === 'services') services.add(`${m[1]}:${m[3]}`);
  }
  const out: Record<string, string> = {};
  const routers = new Set<string>();
  for (const [key, value] of Object.entries(labels)) {
    const m = ROUTER_OR_SERVICE.exec(key);
    if (!m) {
      out[key] = value;
      continue;
    }
    const [, proto, kind, name, rest] = m;
    const renamed = `${name}-${sha7}`;
    let v = value;
    // A router's `service=` pointing at a service defined here follows the rename.
    if (kind === 'routers' && rest === 'service' && services.has(`${proto}:${value}`)) v = `${value}-${sha7}`;
    if (kind === 'routers') routers.add(`${proto}:${renamed}`);
    out[`traefik.${proto}.${kind}.${renamed}.${rest}`] = v;
  }
  for (const r of routers) {
    const [proto, name] = r.split(':');
    if (proto !== 'udp') out[`traefik.${proto}.routers.${name}.priority`] = String(priority);
  }
  return { labels: out, routers: [...routers].map((r) => r.split(':')[1]!) };
}

/** A running Traefik: a container whose name or image mentions traefik. */
export function findTraefik(running: { name: string; image: string }[]): string | null {
  return running.find((c) => /traefik/i.test(c.name) || /traefik/i.test(c.image))?.name ?? null;
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

