import type { Deployment } from '../db/schema.js';
import type { RefInfo } from './commands/git.js';
import type { ServiceContext } from './context.js';
import { deploy } from './deploy.js';
import { OtterError, toOtterError } from './errors.js';
import { requireProject } from './projects.js';
import { validateRef } from './validation.js';
import { releaseChanges, type ReleaseChanges } from './plan.js';
import type { PreparedRelease } from './release.js';

/** Recent tags and branches to offer in the deploy picker, newest first. */
export async function listDeployableRefs(ctx: ServiceContext, name: string, limit = 30): Promise<RefInfo[]> {
  const project = await requireProject(ctx, name);
  return (await ctx.git.listRefs(project.repo_path)).slice(0, limit);
}

export interface DeployPreview {
  ref: string;
  sha: string;
  active: Deployment | null;
  /** Commits the target adds over the running release (newest first). */
  ahead: { sha: string; subject: string }[];
  /** Commits of the running release the target does not have (a step back). */
  behind: { sha: string; subject: string }[];
  /** What validation says of the target (privileged, host mounts…): the same lines deploy prints. */
  warnings: string[];
  /** Why the target would not deploy (invalid compose file…), or why it could not be checked. */
  problem: { willFail: boolean; message: string } | null;
  /** What changes against the active release (plan.ts); null when the target could not be rendered. */
  release: ReleaseChanges | null;
}

/** What deploying `ref` would change, shown before the operator confirms. */
export async function previewDeploy(ctx: ServiceContext, name: string, ref: string): Promise<DeployPreview> {
  validateRef(ref);
  const project = await requireProject(ctx, name);
  const sha = await ctx.git.resolveCommit(project.repo_path, ref);
  if (!sha) throw new OtterError('not_found', `unknown ref ${JSON.stringify(ref)}: give an existing tag, branch or commit`);
  const active = (await ctx.store.deployments.active(project.id)) ?? null;
  const from = active?.git_sha ?? null;
  const [ahead, behind] = await Promise.all([
    ctx.git.commitsBetween(project.repo_path, from, sha, 20),
    from ? ctx.git.commitsBetween(project.repo_path, sha, from, 20) : Promise.resolve([]),
  ]);
  const check = await validateTarget(ctx, name, sha);
  const release = check.prepared ? await releaseChanges(ctx, project, active, check.prepared.release, check.prepared.composeProject) : null;
  return { ref, sha, active, ahead, behind, warnings: check.warnings, problem: check.problem, release };
}

/** A dry run of the target (the one `validate` path): scratch worktree, compose config, risks. */
async function validateTarget(ctx: ServiceContext, project: string, sha: string): Promise<Pick<DeployPreview, 'warnings' | 'problem'> & { prepared: { release: PreparedRelease; composeProject: string } | null }> {
  const warnings: string[] = [];
  let prepared: { release: PreparedRelease; composeProject: string } | null = null;
  try {
    await deploy(ctx, { project, ref: sha, dryRun: true, onProgress: (e) => e.type === 'warning' && warnings.push(e.message), onDryRun: (release, composeProject) => (prepared = { release, composeProject }) });
    return { warnings, problem: null, prepared };
  } catch (err) {
    const e = toOtterError(err);
    return { warnings, problem: { willFail: e.kind === 'usage' || e.kind === 'not_found', message: e.message }, prepared: null };
  }
}
