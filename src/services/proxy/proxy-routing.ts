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
import type { DeployTarget } from '../../db/schema.js';
import { stackName } from '../swarm/swarm-state.js';
import type { CaddyRoute } from './caddy-config.js';
import { applyProxyConfig, readProxyRoutes } from './proxy-config.js';
import { readAppliedRoutes, readInstalledOptions } from './proxy-state.js';

const ROUTE_ID = /^[a-z0-9][a-z0-9_.-]{0,127}$/;

/**
 * The route's @id suffix: `<project>.<service>.<port>`, or `<project>.<hash of service and port>`
 * when a service name has characters an id cannot carry. Always `<project>.` first: which project a
 * route belongs to is read from its id (routesOfProject).
 */
export function routeIdFor(route: Pick<ProxyRoute, 'project' | 'service' | 'port'>): string {
  const id = `${route.project}.${route.service.toLowerCase()}.${route.port}`;
  if (ROUTE_ID.test(id) && route.service === route.service.toLowerCase()) return id;
  const hash = crypto.createHash('sha256').update(`${route.service}:${route.port}`).digest('hex').slice(0, 16);
  return `${route.project}.${hash}`;
}

/** The routes of `project` among `routes` (by their ids). */
export function routesOfProject<T extends { id: string }>(routes: readonly T[], project: string): T[] {
  // Project names have no '.': `app.` is never the start of another project's ids.
  return routes.filter((r) => r.id.startsWith(`${project}.`));
}

/** Where a release's service answers on the proxy network: its per-release alias and the container port. */
export function releaseUpstream(service: string, port: number, composeProject: string): string {
  return `${releaseAlias(service, releaseKey(composeProject))}:${port}`;
}

/** The release serving a project's routes, and where it runs (deployments.target). */
export interface ServingRelease {
  composeProject: string;
  target: DeployTarget;
}

/**
 * How long Caddy keeps retrying a swarm service's name when a dial fails (docs/swarm.md): during a
 * start-first update the name can still give the address of a task being shut down.
 */
export const SWARM_RETRY_MS = 5000;

/**
 * The Caddy route of a project's route when `release` serves it: a compose release by its
 * per-release alias on the proxy network; a swarm release by the stack's service name
 * (`otterstack-<project>_<service>`, the same for every release: the swarm swaps the tasks behind
 * it) on the stack's overlay network, which the proxy joins (swarm-proxy.ts).
 */
export function caddyRoute(route: ProxyRoute, release: ServingRelease): CaddyRoute {
  const base = { id: routeIdFor(route), domains: route.domains, tls: route.tls };
  if (release.target === 'swarm') return { ...base, upstream: `${stackName(route.project)}_${route.service}:${route.port}`, retryMs: SWARM_RETRY_MS };
  return { ...base, upstream: releaseUpstream(route.service, route.port, release.composeProject) };
}

/**
 * Where each project's routes come from when the whole config is built:
 * - `sqlite`: the database alone (each proxy project's domains and routes, to its active release):
 *   `proxy install`, `cleanup` and `project remove` rebuild from it, applying route changes early;
 * - `applied`: the routes last applied for each project that has some (definitions and upstreams
 *   as the proxy served them), the database for the others: a deploy of one project must not apply
 *   another project's `project set --route` to that project's running release, nor undo its
 *   switch in flight.
 */
export type RouteSource = 'sqlite' | 'applied';

/**
 * Every route the proxy should serve, each to one release. A project in `serving` gets its routes
 * from the database to the release given (a deploy switching to it), or none for null. Otherwise as
 * `source` says; with `sqlite`, a project another process is deploying (its lock is held) keeps the
 * upstream last applied, which may be its new release, switched but not yet recorded. A project with
 * nothing active has no route (nothing could answer).
 */
export async function desiredCaddyRoutes(ctx: ServiceContext, serving: ReadonlyMap<string, ServingRelease | null> = new Map(), source: RouteSource = 'sqlite'): Promise<CaddyRoute[]> {
  const routes = await allProxyRoutes(ctx);
  const active = await ctx.store.deployments.allActive();
  const projects = new Map((await ctx.store.projects.all()).map((p) => [p.name, p.id]));
  const appliedList = readAppliedRoutes(ctx.paths);
  const out: CaddyRoute[] = [];
  const kept = new Set<string>();
  for (const r of routes) {
    if (serving.has(r.project)) {
      const release = serving.get(r.project);
      if (release) out.push(caddyRoute(r, release));
      continue;
    }
    if (source === 'applied') {
      const last = routesOfProject(appliedList, r.project);
      if (last.length > 0) {
        if (!kept.has(r.project)) out.push(...last);
        kept.add(r.project);
        continue;
      }
    }
    const d = active.get(projects.get(r.project)!);
    let route: CaddyRoute | null = d ? caddyRoute(r, { composeProject: d.compose_project, target: d.target }) : null;
    const inFlight = appliedList.find((a) => a.id === routeIdFor(r));
    if (inFlight && projectLockHolder(ctx, r.project)) route = { ...inFlight, domains: r.domains, tls: r.tls };
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
  // The live routes say nothing of TLS issuers or retries; the routes last applied do.
  const key = (rs: readonly CaddyRoute[]) => JSON.stringify(rs.map((r) => [r.id, r.tls, r.retryMs ?? 0]).sort());
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
 * Makes the running proxy serve exactly the routes `source` gives (one `POST /load` when they
 * differ, nothing otherwise). With `onlyLost`, only when the proxy lacks some of them (a proxy
 * restarted from an empty config): an upstream that differs is left alone, since a deploy or a
 * crash between switch and record may have made it so, and `cleanup` is where that is reconciled.
 * Throws when the proxy is installed but its admin API does not answer.
 */
export async function syncProxyRoutes(ctx: ServiceContext, operation = 'proxy sync', opts: { source?: RouteSource; onlyLost?: boolean } = {}): Promise<ProxySync> {
  if (!readInstalledOptions(ctx.paths)) return { installed: false, routes: 0, reloaded: false };
  return withProxyLock(ctx, operation, async () => {
    const routes = await desiredCaddyRoutes(ctx, new Map(), opts.source ?? 'sqlite');
    if (opts.onlyLost) {
      const live = new Set((await readProxyRoutes(ctx)).map((r) => r.id));
      if (routes.every((r) => live.has(r.id))) return { installed: true, routes: routes.length, reloaded: false };
    } else if (await proxyServes(ctx, routes)) {
      return { installed: true, routes: routes.length, reloaded: false };
    }
    await applyProxyConfig(ctx, routes);
    return { installed: true, routes: routes.length, reloaded: true };
  });
}
