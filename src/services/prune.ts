import fs from 'node:fs';
import path from 'node:path';
import type { Project } from '../db/schema.js';
import type { ServiceContext } from './context.js';
import { Progress, type ProgressListener } from './events.js';
import { lockProject } from './locking.js';
import { requireProject } from './projects.js';
import { parseComposeProjectName, releaseKey, removeRelease, unusedReleaseNetworks } from './release.js';
import { OtterError } from './errors.js';
import { withOperationLog } from './oplog.js';
import { releaseOfWorktreeEntry } from './paths.js';
import { builtImageUsage, recordedImages, removeBuiltImages } from './image-build.js';
import { parseShape } from './release-shape.js';

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

/**
 * Which images prune removes with the releases it removes: `built` (always) those the build stage
 * made for them; `pulled` also the registry images only they used (pulled again when needed).
 */
export type PruneImages = 'built' | 'pulled';

export function validatePruneImages(value: string): PruneImages {
  if (value === 'built' || value === 'pulled') return value;
  throw new OtterError('usage', `invalid --images ${JSON.stringify(value)}: use built (the default) or pulled`);
}

export async function prune(ctx: ServiceContext, name: string, keep: number | undefined, onProgress?: ProgressListener, images: PruneImages = 'built'): Promise<PruneResult> {
  validatePruneImages(images);
  const project = await requireProject(ctx, name);
  if (keep !== undefined && (!Number.isInteger(keep) || keep < 1)) throw new OtterError('usage', `invalid --keep ${keep}: keep at least 1 release (the active one)`);
  const lock = lockProject(ctx, project.name, 'prune');
  const listeners = onProgress ? [onProgress] : [];
  try {
    return await withOperationLog(ctx.store, ctx.paths.logsDir, { projectId: project.id, projectName: project.name, operation: 'prune', invokedBy: ctx.invokedBy }, listeners, () =>
      pruneLocked(ctx, project, keep ?? project.worktree_retention ?? ctx.settings.get('worktreeRetention'), new Progress(listeners), images),
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
  /** With --images pulled: registry images only releases that go use (never a local-only one). */
  pulledImages: string[];
  /** What removing them would free now, at least (layers they share with each other come free too). */
  imageBytes: number;
  /** History rows past the retention limit, and operation logs past their age. */
  historyRows: number[];
  logs: { id: number; log_path: string }[];
}

/** What `prune` with `keep` would do now, changing nothing (the TUI shows it before asking). */
export async function previewPrune(ctx: ServiceContext, name: string, keep: number | undefined, images: PruneImages = 'built'): Promise<PrunePlan> {
  validatePruneImages(images);
  const project = await requireProject(ctx, name);
  if (keep !== undefined && (!Number.isInteger(keep) || keep < 1)) throw new OtterError('usage', `invalid --keep ${keep}: keep at least 1 release (the active one)`);
  return planPrune(ctx, project, keep ?? project.worktree_retention ?? ctx.settings.get('worktreeRetention'), images);
}

/**
 * Retention: keeps the active release plus the newest successful ones up to `keep` (containers
 * stopped, worktrees kept, for rollback); other releases' containers, networks and worktrees go.
 * Never volumes or persistent paths. Also history rows past the limit and old operation logs.
 */
async function planPrune(ctx: ServiceContext, project: Project, keep: number, images: PruneImages = 'built'): Promise<PrunePlan> {
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
  const plan: PrunePlan = { keptReleases: [...kept], releases: [], networks: [], worktrees: [], files: [], images: [], pulledImages: [], imageBytes: 0, historyRows: [], logs: [] };
  // Images built for releases not kept (failed ones included); a tag a kept release records stays.
  const keptImages = recordedImages(rows.filter((r) => kept.has(r.compose_project)));
  const going = [...recordedImages(rows.filter((r) => !kept.has(r.compose_project) && r.status !== 'deploying'))].filter((tag) => !keptImages.has(tag));

  const containers = await ctx.ownContainers();
  for (const cp of new Set(containers.map((c) => c.composeProject))) {
    const parsed = parseComposeProjectName(cp);
    if (parsed?.project === project.name && !kept.has(cp)) plan.releases.push(cp);
  }
  const pulled = images === 'pulled' ? pulledImagesOnlyFor(ctx, project, containers, new Set(plan.releases), kept, recordedImages(rows)) : [];

  const usage = going.length + pulled.length > 0 ? await ctx.engine.imageUsage() : new Map();
  for (const tag of going) {
    const image = await builtImageUsage(ctx, usage, tag);
    if (!image) continue;
    plan.images.push(tag);
    plan.imageBytes += image.uniqueBytes;
  }
  for (const ref of pulled) {
    const image = usage.get(ref);
    // Only an image with a registry digest can be pulled again: one made here (docker import) stays.
    if (!image || !((await ctx.engine.imageInfo(ref))?.repoDigests.length)) continue;
    plan.pulledImages.push(ref);
    plan.imageBytes += image.uniqueBytes;
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
export async function pruneLocked(ctx: ServiceContext, project: Project, keep: number, progress: Progress, images: PruneImages = 'built'): Promise<PruneResult> {
  const plan = await planPrune(ctx, project, keep, images);
  const out: PruneResult = { project: project.name, keptReleases: plan.keptReleases, removedReleases: [], removedWorktrees: [], removedImages: [], reclaimedBytes: 0, deletedHistoryRows: 0, deletedLogs: 0 };
  for (const cp of plan.releases) {
    progress.stage('prune', `removing release ${cp}`);
    await removeRelease(ctx, cp);
    out.removedReleases.push(cp);
  }
  if (project.target === 'swarm' && plan.images.length > 0) {
    const { releaseStoppedTasks } = await import('./swarm/swarm-prune.js');
    await releaseStoppedTasks(ctx, project.name, plan.images, progress);
  }
  const removed = await removeBuiltImages(ctx, [...plan.images, ...plan.pulledImages], progress, 'prune');
  out.removedImages = removed.tags;
  out.reclaimedBytes = removed.bytes;
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

/**
 * Images the releases that go run and nothing else here does: no container outside them (of any
 * project: our instance's containers are all listed, and the engine refuses to remove an image any
 * other container uses), no kept release's recorded shape, no tag the build stage made.
 */
function pulledImagesOnlyFor(ctx: ServiceContext, project: Project, containers: { composeProject: string; image: string }[], going: Set<string>, kept: Set<string>, built: Set<string>): string[] {
  const usedElsewhere = new Set(containers.filter((c) => !going.has(c.composeProject)).map((c) => c.image));
  for (const cp of kept) {
    const file = ctx.paths.releaseShape(project.name, releaseKey(cp));
    const shape = fs.existsSync(file) ? parseShape(fs.readFileSync(file, 'utf8')) : null;
    for (const svc of Object.values(shape?.services ?? {})) usedElsewhere.add(svc.image);
  }
  const out = new Set<string>();
  for (const c of containers) {
    // A bare id (the tag moved on since) names no image to pull again: left.
    if (going.has(c.composeProject) && !usedElsewhere.has(c.image) && !built.has(c.image) && !/^(sha256:)?[0-9a-f]{12,64}$/.test(c.image)) out.add(c.image);
  }
  return [...out].sort();
}
