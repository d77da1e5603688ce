/**
 * One-shot services run once and exit 0 when done (migrations, seeds): their exit is not a crash.
 * They are the targets of `depends_on: {x: {condition: service_completed_successfully}}` (both
 * compose versions keep that in `config`) and the services listed in the top-level extension
 * `x-otterstack: {oneshot: [...]}` (read from the raw file: Compose v1's `config` drops x- keys).
 * Pure; unit-tested.
 */
export function oneshotServices(config: Record<string, unknown>, extension: unknown): { services: string[]; errors: string[] } {
  const services = (config.services ?? {}) as Record<string, { depends_on?: unknown } | null>;
  const found = new Set<string>();
  for (const def of Object.values(services)) {
    const deps = def?.depends_on;
    if (!deps || Array.isArray(deps) || typeof deps !== 'object') continue;
    for (const [target, spec] of Object.entries(deps as Record<string, { condition?: string } | null>)) {
      if (spec?.condition === 'service_completed_successfully') found.add(target);
    }
  }
  const errors: string[] = [];
  const listed = extension && typeof extension === 'object' ? (extension as { oneshot?: unknown }).oneshot : undefined;
  if (listed !== undefined) {
    if (!Array.isArray(listed) || listed.some((s) => typeof s !== 'string')) errors.push('x-otterstack.oneshot must be a list of service names');
    else
      for (const name of listed as string[]) {
        if (name in services) found.add(name);
        else errors.push(`x-otterstack.oneshot names ${JSON.stringify(name)}, which is not a service of this file (services: ${Object.keys(services).join(', ')})`);
      }
  }
  return { services: [...found].sort(), errors };
}
