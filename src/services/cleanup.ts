import fs from 'node:fs';
import path from 'node:path';
import type { ServiceContext } from './context.js';
import { Progress, type ProgressListener } from './events.js';
import { toOtterError } from './errors.js';
import { isProcessAlive, staleLocks } from './locks.js';
import { lockProject } from './locking.js';
import { requireProject } from './projects.js';
import { parseComposeProjectName, recreateRelease, removeRelease, startRelease, stopRelease, unusedReleaseNetworks } from './release.js';
import { releaseOfWorktreeEntry } from './paths.js';

export interface CleanupAction {
  kind: 'interrupt_row' | 'interrupt_log' | 'remove_release' | 'remove_network' | 'stop_release' | 'remove_worktree' | 'remove_lock' | 'restart_active' | 'recreate_active' | 'kill_process' | 'reload_proxy' | 'redeploy_stack';
  target: string;
  reason: string;
}

export interface CleanupResult {
  dryRun: boolean;
  actions: CleanupAction[];
  /** Projects skipped because a live process holds their lock (a deploy in progress): why, each. */
  busy: string[];
}

/** Processes still running compose for a release of `project` (orphans of a killed deploy). */
function strayComposeProcesses(project: string): number[] {
  const needle = `otterstack-${project}-`;
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.some((a) => a.startsWith(needle) || a.includes(` ${needle}`) || a.includes(`'${needle}`)) && args.join(' ').includes('compose')) pids.push(Number(entry));
    } catch {
      /* process gone */
    }
  }
  return pids;
}

/**
 * `docker` CLI calls (start, stop, rm) on these containers still running. With the project lock
 * held, they are the last calls of a dead process: SIGKILL does not reach its children.
 */
function strayEngineCalls(ids: Set<string>): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (path.basename(args[0] ?? '') === 'docker' && args.some((a) => ids.has(a))) pids.push(Number(entry));
    } catch {
      /* process gone */
    }
  }
  return pids;
}

/** Waits (bounded) for processes to end on their own. */
async function waitGone(pids: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some((p) => isProcessAlive(p)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

async function killAndWait(pids: number[]): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  const deadline = Date.now() + 15_000;
  while (pids.some((p) => isProcessAlive(p)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids.filter((p) => isProcessAlive(p))) process.kill(pid, 'SIGKILL');
}

/**
 * Reconciles the database, worktrees, compose projects and locks after a crash (SIGKILL, power
 * loss): dead `deploying` rows become `interrupted`; releases and worktrees the database does not
 * keep are removed; an active release left stopped is started again; stale locks go.
 * With dryRun, only lists what it would do.
 */
export async function cleanup(ctx: ServiceContext, name: string | undefined, opts: { dryRun?: boolean; onProgress?: ProgressListener } = {}): Promise<CleanupResult> {
  const progress = new Progress(opts.onProgress ? [opts.onProgress] : []);
  const dryRun = opts.dryRun ?? false;
  const actions: CleanupAction[] = [];
  const act = async (action: CleanupAction, fn: () => Promise<unknown> | unknown) => {
    actions.push(action);
    progress.stage('cleanup', `${dryRun ? 'would ' : ''}${action.kind.replace(/_/g, ' ')} ${action.target}: ${action.reason}`);
    if (!dryRun) await fn();
  };

  // Stale locks first: a dead holder's lock must not block the reconciliation itself.
  for (const { file, holder } of staleLocks(ctx.paths.locksDir)) {
    if (name && !path.basename(file).startsWith(`${name}.lock`)) continue;
    await act({ kind: 'remove_lock', target: path.basename(file), reason: holder ? `holder PID ${holder.pid} is gone` : 'unreadable' }, () => fs.rmSync(file, { force: true }));
  }

  const projects = name ? [await requireProject(ctx, name)] : await ctx.store.projects.all();
  const known = new Set(projects.map((p) => p.name));
  let containers = await ctx.ownContainers();

  const busy: string[] = [];
  for (const project of projects) {
    let lock: ReturnType<typeof lockProject> | null = null;
    try {
      lock = dryRun ? null : lockProject(ctx, project.name, 'cleanup');
    } catch (err) {
      // One busy project (a deploy in progress) must not stop the reconciliation of all the others.
      const e = toOtterError(err);
      if (name || e.kind !== 'conflict') throw e;
      busy.push(e.message);
      progress.warning(`skipped: ${e.message}`);
      continue;
    }
    try {
      const rows = await ctx.store.deployments.all(project.id);
      for (const row of rows.filter((r) => r.status === 'deploying')) {
        if (row.pid && isProcessAlive(row.pid)) continue;
        const strays = strayComposeProcesses(project.name);
        if (strays.length) await act({ kind: 'kill_process', target: strays.join(','), reason: `compose left running by dead deployment ${row.id}` }, () => killAndWait(strays));
        await act({ kind: 'interrupt_row', target: `deployment ${row.id}`, reason: `process ${row.pid ?? '?'} is gone` }, () =>
          ctx.store.deployments.setStatus(row.id, 'interrupted', 'interrupted: the deploying process died (reconciled by cleanup)'),
        );
      }
      // With the project lock held, an operation log still `running` belongs to a process that died.
      for (const log of await ctx.store.operationLogs.running(project.id)) {
        await act({ kind: 'interrupt_log', target: `operation log ${log.id} (${log.operation})`, reason: 'its process is gone' }, () =>
          ctx.store.operationLogs.finish(log.id, 'interrupted', 'interrupted: the process died (reconciled by cleanup)'),
        );
      }
      // What was listed above may still be changing: a dead process's compose (killed above) or its
      // last `docker start`/`stop`/`rm` (let finish: the engine completes it anyway) would otherwise
      // undo this reconciliation, e.g. start a release that then holds the active one's ports.
      const ids = new Set(containers.filter((c) => parseComposeProjectName(c.composeProject)?.project === project.name).map((c) => c.id));
      const calls = dryRun ? [] : strayEngineCalls(ids);
      if (calls.length) {
        progress.stage('cleanup', `waiting for docker call(s) left running by a dead process: PID ${calls.join(', ')}`);
        await waitGone(calls, 30_000);
      }
      const dead = rows.some((r) => r.status === 'deploying' && !(r.pid && isProcessAlive(r.pid)));
      if (!dryRun && (calls.length || dead)) containers = await ctx.ownContainers();
      // Releases worth keeping: the active one and the successful older ones (rollback targets);
      // a worktree is kept while any kept release of its commit uses it.
      const good = rows.filter((r) => r.status === 'active' || r.status === 'inactive' || r.status === 'rolled_back');
      const keepRelease = new Set(good.map((r) => r.compose_project));
      const keepCommit = new Set(good.map((r) => r.git_sha.slice(0, 7)));
      const activeCp = rows.find((r) => r.status === 'active')?.compose_project;
      const releases = new Set(containers.map((c) => c.composeProject).filter((cp) => parseComposeProjectName(cp)?.project === project.name));
      for (const cp of releases) {
        if (!keepRelease.has(cp)) await act({ kind: 'remove_release', target: cp, reason: 'no successful deployment uses it' }, () => removeRelease(ctx, cp));
        else if (cp !== activeCp && containers.some((c) => c.composeProject === cp && c.state === 'running')) {
          // A kept older release must be stopped: only the active release serves.
          await act({ kind: 'stop_release', target: cp, reason: 'only the active release should run' }, () => stopRelease(ctx, cp));
        }
      }
      const dir = ctx.paths.projectWorktrees(project.name);
      for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
        const of = releaseOfWorktreeEntry(entry);
        if (of && (of.worktree ? keepCommit.has(of.sha7) : keepRelease.has(`otterstack-${project.name}-${of.key}`))) continue;
        const full = path.join(dir, entry);
        await act({ kind: 'remove_worktree', target: full, reason: 'no successful deployment uses it' }, async () => {
          if (fs.statSync(full).isDirectory()) await ctx.git.removeWorktree(project.repo_path, full);
          else fs.rmSync(full, { force: true });
        });
      }
      // A `compose up` killed after creating its network but before any container leaves the
      // network alone. Removed only when no container at all (of any installation) uses that compose
      // project: another installation's release of the same name is never touched.
      for (const net of await unusedReleaseNetworks(ctx, project.name, keepRelease)) {
        await act({ kind: 'remove_network', target: net.composeProject, reason: 'left by a compose up that died before starting a container' }, () => ctx.engine.removeNetworks([net.id]));
      }
      const active = rows.find((r) => r.status === 'active');
      if (active?.target === 'swarm') {
        // A swarm keeps its own services running; only a stack removed by hand is put back, from the active release's file.
        const { redeployMissingStack } = await import('./swarm/swarm-cleanup.js');
        await redeployMissingStack(ctx, project.name, active, act);
      } else if (active) {
        const mine = containers.filter((c) => c.composeProject === active.compose_project);
        if (mine.length === 0) {
          await act({ kind: 'recreate_active', target: active.compose_project, reason: 'the active release has no containers (removed by hand?): nothing serves' }, () => recreateRelease(ctx, project, active));
        } else if (mine.some((c) => c.state !== 'running')) {
          await act({ kind: 'restart_active', target: active.compose_project, reason: 'the active release was left stopped' }, () => startRelease(ctx, active.compose_project));
        }
      }
    } finally {
      lock?.release();
    }
  }

  if (!name) {
    // Releases of projects the database does not know at all.
    for (const cp of new Set(containers.map((c) => c.composeProject))) {
      const parsed = parseComposeProjectName(cp);
      if (parsed && !known.has(parsed.project)) await act({ kind: 'remove_release', target: cp, reason: `project ${parsed.project} is not registered` }, () => removeRelease(ctx, cp));
    }
    for (const entry of fs.existsSync(ctx.paths.worktreesDir) ? fs.readdirSync(ctx.paths.worktreesDir) : []) {
      if (!known.has(entry)) {
        const full = path.join(ctx.paths.worktreesDir, entry);
        await act({ kind: 'remove_worktree', target: full, reason: `project ${entry} is not registered` }, () => fs.rmSync(full, { recursive: true, force: true }));
      }
    }
  }
  await reconcileProxy(ctx, act, progress);
  progress.stage('done', `${actions.length ? `${dryRun ? 'would take' : 'took'} ${actions.length} action(s)` : 'nothing to clean up'}${busy.length ? `; ${busy.length} busy project(s) skipped` : ''}`);
  return { dryRun, actions, busy };
}

/**
 * The proxy's routes regenerated from SQLite (#18) when they differ from what the projects' domains
 * and active releases give: a proxy restarted without its config, a route left by a crash between
 * switch and record, a removed project's domains.
 */
async function reconcileProxy(ctx: ServiceContext, act: (action: CleanupAction, fn: () => Promise<unknown>) => Promise<void>, progress: Progress): Promise<void> {
  const { readInstalledOptions } = await import('./proxy/proxy-state.js');
  if (!readInstalledOptions(ctx.paths)) return;
  const { desiredCaddyRoutes, proxyServes, syncProxyRoutes } = await import('./proxy/proxy-routing.js');
  try {
    const routes = await desiredCaddyRoutes(ctx);
    if (await proxyServes(ctx, routes)) return;
    await act({ kind: 'reload_proxy', target: 'proxy routes', reason: `the proxy does not serve the ${routes.length} route(s) the projects' domains and active releases give` }, () => syncProxyRoutes(ctx, 'cleanup'));
  } catch (err) {
    progress.warning(`the proxy's routes were not checked: ${toOtterError(err).message}`);
  }
}
