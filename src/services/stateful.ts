import path from 'node:path';
import { parseMount } from './override.js';

/**
 * Stateful services (docs/stateful-services.md): a service of the release that keeps data beyond
 * its container, in a named volume or a persistent folder. Two copies of it must never run at once
 * (two databases on one data directory). Pure; unit-tested.
 */
export interface StatefulService {
  service: string;
  /** What it writes that outlives it: "volume pgdata" or "persistent ./data". */
  what: string;
}

export function statefulServices(
  config: Record<string, unknown>,
  override: Record<string, unknown>,
  opts: { exclude: string[]; sharedRoot: string },
): StatefulService[] {
  const services = (config.services ?? {}) as Record<string, { volumes?: unknown[] } | null>;
  const named = new Set(Object.keys((config.volumes ?? {}) as object));
  const remapped = (override.services ?? {}) as Record<string, { volumes?: string[] }>;
  const out: StatefulService[] = [];
  for (const [service, def] of Object.entries(services)) {
    if (opts.exclude.includes(service)) continue;
    const volume = (def?.volumes ?? []).map(parseMount).find((m) => m?.type === 'volume' && named.has(m.source));
    const persistent = (remapped[service]?.volumes ?? []).map((v) => v.split(':')[0]!).find((host) => host.startsWith(opts.sharedRoot + '/'));
    if (volume) out.push({ service, what: `volume ${volume.source}` });
    else if (persistent) out.push({ service, what: `persistent ./${path.relative(opts.sharedRoot, persistent)}` });
  }
  return out;
}

/** Blue-green's refusal: the exact words, for the first stateful service. */
export function blueGreenStatefulError(s: StatefulService): string {
  return `service ${s.service} mounts ${s.what} and would run twice during the switch: list it under x-otterstack.shared`;
}
