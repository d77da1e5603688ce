/**
 * A deploy's switch through the OtterStack proxy (#18): the project's routes move to the new
 * release, the move is read back and proven by a real request, and it can be undone.
 */
import type { ServiceContext } from '../context.js';
import { OtterError, toOtterError } from '../errors.js';
import type { ProxyRoute } from '../proxy-routes.js';
import { applyProxyConfig, readProxyRoutes, switchUpstream } from './proxy-config.js';
import { confirmRoute, upstreamProblem } from './proxy-probe.js';
import { proxyNames } from './proxy-names.js';
import type { CaddyRoute } from './caddy-config.js';
import { caddyRoute, desiredCaddyRoutes, routesOfProject, sameRoutes, withProxyLock, type ServingRelease } from './proxy-routing.js';
import { readAppliedRoutes, requireInstalledOptions } from './proxy-state.js';

export interface ProxySwitch {
  /** patch: one admin call per route (the usual case); load: the whole config (first deploy, changed domains, a proxy that lost its routes). */
  how: 'patch' | 'load';
  /** From the reachability check (the release just healthy) to the last route confirmed. */
  ms: number;
  /** Routes confirmed by the config read back only (no certificate yet for a request). */
  unprobed: string[];
  /** Puts the project's routes back as they were before the switch (for a failure after it). */
  revert(): Promise<void>;
}

/** How long a request through the proxy may take to reach the new release after the switch. */
const CONFIRM_TIMEOUT_MS = 15_000;

/**
 * Switches the project's routes to `release` and confirms each: Caddy's config read back,
 * then a request for the route's first domain answered by the new release. Refused before anything
 * moves when the proxy cannot reach the new upstream; on a failure after the move the routes go
 * back before this throws, so the old release keeps serving.
 */
export async function switchProjectRoutes(ctx: ServiceContext, project: string, routes: readonly ProxyRoute[], release: ServingRelease, signal?: AbortSignal): Promise<ProxySwitch> {
  const options = requireInstalledOptions(ctx.paths);
  const started = Date.now();
  const mine = routes.map((r) => caddyRoute(r, release));
  for (const [i, r] of mine.entries()) {
    const problem = await upstreamProblem(ctx, proxyNames().container, r.upstream);
    if (problem) {
      const route = routes[i]!;
      const hint = /refused/i.test(problem) ? `is ${route.port} the port ${route.service} listens on? (otterstack project set ${project} --route ${route.service}:PORT)` : `${route.service} is not reachable on the proxy network`;
      throw new OtterError('deploy_failed', `the proxy cannot reach ${r.upstream} (${problem}): ${hint}; the routes were not switched`);
    }
  }
  const ids = new Set(mine.map((r) => r.id));
  let how: ProxySwitch['how'] = 'patch';
  let before: CaddyRoute[] | null = null;
  const revert = () => restoreRoutes(ctx, project, ids, before ?? []);
  try {
    await withProxyLock(ctx, `switch ${project}`, async () => {
      const live = await readProxyRoutes(ctx);
      const desired = await desiredCaddyRoutes(ctx, new Map([[project, release]]), 'applied');
      const applied = readAppliedRoutes(ctx.paths);
      // What this project's routes were: what the proxy serves (it may have lost them), as last applied.
      before = routesOfProject(applied, project).filter((r) => live.some((l) => l.id === r.id));
      // One PATCH per route is enough only when everything else is already as it should be.
      const patchable =
        sameRoutes(live.filter((r) => !ids.has(r.id)), desired.filter((r) => !ids.has(r.id))) &&
        mine.every((r) => {
          const l = live.find((x) => x.id === r.id);
          const last = applied.find((a) => a.id === r.id);
          // A PATCH moves the upstream only: TLS and retries must already be as wanted.
          return l && [...l.domains].sort().join(' ') === r.domains.join(' ') && last?.tls === r.tls && (last.retryMs ?? 0) === (r.retryMs ?? 0);
        });
      if (patchable) {
        for (const r of mine) await switchUpstream(ctx, r.id, r.upstream);
      } else {
        how = 'load';
        await applyProxyConfig(ctx, desired);
        // Read back, as a PATCH is (switchUpstream).
        if (!sameRoutes(await readProxyRoutes(ctx), desired)) throw new OtterError('environment', "the proxy's routes read back differ from the config just loaded");
      }
    });
    const unprobed: string[] = [];
    for (const r of mine) {
      const result = await confirmRoute({ httpsPort: options.httpsPort, domain: r.domains[0]!, upstream: r.upstream, timeoutMs: CONFIRM_TIMEOUT_MS, signal });
      if (result === 'no-certificate') unprobed.push(r.domains[0]!);
    }
    return { how, ms: Date.now() - started, unprobed, revert };
  } catch (err) {
    const e = toOtterError(err);
    if (before === null) throw e;
    try {
      await revert();
    } catch (undo) {
      throw new OtterError(e.kind, `${e.message}; putting the proxy's routes back failed too: ${toOtterError(undo).message}`);
    }
    throw new OtterError(e.kind === 'interrupted' ? 'interrupted' : 'deploy_failed', `${e.message}; the proxy's routes are back as they were`);
  }
}

/**
 * Puts the project's routes back to `before` (those that existed then; the others go): one PATCH
 * per route when each is there with its old domains, else the whole config, other projects' routes
 * as they are now.
 */
async function restoreRoutes(ctx: ServiceContext, project: string, ids: ReadonlySet<string>, before: readonly CaddyRoute[]): Promise<void> {
  await withProxyLock(ctx, `revert ${project}`, async () => {
    const live = await readProxyRoutes(ctx);
    const sameDomains = (r: CaddyRoute) => live.some((l) => l.id === r.id && [...l.domains].sort().join(' ') === [...r.domains].sort().join(' '));
    if (before.length === ids.size && before.every((r) => ids.has(r.id) && sameDomains(r)) && routesOfProject(live, project).every((l) => ids.has(l.id))) {
      for (const r of before) await switchUpstream(ctx, r.id, r.upstream);
      return;
    }
    const applied = readAppliedRoutes(ctx.paths);
    const others = applied.filter((r) => !ids.has(r.id) && !routesOfProject(applied, project).includes(r));
    await applyProxyConfig(ctx, [...others, ...before].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
  });
}
