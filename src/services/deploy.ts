import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Deployment, DeploymentAction, Project } from '../db/schema.js';
import type { ServiceContext } from './context.js';
import { OtterError, toOtterError } from './errors.js';
import { Progress, type ProgressListener } from './events.js';
import { acquireDeploySlot, lockProject } from './locking.js';
import { OperationLogger } from './oplog.js';
import { requireProject } from './projects.js';
import { checkCleanClone, fetchProject } from './remote-projects.js';
import { redact } from './redact.js';
import { composeProjectName, preflightConfig, prepareRelease, releaseKey, removeGeneratedFiles, type PreparedRelease } from './release.js';
import { evaluateRelease } from './health.js';
import { validateRef } from './validation.js';
import { ReleaseRun } from './release-run.js';
import { SwarmRun } from './swarm/swarm-run.js';
import { notify } from './notify/notifier.js';
import { pruneLocked } from './prune.js';
import { loadConfig, recordConfig, sameConfig, type LoadedConfig } from './project-env.js';
import { projectComposeInputs, projectWithInputs, recordedComposeInputs, sameComposeInputs, type ComposeInputs } from './compose-inputs.js';

export interface DeployRequest {
  project: string;
  ref: string;
  /** Health-wait bound in seconds; default from settings. */
  timeoutSeconds?: number;
  dryRun?: boolean;
  action?: DeploymentAction;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Deploy even when the managed clone has local edits. */
  force?: boolean;
  /** Emergencies: run no release hooks (recorded in history). */
  skipHooks?: boolean;
  /** Rollback: run the target's hooks too (by default a rollback runs none). */
  runHooks?: boolean;
  /** Refuse instead of replacing a shared service whose definition changed. */
  noSharedUpdate?: boolean;
  /** --pull (true) / --no-pull (false): overrides the project's pullPolicy for this deploy. */
  pull?: boolean;
  /** The build stage builds without cache (--no-cache). */
  noCache?: boolean;
  /** The build stage pulls base images anew (--pull-base). */
  pullBase?: boolean;
  /** Dry run: handed the prepared target before its scratch worktree goes (plan.ts reads it). */
  onDryRun?: (prepared: PreparedRelease, composeProject: string) => void;
}

/** What rollback hands to the shared path: the release to bring back, already chosen. */
export interface ResolvedTarget {
  sha: string;
  ref: string;
  /** The configuration version to run with (rollback: the target's); default the latest. */
  configVersion?: number | null;
  /** After success, make that configuration the project's current one again (rollback). */
  restoreConfig?: boolean;
  /** The compose inputs to run with (rollback: those the target release recorded); default the project's. */
  composeInputs?: ComposeInputs | null;
}

export type DeployOutcome = 'deployed' | 'unchanged' | 'dry_run';

export interface DeployResult {
  outcome: DeployOutcome;
  project: string;
  ref: string;
  sha: string;
  composeProject: string;
  deployment: Deployment | null;
  previous: Deployment | null;
  services: string[];
  pinnedVolumes: Record<string, string>;
  durationMs: number;
  logFile: string | null;
}

/**
 * The one deploy path for TUI, CLI and rollback: lock → fetch → resolve → worktree → validate →
 * start → wait healthy → retire previous → record. On any failure the new release is removed,
 * the previous one keeps (or goes back to) serving, and nothing half-done is left behind.
 */
export async function deploy(ctx: ServiceContext, req: DeployRequest): Promise<DeployResult> {
  const ref = validateRef(req.ref);
  // Compose detection is a process start (~1 s for v1's Python): begin it now so it overlaps with
  // lock, fetch, resolve and checkout instead of delaying validation. Its error is reported where
  // awaited. (Not for rollback: bringing back a kept release needs no compose at all.)
  ctx.compose().catch(() => undefined);
  return runLocked(ctx, req, async (project, progress) => {
    await fetchProject(ctx, project, progress);
    await checkCleanClone(ctx, project, req.force ?? false, progress);
    return { sha: await resolveTarget(ctx, project, ref, progress), ref };
  });
}

/**
 * Lock, pick the target (resolve a ref, or rollback's choice), then run the release. Shared by
 * deploy and rollback so both get the same health gate, undo and auto-prune.
 */
export async function runLocked(
  ctx: ServiceContext,
  req: Omit<DeployRequest, 'ref'>,
  pickTarget: (project: Project, progress: Progress) => Promise<ResolvedTarget | DeployResult>,
): Promise<DeployResult> {
  const started = Date.now();
  const current = await requireProject(ctx, req.project);
  // Before the lock, a fetch or any record: a swarm project deploys from a manager only. The
  // answer (its node count) goes to the swarm run, which would otherwise ask the engine again.
  const swarm = current.target === 'swarm' ? await (await import('./swarm/swarm-state.js')).requireManager(ctx, current.name) : null;
  const listeners: ProgressListener[] = req.onProgress ? [req.onProgress] : [];
  const progress = new Progress(listeners);
  const action = req.action ?? 'deploy';

  progress.stage('lock', `locking ${current.name}`);
  const lock = lockProject(ctx, current.name, action);
  let slot: { release(): void } | null = null;
  let log: OperationLogger | null = null;
  try {
    slot = await acquireDeploySlot(ctx, progress, req.signal);
    const picked = await pickTarget(current, progress);
    if ('outcome' in picked) return picked;
    // The release runs with its own compose inputs (a rollback's recorded ones), the project's settings stay.
    const project = picked.composeInputs ? projectWithInputs(current, picked.composeInputs) : current;
    const inputs = projectComposeInputs(project);
    const { sha, ref } = picked;
    const previous = (await ctx.store.deployments.active(project.id)) ?? null;
    const config = await loadConfig(ctx, project, picked.configVersion ?? null);
    const cp = await chooseComposeProject(ctx, project, sha, config, inputs);

    if (req.dryRun) return await dryRun(ctx, project, ref, sha, progress, started, config, (p) => req.onDryRun?.(p, cp));

    const sameInputs = !previous || sameComposeInputs(recordedComposeInputs(previous) ?? inputs, inputs);
    if (previous?.git_sha === sha && previous.target === project.target && sameInputs && (await sameConfig(ctx, project, previous.config_version, config.version)) && (await isHealthy(ctx, project, previous))) {
      progress.stage('done', `${ref} (${sha.slice(0, 7)}) is already the active, healthy release`);
      return result('unchanged', project, ref, sha, previous, previous, null, started, null, previous.compose_project);
    }

    log = await OperationLogger.open(ctx.store, ctx.paths.logsDir, { projectId: project.id, projectName: project.name, operation: action, invokedBy: ctx.invokedBy });
    listeners.push(log.onProgress);
    log.line(`${action} ${project.name} ref=${ref} sha=${sha} pid=${process.pid} by=${ctx.invokedBy}`);
    await preflightConfig(ctx, project, sha, config);
    if (config.version > 0) progress.stage('resolve', `with config v${config.version}`);
    if (project.target === 'compose' && previous?.target === 'swarm') await leaveSwarm(ctx, project, previous, progress);
    const run = swarm ? new SwarmRun(ctx, project, ref, sha, cp, previous, progress, req, log, config).on(swarm) : new ReleaseRun(ctx, project, ref, sha, cp, previous, progress, req, log, config);
    let deployment: Deployment;
    try {
      deployment = await run.execute();
    } catch (err) {
      const e = toOtterError(err);
      await notify(ctx, project.id, {
        event: e.kind === 'interrupted' ? `${action}_interrupted` : `${action}_failed`,
        project: project.name,
        severity: 'error',
        message: `${action} of ${ref} (${sha.slice(0, 7)}) failed: ${e.message}`,
        ref,
        sha,
      }).catch(() => undefined);
      throw e;
    }
    if (picked.restoreConfig) await restoreConfig(ctx, project, config, progress);
    await notify(ctx, project.id, { event: `${action}_succeeded`, project: project.name, severity: 'info', message: `${action} of ${ref} (${sha.slice(0, 7)}) succeeded`, ref, sha }).catch(() => undefined);
    await autoPrune(ctx, project, progress);
    return result('deployed', project, ref, sha, deployment, previous, run.prepared, started, log.file, cp);
  } catch (err) {
    const e = toOtterError(err);
    // Recording the failure must not replace it (a locked database would say only that).
    await log?.finish(e.kind === 'interrupted' ? 'interrupted' : 'failed', e.message).catch(() => undefined);
    throw e;
  } finally {
    slot?.release();
    lock.release();
  }
}

/** Retention after a successful release; a prune problem never fails the deploy that caused it. */
async function autoPrune(ctx: ServiceContext, project: Project, progress: Progress): Promise<void> {
  try {
    const res = await pruneLocked(ctx, project, project.worktree_retention ?? ctx.settings.get('worktreeRetention'), progress);
    if (res.removedReleases.length > 0) progress.stage('prune', `pruned ${res.removedReleases.join(', ')}`);
  } catch (err) {
    progress.warning(`automatic prune failed: ${toOtterError(err).message}`);
  }
}

function result(
  outcome: DeployOutcome,
  project: Project,
  ref: string,
  sha: string,
  deployment: Deployment | null,
  previous: Deployment | null,
  prepared: PreparedRelease | null,
  started: number,
  logFile: string | null,
  composeProject: string = composeProjectName(project.name, sha),
): DeployResult {
  return {
    outcome,
    project: project.name,
    ref,
    sha,
    composeProject,
    deployment,
    previous: previous && previous.id !== deployment?.id ? previous : null,
    services: prepared?.services ?? [],
    pinnedVolumes: prepared?.pinnedVolumes ?? {},
    durationMs: Date.now() - started,
    logFile,
  };
}

async function resolveTarget(ctx: ServiceContext, project: Project, ref: string, progress: Progress): Promise<string> {
  progress.stage('resolve', `resolving ${ref}`);
  if (!(await ctx.git.isRepository(project.repo_path))) {
    throw new OtterError('not_found', `repository of ${project.name} not found at ${project.repo_path}: restore it or re-add the project`);
  }
  // In a managed clone, branches are the remote's (origin/<branch>, just fetched), never the
  // clone's stale local branch; tags and SHAs resolve as they are.
  const sha =
    (project.repo_type === 'remote' ? await ctx.git.resolveCommit(project.repo_path, `refs/remotes/origin/${ref}`) : null) ??
    (await ctx.git.resolveCommit(project.repo_path, ref));
  if (!sha) {
    throw new OtterError('not_found', `unknown ref ${JSON.stringify(ref)} in ${redact(project.repo_url ?? project.repo_path)}: give an existing tag, branch or commit`);
  }
  progress.stage('resolve', `${ref} is ${sha.slice(0, 7)}`);
  return sha;
}

/**
 * Which release this is: the release of this commit with the same configuration if one was good
 * (redeploy, rollback), else the commit's plain name if free, else `-c<N>` for a config-only
 * release, which then starts next to the serving one like any new release.
 */
async function chooseComposeProject(ctx: ServiceContext, project: Project, sha: string, config: LoadedConfig, inputs: ComposeInputs): Promise<string> {
  const good = (await ctx.store.deployments.all(project.id)).filter((r) => r.git_sha === sha && ['active', 'inactive', 'rolled_back'].includes(r.status));
  // A release recorded before inputs were (null) ran with the project's: it counts as the same.
  const sameInputs = (r: Deployment) => sameComposeInputs(recordedComposeInputs(r) ?? inputs, inputs);
  for (const r of good) if (sameInputs(r) && (await sameConfig(ctx, project, r.config_version, config.version))) return r.compose_project;
  const plain = composeProjectName(project.name, sha);
  return good.some((r) => r.compose_project === plain) ? composeProjectName(project.name, sha, config.version) : plain;
}

/** Rollback brings back the configuration too: it becomes the current one (a new version saying so). */
async function restoreConfig(ctx: ServiceContext, project: Project, used: LoadedConfig, progress: Progress): Promise<void> {
  const latest = await loadConfig(ctx, project);
  const change = await recordConfig(ctx, project, latest, used.config);
  if (change.changes) progress.stage('done', `configuration of v${used.version} restored as v${change.version}: ${change.changes}`);
}

async function isHealthy(ctx: ServiceContext, project: Project, d: Deployment): Promise<boolean> {
  if (d.target === 'swarm') {
    const { stackServing } = await import('./swarm/swarm-status.js');
    return stackServing(ctx, project.name, d.compose_project);
  }
  const containers = await ctx.engine.listContainers(d.compose_project);
  const services = [...new Set(containers.map((c) => c.service))];
  return containers.length > 0 && evaluateRelease(containers, services).state === 'healthy';
}

/** Checks out the ref in a scratch worktree, validates it, and removes everything again. */
async function dryRun(ctx: ServiceContext, project: Project, ref: string, sha: string, progress: Progress, started: number, config: LoadedConfig, onPrepared?: (prepared: PreparedRelease) => void): Promise<DeployResult> {
  const scratch = path.join(ctx.paths.projectWorktrees(project.name), `.dry-run-${crypto.randomUUID().slice(0, 8)}`);
  // Its own name, so its generated files never replace those of a release of the same commit.
  const scratchCp = `${composeProjectName(project.name, sha)}-dry-run-${path.basename(scratch).slice(-8)}`;
  fs.mkdirSync(path.dirname(scratch), { recursive: true, mode: 0o750 });
  progress.stage('worktree', `checking out ${sha.slice(0, 7)} (dry run)`);
  try {
    await ctx.git.addWorktree(project.repo_path, scratch, sha);
    progress.stage('validate', 'validating compose file');
    const prepared = await prepareRelease(ctx, project, sha, scratch, `${ref} (${sha.slice(0, 7)})`, null, config, scratchCp);
    for (const n of prepared.notes) progress.stage('validate', n);
    for (const w of prepared.warnings) progress.warning(w);
    onPrepared?.(prepared);
    if (project.target === 'swarm') {
      // What the swarm would be given: the render's own refusals (a stateful service not pinned to a node) and notes.
      const { releaseStack } = await import('./swarm/release-stack.js');
      const { stackName } = await import('./swarm/swarm-state.js');
      await releaseStack(ctx, project, prepared, scratchCp, ctx.settings.get('healthTimeoutSeconds'), progress);
      progress.stage('done', `dry run: would docker stack deploy ${stackName(project.name)} (${composeProjectName(project.name, sha)}) with services ${[...prepared.services, ...(prepared.shared?.services ?? [])].join(', ')}`);
      return result('dry_run', project, ref, sha, null, null, prepared, started, null);
    }
    const beside = [
      ...(prepared.shared ? [`shared ${prepared.shared.services.join(', ')}`] : []),
      ...(Object.keys(prepared.hooks).length ? [`hooks ${Object.keys(prepared.hooks).join(', ')}`] : []),
    ];
    progress.stage('done', `dry run: would start ${composeProjectName(project.name, sha)} with services ${prepared.services.join(', ')}${beside.length ? ` (${beside.join('; ')})` : ''}`);
    return result('dry_run', project, ref, sha, null, null, prepared, started, null);
  } finally {
    removeGeneratedFiles(ctx, project.name, releaseKey(scratchCp));
    await ctx.git.removeWorktree(project.repo_path, scratch);
  }
}

/**
 * The project moved back from a swarm to compose: the stack holds the ports and the volumes' data,
 * so it is removed before the compose release starts (a short outage, said so). Its stack file is
 * kept: `project set --target swarm` and a rollback can bring it back.
 */
async function leaveSwarm(ctx: ServiceContext, project: Project, previous: Deployment, progress: Progress): Promise<void> {
  const { removeStack } = await import('./swarm/swarm-run.js');
  const { stackName } = await import('./swarm/swarm-state.js');
  progress.warning(`${project.name} moves from a swarm back to compose: removing stack ${stackName(project.name)} (${previous.compose_project}) before the release starts (a short outage this once)`);
  await removeStack(ctx, stackName(project.name));
}
