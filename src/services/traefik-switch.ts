/**
 * Confirming that Traefik routes to the new release before the old one stops (#16 item 4,
 * docs/blue-green.md). Traefik applies a new configuration at most once per
 * providersThrottleDuration (2 s by default) after the container event; stopping the old release
 * before that is a window of 502s. With its API we watch the switch happen; without it we can only
 * wait long enough.
 */
import { OtterError } from './errors.js';
import { traefikOption, type ContainerProcess } from './traefik-detect.js';
import { traefikNetwork } from './traefik-network.js';

/** Margin over Traefik's throttle when nothing can be confirmed: the event itself and a reload take time too. */
export const THROTTLE_MARGIN_MS = 1000;

/**
 * A Go duration as Traefik reads it (`2s`, `500ms`, `1m30s`; a bare number is seconds), in ms;
 * null when it is not one.
 */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = t;
  if (rest === '') return null;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) return null;
    total += Number(m[1]) * unit[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** Traefik's providersThrottleDuration in ms (2 s when not set or unreadable). */
export function throttleMs(traefik: Pick<ContainerProcess, 'args' | 'env'>): number {
  const v = traefikOption(traefik, 'providers.providersThrottleDuration');
  return (v === undefined ? null : parseDuration(v)) ?? 2000;
}

/**
 * Where Traefik's API answers: the traefikApiUrl setting, else, when Traefik runs with
 * --api.insecure=true, its `traefik` entry point (port 8080 unless --entrypoints.traefik.address
 * says otherwise) on its address in its network (the engine's host reaches bridge addresses).
 * Null: no API we know of.
 */
export function traefikApiUrl(traefik: ContainerProcess, setting: string): { url: string; configured: boolean } | null {
  if (setting) return { url: setting, configured: true };
  if (!/^true$/i.test(traefikOption(traefik, 'api.insecure') ?? '')) return null;
  const address = traefikOption(traefik, 'entrypoints.traefik.address') ?? ':8080';
  const port = /:(\d+)(?:\/\w+)?$/.exec(address)?.[1] ?? '8080';
  const net = traefikNetwork(traefik);
  const ip = (net && traefik.ips[net]) || Object.values(traefik.ips)[0];
  return ip ? { url: `http://${ip}:${port}`, configured: false } : null;
}

interface ApiRouter {
  name?: string;
  status?: string;
  service?: string;
  rule?: string;
  priority?: number;
  error?: string[];
}

interface ApiService {
  loadBalancer?: { servers?: { url?: string }[] };
}

export type Fetch = (url: string, init: { signal: AbortSignal }) => Promise<{ status: number; json(): Promise<unknown> }>;

async function getJson<T>(fetchFn: Fetch, url: string): Promise<T | null> {
  const res = await fetchFn(url, { signal: AbortSignal.timeout(2000) });
  if (res.status === 404) return null;
  if (res.status !== 200) throw new OtterError('deploy_failed', `Traefik's API answered ${res.status} for ${url}`);
  return (await res.json()) as T;
}

/** Whether the API answers at all (a configured URL is checked before anything starts). */
export async function apiReachable(api: string, fetchFn: Fetch = fetch as unknown as Fetch): Promise<string | null> {
  try {
    const res = await fetchFn(`${api}/api/http/routers`, { signal: AbortSignal.timeout(3000) });
    return res.status === 200 ? null : `it answered ${res.status} for /api/http/routers`;
  } catch (err) {
    return (err as Error).message;
  }
}

function serverHost(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return url;
  }
}

export interface ConfirmOptions {
  api: string;
  /** The new release's renamed HTTP routers. */
  routers: string[];
  /** Every address of the new release's containers. */
  releaseIps: ReadonlySet<string>;
  /** The new release's addresses on networks Traefik is on (the ones it can dial). */
  reachableIps: ReadonlySet<string>;
  timeoutMs: number;
  signal?: AbortSignal;
  fetch?: Fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Polls Traefik's API until each router is enabled and its service's servers are the new release's
 * addresses. Throws (keeping the old release, the caller undoes the new one) when Traefik reports the
 * router disabled, would dial an address it cannot reach, or does not switch in time. Returns
 * warnings: another router with the same rule that outranks the release's (outrankedBy).
 */
export async function confirmSwitch(o: ConfirmOptions): Promise<string[]> {
  const fetchFn = o.fetch ?? (fetch as unknown as Fetch);
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + o.timeoutMs;
  const pending = new Set(o.routers);
  let last = 'not yet in its configuration';
  while (pending.size > 0) {
    if (o.signal?.aborted) throw new OtterError('interrupted', 'interrupted while confirming the switch with Traefik');
    for (const router of [...pending]) {
      let seen: string | null;
      try {
        seen = await checkRouter(fetchFn, o, router);
      } catch (err) {
        if (err instanceof OtterError) throw err;
        seen = `its API did not answer (${(err as Error).message})`;
      }
      if (seen === null) pending.delete(router);
      else last = `router ${router}: ${seen}`;
    }
    if (pending.size === 0) break;
    if (now() >= deadline) {
      throw new OtterError('deploy_failed', `Traefik did not switch to the new release within ${Math.round(o.timeoutMs / 1000)}s (${last}); the old release keeps serving: check Traefik's log`);
    }
    await sleep(200);
  }
  try {
    return outrankedBy((await getJson<ApiRouter[]>(fetchFn, `${o.api}/api/http/routers?per_page=1000`)) ?? [], o.routers);
  } catch {
    return []; // the switch is confirmed; this is advice only
  }
}

/** Traefik's priority of a router: the explicit one, else the rule's length. */
function priorityOf(r: ApiRouter): number {
  return r.priority && r.priority > 0 ? r.priority : Buffer.byteLength(r.rule ?? '', 'utf8');
}

/**
 * Enabled routers of anything else with the same rule as one of the release's and a priority at
 * least as high: Traefik sends those requests there, not to the release (e.g. two projects routing
 * one host: a newer blue-green generation outranks every older one). Pure: from the API's router list.
 */
export function outrankedBy(all: readonly ApiRouter[], ours: readonly string[]): string[] {
  const names = new Set(ours.map((r) => `${r}@docker`));
  const out: string[] = [];
  for (const mine of all.filter((r) => names.has(r.name ?? ''))) {
    for (const other of all) {
      if (names.has(other.name ?? '') || other.status !== 'enabled' || other.rule !== mine.rule || priorityOf(other) < priorityOf(mine)) continue;
      out.push(`Traefik router ${other.name} has the same rule ${mine.rule} with priority ${priorityOf(other)} (this release's ${mine.name}: ${priorityOf(mine)}): Traefik sends those requests to ${other.service ?? 'its service'}, not to this release; is another project routing the same host?`);
    }
  }
  return out;
}

/** null when the router routes to the new release; otherwise what is still missing. Throws on a definite failure. */
async function checkRouter(fetchFn: Fetch, o: ConfirmOptions, router: string): Promise<string | null> {
  const r = await getJson<ApiRouter>(fetchFn, `${o.api}/api/http/routers/${encodeURIComponent(`${router}@docker`)}`);
  if (!r) return 'not yet in its configuration';
  if (r.status === 'disabled') {
    throw new OtterError('deploy_failed', `Traefik reports router ${router} disabled: ${(r.error ?? []).join('; ') || 'no reason given'}; the old release keeps serving`);
  }
  const service = r.service ?? '';
  // A service of another provider (api@internal, a file) has no servers of ours to compare.
  if (service.includes('@') && !/@docker$/i.test(service)) return null;
  const s = await getJson<ApiService>(fetchFn, `${o.api}/api/http/services/${encodeURIComponent(service.includes('@') ? service : `${service}@docker`)}`);
  const hosts = (s?.loadBalancer?.servers ?? []).map((x) => serverHost(x.url ?? ''));
  if (hosts.length === 0) return `service ${service} has no servers yet`;
  const foreign = hosts.filter((h) => !o.releaseIps.has(h));
  if (foreign.length > 0) return `service ${service} still lists ${foreign.join(', ')}`;
  const unreachable = hosts.filter((h) => !o.reachableIps.has(h));
  if (unreachable.length > 0) {
    throw new OtterError('deploy_failed', `Traefik would send router ${router}'s requests to ${unreachable.join(', ')}, an address on a network Traefik is not on; the old release keeps serving: label the service traefik.docker.network=<a network Traefik is on>`);
  }
  return null;
}
