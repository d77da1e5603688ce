import fs from 'node:fs';
import type { ServiceContext } from '../context.js';
import { OtterError } from '../errors.js';
import { CaddyAdmin } from './caddy-admin.js';
import { renderCaddyConfig } from './caddy-config.js';
import { PROXY_LABEL, PROXY_SPEC_LABEL, proxyNames, type ProxyNames } from './proxy-names.js';
import { resolveProxyOptions, type ProxyOptions, type ProxyOptionsInput } from './proxy-options.js';
import { proxyContainerSpec, proxyRunArgs, specHash } from './proxy-container.js';
import { ensureProxyDirs, forgetInstalledOptions, writeAcmeCaRoot, readInstalledOptions, writeAppliedRoutes, writeInstalledOptions, writeStartConfig } from './proxy-state.js';
import { applyProxyConfig } from './proxy-config.js';
import { desiredCaddyRoutes, proxyServes, withProxyLock } from './proxy-routing.js';

export interface ProxyInstallResult {
  /** created: no proxy ran; recreated: options changed (the volume kept); started: it was stopped; unchanged: nothing to do. */
  action: 'created' | 'recreated' | 'started' | 'unchanged';
  options: ProxyOptions;
  names: ProxyNames;
  routes: number;
}

/** How long a fresh proxy may take to open its admin socket. */
const ADMIN_WAIT_MS = 30_000;

/**
 * Installs the one proxy container, or makes the running one match the options: the same options
 * change nothing; others recreate the container (certificates stay in the volume). Its routes are
 * regenerated from SQLite (every proxy project's domains to its active release), so a re-install
 * serves what the projects say, whatever the proxy had lost.
 */
export async function installProxy(ctx: ServiceContext, input: ProxyOptionsInput, env: NodeJS.ProcessEnv = process.env): Promise<ProxyInstallResult> {
  const installed = readInstalledOptions(ctx.paths);
  // Every flag is checked before anything changes.
  const options = resolveProxyOptions(input, installed ?? undefined);
  return withProxyLock(ctx, 'proxy install', () => installLocked(ctx, options, env));
}

async function installLocked(ctx: ServiceContext, options: ProxyOptions, env: NodeJS.ProcessEnv): Promise<ProxyInstallResult> {
  const names = proxyNames(env);
  ensureProxyDirs(ctx.paths);
  const routes = await desiredCaddyRoutes(ctx);
  writeAcmeCaRoot(ctx.paths, options.acmeCaRoot);
  writeStartConfig(ctx.paths, renderCaddyConfig(options, routes));
  const spec = proxyContainerSpec(names, options, ctx.paths);
  const labels = await ctx.engine.containerLabels(names.container);
  const result = (action: ProxyInstallResult['action']): ProxyInstallResult => ({ action, options, names, routes: routes.length });

  if (labels && labels[PROXY_SPEC_LABEL] === specHash(spec)) {
    const state = await ctx.engine.containerState(names.container);
    let action: ProxyInstallResult['action'] = 'unchanged';
    if (!state?.running) {
      await ctx.engine.start([names.container]);
      action = 'started';
    }
    await waitForAdmin(ctx, names);
    writeInstalledOptions(ctx.paths, options);
    // A running proxy keeps the config it has: load the regenerated one when it differs.
    if (!(await proxyServes(ctx, routes))) await applyProxyConfig(ctx, routes);
    return result(action);
  }
  if (labels && labels[PROXY_LABEL] !== 'true') {
    throw new OtterError('conflict', `a container named ${names.container} exists and is not OtterStack's proxy: remove or rename it first`);
  }
  if (labels) await ctx.engine.remove([names.container]);
  await ctx.engine.ensureNetwork(names.network, { [PROXY_LABEL]: 'true' });
  await ctx.engine.ensureVolume(names.volume, { [PROXY_LABEL]: 'true' });
  await ctx.engine.runDetached(names.container, proxyRunArgs(spec));
  await waitForAdmin(ctx, names);
  // Swarm projects' routes name services on their stacks' networks, which the old container had joined.
  const { rejoinSwarmStacks } = await import('../swarm/swarm-proxy.js');
  await rejoinSwarmStacks(ctx);
  writeInstalledOptions(ctx.paths, options);
  // It started from the config written above.
  writeAppliedRoutes(ctx.paths, routes);
  return result(labels ? 'recreated' : 'created');
}

/** Until the admin API answers over the socket; fails early (with Caddy's last words) when the container stops. */
async function waitForAdmin(ctx: ServiceContext, names: ProxyNames): Promise<void> {
  const admin = new CaddyAdmin(ctx.paths.proxyAdminSocket, 2_000);
  const deadline = Date.now() + ADMIN_WAIT_MS;
  let last: unknown = null;
  for (;;) {
    try {
      const res = await admin.request('GET', '/config/');
      if (res.status === 200) return;
      last = new Error(`answered ${res.status}`);
    } catch (err) {
      last = err;
      // No point waiting for a socket we may not open.
      if (err instanceof OtterError && /permission denied/.test(err.message)) throw err;
    }
    const state = await ctx.engine.containerState(names.container);
    // Exited, or already restarted by its policy: Caddy refused its config or a mount; waiting will not help.
    if (!state || state.status === 'exited' || state.status === 'dead' || state.restartCount > 0) {
      const logs = await lastLogLine(ctx, names.container);
      throw new OtterError('environment', `the proxy container ${names.container} stopped (${state?.status ?? 'gone'}, exit ${state?.exitCode ?? '?'})${logs ? `: ${logs}` : ''}`);
    }
    if (Date.now() > deadline) throw new OtterError('environment', `the proxy's admin API did not answer within ${ADMIN_WAIT_MS / 1000} s: ${last instanceof Error ? last.message : String(last)} (otterstack proxy logs)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function lastLogLine(ctx: ServiceContext, container: string): Promise<string> {
  let text = '';
  await ctx.engine.containerLogs(container, { follow: false, tail: 5, onOutput: (c) => (text += c) }).catch(() => undefined);
  const lines = text.split('\n').filter((l) => l.trim());
  const line = [...lines].reverse().find((l) => /error/i.test(l)) ?? lines.at(-1) ?? '';
  try {
    // Caddy logs JSON lines: the message and its error are what matter.
    const j = JSON.parse(line) as { msg?: string; error?: string };
    return [j.msg, j.error].filter(Boolean).join(': ');
  } catch {
    return line.trim();
  }
}

export interface ProxyRemoveResult {
  removedContainer: boolean;
  removedNetwork: boolean;
  /** Only with purge: the certificates volume and the proxy's files in the data dir. */
  removedVolume: boolean;
  names: ProxyNames;
}

/**
 * Removes the proxy container and its network (left when release containers are still on it).
 * The certificates volume and the routes last applied stay unless `purge`: a re-install serves
 * the same sites with the same certificates.
 */
export async function removeProxy(ctx: ServiceContext, purge: boolean, env: NodeJS.ProcessEnv = process.env): Promise<ProxyRemoveResult> {
  const names = proxyNames(env);
  const labels = await ctx.engine.containerLabels(names.container);
  if (labels && labels[PROXY_LABEL] !== 'true') throw new OtterError('conflict', `the container ${names.container} is not OtterStack's proxy: not removing it`);
  if (labels) await ctx.engine.remove([names.container]);
  const removedNetwork = await ctx.engine.removeNetworkByName(names.network);
  let removedVolume = false;
  if (purge && (await ctx.engine.volumeExists(names.volume))) {
    removedVolume = await ctx.engine.removeVolume(names.volume);
    if (!removedVolume) throw new OtterError('environment', `could not remove the volume ${names.volume} (in use?)`);
  }
  forgetInstalledOptions(ctx.paths);
  if (purge) fs.rmSync(ctx.paths.proxyDir, { recursive: true, force: true });
  return { removedContainer: !!labels, removedNetwork, removedVolume, names };
}
