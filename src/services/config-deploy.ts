import type { ServiceContext } from './context.js';
import { runLocked, type DeployRequest, type DeployResult } from './deploy.js';
import { OtterError } from './errors.js';

/**
 * `env set … --deploy`: the active release's code with the project's current configuration, through
 * the normal health-gated path. No fetch: only the configuration changes.
 */
export function redeployWithConfig(ctx: ServiceContext, req: Omit<DeployRequest, 'ref'>): Promise<DeployResult> {
  return runLocked(ctx, req, async (project) => {
    const active = await ctx.store.deployments.active(project.id);
    if (!active) throw new OtterError('not_found', `${project.name} has no active release to redeploy: deploy a ref first (otterstack deploy ${project.name} --ref REF)`);
    return { sha: active.git_sha, ref: active.git_ref ?? active.git_sha };
  });
}
