import type { Deployment } from '../db/schema.js';
import type { ServiceContext } from './context.js';
import { runLocked, type DeployRequest, type DeployResult } from './deploy.js';
import { OtterError } from './errors.js';
import { validateShaPrefix } from './validation.js';
import { recordedComposeInputs } from './compose-inputs.js';

export interface RollbackRequest extends Omit<DeployRequest, 'ref' | 'dryRun' | 'action'> {
  /** SHA or unique SHA prefix of an earlier release; default: the previous good release. */
  to?: string;
  /** Keep today's configuration instead of restoring the target release's. */
  currentConfig?: boolean;
}

/** Releases that were healthy once and can be brought back. */
const GOOD = new Set(['inactive', 'rolled_back', 'active']);

/**
 * Brings back an earlier good release through the same health-gated path as deploy: it reuses
 * the release's worktree and stopped containers when they still exist and recreates them when
 * pruned. The release rolled back from becomes `rolled_back`.
 */
export async function rollback(ctx: ServiceContext, req: RollbackRequest): Promise<DeployResult> {
  const to = req.to === undefined ? undefined : validateShaPrefix(req.to.toLowerCase());
  return runLocked(ctx, { ...req, action: 'rollback' }, async (project, progress) => {
    const active = (await ctx.store.deployments.active(project.id)) ?? null;
    const target = to ? await pickBySha(ctx, project.id, to) : await pickPrevious(ctx, project.id, active);
    progress.stage('resolve', `rolling back to ${target.git_ref ?? target.git_sha.slice(0, 7)} (${target.git_sha.slice(0, 7)}, deployment ${target.id})`);
    // A release is code + config: by default both come back (docs/configuration.md). It runs with the
    // compose files, profiles and env files it ran with, when recorded; the project's settings stay.
    const composeInputs = recordedComposeInputs(target);
    if (req.currentConfig || !target.config_version) return { sha: target.git_sha, ref: target.git_ref ?? target.git_sha, composeInputs };
    return { sha: target.git_sha, ref: target.git_ref ?? target.git_sha, configVersion: target.config_version, restoreConfig: true, composeInputs };
  });
}

async function pickPrevious(ctx: ServiceContext, projectId: number, active: Deployment | null): Promise<Deployment> {
  const history = await ctx.store.deployments.all(projectId);
  const target = history.find((d) => (d.status === 'inactive' || d.status === 'rolled_back') && d.git_sha !== active?.git_sha);
  if (!target) {
    throw new OtterError('not_found', `no previous release to roll back to${active ? ` (only ${active.git_sha.slice(0, 7)} was ever deployed successfully)` : ''}: deploy a ref instead`);
  }
  return target;
}

async function pickBySha(ctx: ServiceContext, projectId: number, prefix: string): Promise<Deployment> {
  const matches = (await ctx.store.deployments.bySha(projectId, prefix)).filter((d) => GOOD.has(d.status));
  const shas = new Set(matches.map((d) => d.git_sha));
  if (shas.size === 0) throw new OtterError('not_found', `no earlier good release matches ${prefix}: see 'otterstack history' for releases you can roll back to`);
  if (shas.size > 1) throw new OtterError('usage', `SHA prefix ${prefix} is ambiguous (${[...shas].map((s) => s.slice(0, 10)).join(', ')}): give more characters`);
  return matches[0]!;
}
