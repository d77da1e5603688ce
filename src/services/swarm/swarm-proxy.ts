/**
 * DESIGN (docs/swarm.md "Zero downtime"): a swarm project with domains is routed by the OtterStack proxy
 * on this manager. The proxy joins the stack's attachable overlay network of each routed service and
 * its routes name the stack's service (`otterstack-<project>_<service>:<port>`): every release
 * answers at that one name, and the swarm's start-first update swaps the tasks behind it. So the
 * route is switched once (the first swarm release) and confirmed by a request on every deploy;
 * Caddy retries a failed dial for a few seconds (caddyRoute's retryMs), because during an update
 * the name can still give the address of a task being shut down.
 */
import fs from 'node:fs';
import type { Project } from '../../db/schema.js';
import type { ServiceContext } from '../context.js';
import { OtterError } from '../errors.js';
import type { Progress } from '../events.js';
import { projectRoutes, type ProxyRoute } from '../proxy-routes.js';
import { releaseKey } from '../release.js';
import { proxyNames } from '../proxy/proxy-names.js';
import { firstStackNetwork } from './stack-render.js';
import { stackName } from './swarm-state.js';

type Mapping = Record<string, unknown>;

/** Each routed service's network the proxy joins; refused when the stack has no such service. */
export function routedNetworks(stack: string, doc: Mapping, routes: readonly ProxyRoute[]): string[] {
  const services = (doc.services ?? {}) as Record<string, Mapping>;
  const names = new Set<string>();
  for (const r of routes) {
    const svc = services[r.service];
    if (!svc) throw new OtterError('usage', `route ${r.domains[0]} → ${r.service}:${r.port}: the stack has no service ${r.service} (its services: ${Object.keys(services).join(', ')}); otterstack project set ${r.project} --route SERVICE:PORT`);
    names.add(firstStackNetwork(stack, doc, svc).name);
  }
  return [...names];
}

/**
 * Joins the proxy to the routed services' networks (once: a stack's networks outlive its releases),
 * then points the routes at the stack's services and confirms each with a request through the
 * proxy. A failed switch has put the routes back before it throws.
 */
export async function routeStackThroughProxy(ctx: ServiceContext, project: Project, stack: string, doc: Mapping, routes: readonly ProxyRoute[], cp: string, progress: Progress, signal?: AbortSignal): Promise<void> {
  await joinNetworks(ctx, routedNetworks(stack, doc, routes), (network, proxy) => progress.stage('retire', `connecting the proxy (${proxy}) to the stack's network ${network}`));
  const { switchProjectRoutes } = await import('../proxy/proxy-switch.js');
  const result = await switchProjectRoutes(ctx, project.name, routes, { composeProject: cp, target: 'swarm' }, signal);
  for (const d of result.unprobed) progress.warning(`${d}: the proxy has no certificate for it yet, so no request could confirm the route (its config was read back); see otterstack proxy status`);
  progress.stage('retire', `the proxy routes ${routes.flatMap((r) => r.domains).join(', ')} to ${routes.map((r) => `${stack}_${r.service}:${r.port}`).join(', ')} (confirmed in ${result.ms} ms)`);
}

/** Connects the proxy container to each network it is not on yet. */
async function joinNetworks(ctx: ServiceContext, networks: readonly string[], onJoin: (network: string, proxy: string) => void = () => {}): Promise<void> {
  const proxy = proxyNames().container;
  const joined = new Set(Object.keys((await ctx.engine.containerNetworks([proxy])).values().next().value ?? {}));
  for (const network of networks) {
    if (joined.has(network)) continue;
    onJoin(network, proxy);
    await ctx.engine.connectNetwork(network, proxy, []);
  }
}

/**
 * A proxy container created anew (`proxy install` with other options) is on its own network only:
 * it joins again the networks of every swarm project it routes, from each active release's kept
 * stack file. Returns the networks it is on for them; a stack gone or a file lost is skipped
 * (the next deploy joins).
 */
export async function rejoinSwarmStacks(ctx: ServiceContext): Promise<string[]> {
  const active = await ctx.store.deployments.allActive();
  const wanted: string[] = [];
  for (const project of await ctx.store.projects.all()) {
    const d = active.get(project.id);
    if (!d || d.target !== 'swarm' || project.strategy !== 'proxy') continue;
    const file = ctx.paths.stackFile(project.name, releaseKey(d.compose_project));
    if (!fs.existsSync(file)) continue;
    try {
      const { parse } = await import('../yaml.js');
      const routes = projectRoutes(project, await ctx.store.projectDomains.forProject(project.id));
      for (const network of routedNetworks(stackName(project.name), parse(fs.readFileSync(file, 'utf8')) as Mapping, routes)) {
        if (await ctx.engine.networkExists(network)) wanted.push(network);
      }
    } catch {
      /* a route to a service the stack lost: the next deploy says so */
    }
  }
  // No proxy container (never installed, or removed): nothing to join; `proxy install` will.
  if (wanted.length === 0 || !(await ctx.engine.containerState(proxyNames().container))) return [];
  await joinNetworks(ctx, wanted);
  return wanted;
}

/**
 * Takes the proxy off the stack's networks, before `docker stack rm`: a network with the proxy
 * still on it cannot be removed, and the next stack would find it half there. Never throws.
 */
export async function detachProxyFromStack(ctx: ServiceContext, stack: string): Promise<void> {
  const proxy = proxyNames().container;
  try {
    const on = (await ctx.engine.containerNetworks([proxy])).values().next().value ?? {};
    for (const network of Object.keys(on)) if (network.startsWith(`${stack}_`)) await ctx.engine.disconnectNetwork(network, proxy);
  } catch {
    /* no proxy container: nothing joined */
  }
}
