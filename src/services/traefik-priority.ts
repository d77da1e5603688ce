/**
 * Router priorities for blue-green releases (docs/blue-green.md).
 *
 * Traefik sorts routers by priority, highest first; a router without one gets the length of its
 * rule (bytes), so `Host(x) && PathPrefix(/api)` beats `Host(x)`. Two releases of one project run
 * the same rules side by side, so the newer one must win every tie with the older one while each
 * release keeps its own routers in the order the app meant:
 *
 *   priority = generation × 100 000 + min(explicit priority or rule length, 99 999)
 *
 * Bounds: Traefik ≥ v2.11.1 refuses (drops) a user router above MaxInt − 1000 ("exceeds the max
 * user-defined priority"); on older versions such a router outranks the internal ACME HTTP-01 and
 * HTTPS-redirect routers (MaxInt32-ish), and 32-bit builds wrap above MaxInt32. So everything stays
 * below MaxInt32 − 1000.
 */
export const GENERATION_SPAN = 100_000;
/** The app's own part of a priority: explicit or rule length, clamped into one generation. */
export const MAX_OWN_PRIORITY = GENERATION_SPAN - 1;
/** Highest priority a user router may have on every Traefik (MaxInt32 − 1000). */
export const PRIORITY_CAP = 2_147_483_647 - 1000;
/** Highest generation whose every priority stays at or below PRIORITY_CAP. */
export const MAX_GENERATION = Math.floor((PRIORITY_CAP - MAX_OWN_PRIORITY) / GENERATION_SPAN);

/** Traefik's default priority: the rule's length in bytes (Go len()); 0 without a rule. */
export function ruleLength(rule: string | null | undefined): number {
  return rule ? Buffer.byteLength(rule, 'utf8') : 0;
}

/** A TCP `HostSNI(\`*\`)` alone: Traefik gives it the lowest default priority (-1) so it is tried last. */
const TCP_CATCH_ALL = /^\s*HostSNI\(\s*[`"]\*[`"]\s*\)\s*$/i;

/**
 * The app's own priority of a router: its explicit `priority` label when it is a whole number
 * above 0 (Traefik treats 0 as "not set"), otherwise its rule's length (0 for a TCP catch-all,
 * which Traefik tries after every other TCP router).
 */
export function ownPriority(explicit: string | null | undefined, rule: string | null | undefined, proto: 'http' | 'tcp' = 'http'): number {
  const n = explicit === null || explicit === undefined || explicit.trim() === '' ? NaN : Number(explicit.trim());
  const fallback = proto === 'tcp' && rule && TCP_CATCH_ALL.test(rule) ? 0 : ruleLength(rule);
  const own = Number.isInteger(n) && n > 0 ? n : fallback;
  return Math.min(own, MAX_OWN_PRIORITY);
}

/** The priority a release of `generation` gives a router. Throws on a generation out of range (a caller bug). */
export function releasePriority(generation: number, explicit: string | null | undefined, rule: string | null | undefined, proto: 'http' | 'tcp' = 'http'): number {
  if (!Number.isInteger(generation) || generation < 1 || generation > MAX_GENERATION) {
    throw new RangeError(`blue-green generation ${generation} outside 1..${MAX_GENERATION}`);
  }
  return generation * GENERATION_SPAN + ownPriority(explicit, rule, proto);
}

/**
 * The generation after `last` (0: none yet). Past MAX_GENERATION it starts again at 1 and says
 * `renumber`: the releases still running carry higher priorities than the new one would, so the
 * caller must recreate them (or stop them) before this release can win.
 */
export function nextGeneration(last: number): { generation: number; renumber: boolean } {
  const next = Math.max(0, Math.floor(last)) + 1;
  return next > MAX_GENERATION ? { generation: 1, renumber: true } : { generation: next, renumber: false };
}
