/**
 * From the projects' domains in SQLite to the routes the proxy serves (#18). Nothing about routing
 * lives only in the proxy: a route's upstream is the active release's per-release alias on the proxy
 * network, so the whole config can be rebuilt from the database at any time (install, cleanup, a
 * proxy found without its routes).
 */
import crypto from 'node:crypto';
import path from 'node:path';
import type { ServiceContext } from '../context.js';
import { OtterError } from '../errors.js';
import { describeHolder, tryAcquire, type FileLock } from '../locks.js';
import { projectLockHolder } from '../locking.js';
import { allProxyRoutes, type ProxyRoute } from '../proxy-routes.js';
import { releaseKey } from '../release.js';
import { releaseAlias } from '../traefik-network.js';
import type { CaddyRoute } from './caddy-config.js';
import { applyProxyConfig, readProxyRoutes } from './proxy-config.js';
import { readAppliedRoutes, readInstalledOptions } from './proxy-state.js';

const ROUTE_ID = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

/** The route's @id suffix: `<project>.<service>.<port>`, or a hash of it when that is no valid id. */
export function routeIdFor(route: Pick<ProxyRoute, 'project' | 'service' | 'port'>): string {
  const id = `${route.project}.${route.service}.${route.port}`.toLowerCase();
  if (ROUTE_ID.test(id)) return id;
  const hash = crypto.createHash('sha256').update(`${route.service}:${route.port}`).digest('hex').slice(0, 12);
  return `${route.project.slice(0, 48)}.${hash}`;
}

/** Where a release's service answers on the proxy network: its per-release alias and the container port. */
export function releaseUpstream(service: string, port: number, composeProject: string): string {
  return `${releaseAlias(service, releaseKey(composeProject))}:${port}`;
}

/** The Caddy route of a project's route when `composeProject` serves it. */
export function caddyRoute(route: ProxyRoute, composeProject: string): CaddyRoute {
  return { id: routeIdFor(route), domains: route.domains, upstream: releaseUpstream(route.service, route.port, composeProject), tls: route.tls };
}

/**
 * Every route the proxy should serve now, each to one release:
 * - a project in `serving`: the release given (a deploy switching to it before it is recorded
 *   active), or no route for null;
 * - a project another process is deploying (its lock is held): the upstream last applied, which may
 *   be its new release, switched but not yet recorded; rebuilding it from SQLite would undo that;
 * - otherwise its active release in SQLite.
 * A project with nothing active has no route (nothing could answer).
 */
export async function desiredCaddyRoutes(ctx: ServiceContext, serving: ReadonlyMap<string, string | null> = new Map()): Promise<CaddyRoute[]> {
  const routes = await allProxyRoutes(ctx);
  const active = await ctx.store.deployments.allActive();
  const projects = new Map((await ctx.store.projects.all()).map((p) => [p.name, p.id]));
  const applied = new Map(readAppliedRoutes(ctx.paths).map((r) => [r.id, r.upstream]));
  const out: CaddyRoute[] = [];
  for (const r of routes) {
    let route: CaddyRoute | null = null;
    if (serving.has(r.project)) {
      const cp = serving.get(r.project);
      route = cp ? caddyRoute(r, cp) : null;
    } else {
      const cp = active.get(projects.get(r.project)!)?.compose_project;
      route = cp ? caddyRoute(r, cp) : null;
      const inFlight = applied.get(routeIdFor(r));
      if (inFlight && projectLockHolder(ctx, r.project)) route = { id: routeIdFor(r), domains: r.domains, upstream: inFlight, tls: r.tls };
    }
    if (route) out.push(route);
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Whether the proxy's live routes (read back) are exactly `routes`: same ids, domains and upstreams. */
export function sameRoutes(live: readonly { id: string; domains: string[]; upstreams: string[] }[], routes: readonly CaddyRoute[]): boolean {
  if (live.length !== routes.length) return false;
  const byId = new Map(live.map((r) => [r.id, r]));
  return routes.every((r) => {
    const l = byId.get(r.id);
    return !!l && [...l.domains].sort().join(' ') === [...r.domains].sort().join(' ') && l.upstreams.length === 1 && l.upstreams[0] === r.upstream;
  });
}

/** Whether the running proxy serves exactly `routes` (its config read back; TLS issuers from the routes last applied). */
export async function proxyServes(ctx: ServiceContext, routes: readonly CaddyRoute[]): Promise<boolean> {
  // The live routes say nothing of TLS issuers; the routes last applied do.
  const key = (rs: readonly CaddyRoute[]) => JSON.stringify(rs.map((r) => [r.id, r.tls]).sort());
  return key(readAppliedRoutes(ctx.paths)) === key(routes) && sameRoutes(await readProxyRoutes(ctx), routes);
}

/** How long a config change waits for another process's (they are short: a few admin calls). */
const PROXY_LOCK_WAIT_MS = 60_000;

/**
 * DESIGN: the proxy's config is one document shared by every project. Two deploys changing it at
 * once could each load a whole config built from a stale view and undo the other's switch, so every
 * change (read, admin call, the kept routes file) holds this machine-wide lock. Held only for the
 * change itself, never while a deploy drains or waits for health.
 */
export async function withProxyLock<T>(ctx: ServiceContext, operation: string, fn: () => Promise<T>): Promise<T> {
  const file = path.join(ctx.paths.locksDir, 'proxy-config.lock');
  const deadline = Date.now() + PROXY_LOCK_WAIT_MS;
  let lock: FileLock | null = null;
  for (;;) {
    const res = tryAcquire(file, operation);
    if (res.ok) {
      lock = res.lock;
      break;
    }
    if (Date.now() > deadline) throw new OtterError('conflict', `the proxy's configuration stayed locked for ${PROXY_LOCK_WAIT_MS / 1000}s by ${describeHolder(res.holder)}: retry, or run otterstack cleanup if that process is gone`);
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

export interface ProxySync {
  /** Nothing to do: the proxy is not installed. */
  installed: boolean;
  /** The routes the proxy should serve (from SQLite). */
  routes: number;
  /** The live config differed (a restart without its config, a change by hand, a removed project) and was reloaded. */
  reloaded: boolean;
}

/**
 * Makes the running proxy serve exactly the routes SQLite gives (one `POST /load` when they differ,
 * nothing otherwise). Throws when the proxy is installed but its admin API does not answer.
 */
export async function syncProxyRoutes(ctx: ServiceContext, operation = 'proxy sync'): Promise<ProxySync> {
  if (!readInstalledOptions(ctx.paths)) return { installed: false, routes: 0, reloaded: false };
  return withProxyLock(ctx, operation, async () => {
    const routes = await desiredCaddyRoutes(ctx);
    if (await proxyServes(ctx, routes)) return { installed: true, routes: routes.length, reloaded: false };
    await applyProxyConfig(ctx, routes);
    return { installed: true, routes: routes.length, reloaded: true };
  });
}
