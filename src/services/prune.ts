import fs from 'node:fs';
import path from 'node:path';
import type { Project } from '../db/schema.js';
import type { ServiceContext } from './context.js';
import { Progress, type ProgressListener } from './events.js';
import { lockProject } from './locking.js';
import { requireProject } from './projects.js';
import { parseComposeProjectName, removeRelease, unusedReleaseNetworks } from './release.js';
import { OtterError } from './errors.js';
import { withOperationLog } from './oplog.js';
import { releaseOfWorktreeEntry } from './paths.js';
import { recordedImages, removeBuiltImages } from './image-build.js';

export interface PruneResult {
  project: string;
  keptReleases: string[];
  removedReleases: string[];
  removedWorktrees: string[];
  /** Images the build stage made for the releases removed. */
  removedImages: string[];
  /** Bytes the removed images gave back (the engine's accounting). */
  reclaimedBytes: number;
  deletedHistoryRows: number;
  deletedLogs: number;
}

export async function prune(ctx: ServiceContext, name: string, keep: number | undefined, onProgress?: ProgressListener): Promise<PruneResult> {
  const project = await requireProject(ctx, name);
  if (keep !== undefined && (!Number.isInteger(keep) || keep < 1)) throw new OtterError('usage', `invalid --keep ${keep}: keep at least 1 release (the active one)`);
  const lock = lockProject(ctx, project.name, 'prune');
  const listeners = onProgress ? [onProgress] : [];
  try {
    return await withOperationLog(ctx.store, ctx.paths.logsDir, { projectId: project.id, projectName: project.name, operation: 'prune', invokedBy: ctx.invokedBy }, listeners, () =>
      pruneLocked(ctx, project, keep ?? project.worktree_retention ?? ctx.settings.get('worktreeRetention'), new Progress(listeners)),
    );
  } finally {
    lock.release();
  }
}

/** What prune would remove, and keep; read without the lock (a preview may be stale by a deploy). */
export interface PrunePlan {
  keptReleases: string[];
  /** Releases with containers on the engine that go. */
  releases: string[];
  /** Networks of releases no container uses any more. */
  networks: { id: string; composeProject: string }[];
  /** Worktree directories (full paths) that go; `files` are stray non-worktree entries. */
  worktrees: string[];
  files: string[];
  /** Image tags built for releases that go (never those of a kept release). */
  images: string[];
  /** What removing them would free now, at least (layers they share with each other come free too). */
  imageBytes: number;
  /** History rows past the retention limit, and operation logs past their age. */
  historyRows: number[];
  logs: { id: number; log_path: string }[];
}

/** What `prune` with `keep` would do now, changing nothing (the TUI shows it before asking). */
export async function previewPrune(ctx: ServiceContext, name: string, keep: number | undefined): Promise<PrunePlan> {
  const project = await requireProject(ctx, name);
  if (keep !== undefined && (!Number.isInteger(keep) || keep < 1)) throw new OtterError('usage', `invalid --keep ${keep}: keep at least 1 release (the active one)`);
  return planPrune(ctx, project, keep ?? project.worktree_retention ?? ctx.settings.get('worktreeRetention'));
}

/**
 * Retention: keeps the active release plus the newest successful ones up to `keep` (containers
 * stopped, worktrees kept, for rollback); other releases' containers, networks and worktrees go.
 * Never volumes or persistent paths. Also history rows past the limit and old operation logs.
 */
async function planPrune(ctx: ServiceContext, project: Project, keep: number): Promise<PrunePlan> {
  const rows = await ctx.store.deployments.all(project.id);
  // Kept: releases (compose projects); a commit's worktree stays while one of its releases does.
  const kept = new Set<string>();
  const active = rows.find((r) => r.status === 'active');
  if (active) kept.add(active.compose_project);
  for (const r of rows) {
    if (kept.size >= Math.max(1, keep)) break;
    if (r.status === 'inactive' || r.status === 'rolled_back') kept.add(r.compose_project);
  }
  const keptCommits = new Set(rows.filter((r) => kept.has(r.compose_project)).map((r) => r.git_sha.slice(0, 7)));
  const plan: PrunePlan = { keptReleases: [...kept], releases: [], networks: [], worktrees: [], files: [], images: [], imageBytes: 0, historyRows: [], logs: [] };
  // Images built for releases not kept (failed ones included); a tag a kept release records stays.
  const keptImages = recordedImages(rows.filter((r) => kept.has(r.compose_project)));
  const going = [...recordedImages(rows.filter((r) => !kept.has(r.compose_project) && r.status !== 'deploying'))].filter((tag) => !keptImages.has(tag));
  const usage = going.length > 0 ? await ctx.engine.imageUsage() : new Map();
  for (const tag of going) {
    const image = usage.get(tag);
    if (!image) continue;
    plan.images.push(tag);
    plan.imageBytes += image.uniqueBytes;
  }

  const onEngine = new Set((await ctx.ownContainers()).map((c) => c.composeProject));
  for (const cp of onEngine) {
    const parsed = parseComposeProjectName(cp);
    if (parsed?.project === project.name && !kept.has(cp)) plan.releases.push(cp);
  }
  // Networks left without containers (a killed compose up) go with the releases prune removes.
  plan.networks = await unusedReleaseNetworks(ctx, project.name, kept);

  const dir = ctx.paths.projectWorktrees(project.name);
  for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const of = releaseOfWorktreeEntry(entry);
    if (!of || (of.worktree ? keptCommits.has(of.sha7) : kept.has(`otterstack-${project.name}-${of.key}`))) continue;
    (of.worktree ? plan.worktrees : plan.files).push(path.join(dir, entry));
  }

  // History: the newest N rows stay, plus the newest good row of each kept release (so rollback
  // still finds it); never a running or active deployment.
  const limit = ctx.settings.get('historyRetention');
  const anchors = new Set<number>();
  const anchored = new Set<string>();
  for (const r of rows) {
    if (kept.has(r.compose_project) && !anchored.has(r.compose_project) && r.status !== 'failed' && r.status !== 'interrupted') {
      anchors.add(r.id);
      anchored.add(r.compose_project);
    }
  }
  plan.historyRows = rows.slice(limit).filter((r) => r.status !== 'deploying' && r.status !== 'active' && !anchors.has(r.id)).map((r) => r.id);
  const cutoff = Date.now() - ctx.settings.get('logRetentionDays') * 86_400_000;
  plan.logs = await ctx.store.operationLogs.olderThan(project.id, cutoff);
  return plan;
}

/** Prune with the project lock already held: plans, then removes what the plan names. */
export async function pruneLocked(ctx: ServiceContext, project: Project, keep: number, progress: Progress): Promise<PruneResult> {
  const plan = await planPrune(ctx, project, keep);
  const out: PruneResult = { project: project.name, keptReleases: plan.keptReleases, removedReleases: [], removedWorktrees: [], removedImages: [], reclaimedBytes: 0, deletedHistoryRows: 0, deletedLogs: 0 };
  for (const cp of plan.releases) {
    progress.stage('prune', `removing release ${cp}`);
    await removeRelease(ctx, cp);
    out.removedReleases.push(cp);
  }
  const images = await removeBuiltImages(ctx, plan.images, progress, 'prune');
  out.removedImages = images.tags;
  out.reclaimedBytes = images.bytes;
  // Read again: the releases just removed may have left their networks.
  for (const net of await unusedReleaseNetworks(ctx, project.name, new Set(plan.keptReleases))) {
    progress.stage('prune', `removing network of ${net.composeProject} (no container uses it)`);
    await ctx.engine.removeNetworks([net.id]).catch(() => undefined);
  }
  for (const file of plan.files) fs.rmSync(file, { force: true });
  for (const full of plan.worktrees) {
    progress.stage('prune', `removing worktree ${full}`);
    await ctx.git.removeWorktree(project.repo_path, full);
    out.removedWorktrees.push(full);
  }
  await ctx.store.deployments.deleteIds(plan.historyRows);
  out.deletedHistoryRows = plan.historyRows.length;
  for (const log of plan.logs) fs.rmSync(log.log_path, { force: true });
  await ctx.store.operationLogs.deleteIds(plan.logs.map((l) => l.id));
  out.deletedLogs = plan.logs.length;
  return out;
}
