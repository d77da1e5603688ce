/** The proxy's live config: load it whole, read it back, move one route to a new upstream (all over the admin socket). */
import type { ServiceContext } from '../context.js';
import { OtterError } from '../errors.js';
import { CaddyAdmin } from './caddy-admin.js';
import { renderCaddyConfig, routesOfConfig, upstreamsPath, validateUpstream, type CaddyRoute } from './caddy-config.js';
import { readAppliedRoutes, requireInstalledOptions, writeAppliedRoutes, writeStartConfig } from './proxy-state.js';

export function proxyAdmin(ctx: ServiceContext): CaddyAdmin {
  return new CaddyAdmin(ctx.paths.proxyAdminSocket);
}

/**
 * Makes the proxy serve exactly `routes`: the whole config rendered (renderCaddyConfig) and loaded
 * in ONE `POST /load` (Caddy swaps configs atomically: it serves the old one until the new one is
 * running, and keeps the old one if the new one fails). Then the routes and the config are kept in
 * the data dir, so a re-install or a restart of the container serves them again.
 */
export async function applyProxyConfig(ctx: ServiceContext, routes: CaddyRoute[]): Promise<void> {
  const options = requireInstalledOptions(ctx.paths);
  const config = renderCaddyConfig(options, routes);
  const admin = proxyAdmin(ctx);
  admin.check(await admin.request('POST', '/load', config), 'POST /load');
  writeAppliedRoutes(ctx.paths, routes);
  writeStartConfig(ctx.paths, config);
}

/** The config the proxy runs now, as Caddy reports it (`GET /config/`). */
export async function readProxyConfig(ctx: ServiceContext): Promise<Record<string, unknown>> {
  requireInstalledOptions(ctx.paths);
  return (await proxyAdmin(ctx).getJson('/config/')) as Record<string, unknown>;
}

export interface UpstreamSwitch {
  routeId: string;
  previous: string[];
  upstream: string;
}

/**
 * Moves one route to a new upstream in ONE admin call (PATCH of the route's upstream list, found by
 * its @id; the rest of the config is untouched, so other sites see nothing), then reads it back:
 * it resolves only once Caddy reports the new upstream. The kept routes and start config follow,
 * so a restart does not go back to the old upstream.
 */
export async function switchUpstream(ctx: ServiceContext, routeId: string, upstream: string): Promise<UpstreamSwitch> {
  const options = requireInstalledOptions(ctx.paths);
  validateUpstream(upstream);
  const admin = proxyAdmin(ctx);
  const path = upstreamsPath(routeId);
  const before = await admin.request('GET', path);
  if (before.status === 404) throw new OtterError('not_found', `the proxy has no route ${routeId} (apply the config first)`);
  admin.check(before, `GET ${path}`);
  const previous = dials(JSON.parse(before.body));
  admin.check(await admin.request('PATCH', path, [{ dial: upstream }]), `PATCH ${path}`);
  const now = dials(await admin.getJson(path));
  if (now.length !== 1 || now[0] !== upstream) {
    throw new OtterError('environment', `the proxy's route ${routeId} reads back ${now.join(', ') || 'no upstream'} after switching to ${upstream}`);
  }
  const routes = readAppliedRoutes(ctx.paths).map((r) => (r.id === routeId ? { ...r, upstream } : r));
  writeAppliedRoutes(ctx.paths, routes);
  writeStartConfig(ctx.paths, renderCaddyConfig(options, routes));
  return { routeId, previous, upstream };
}

function dials(upstreams: unknown): string[] {
  return Array.isArray(upstreams) ? upstreams.map((u) => String((u as { dial?: unknown }).dial ?? '')) : [];
}

/** The routes the running proxy has (ours), read back from Caddy. */
export async function readProxyRoutes(ctx: ServiceContext): Promise<ReturnType<typeof routesOfConfig>> {
  return routesOfConfig(await readProxyConfig(ctx));
}
