/** cleanup for a swarm project (issue #20): the swarm reconciles tasks itself; a stack removed by hand is deployed again. */
import fs from 'node:fs';
import type { Deployment } from '../../db/schema.js';
import type { CleanupAction } from '../cleanup.js';
import type { ServiceContext } from '../context.js';
import { releaseKey } from '../release.js';
import { stackName } from './swarm-state.js';

export async function redeployMissingStack(
  ctx: ServiceContext,
  project: string,
  active: Deployment,
  act: (action: CleanupAction, fn: () => Promise<unknown>) => Promise<unknown>,
): Promise<void> {
  const stack = stackName(project);
  const info = await ctx.swarm.info().catch(() => null);
  if (!info?.isManager) return;
  if ((await ctx.swarm.services(stack)).length > 0) return;
  const file = ctx.paths.stackFile(project, releaseKey(active.compose_project));
  if (!fs.existsSync(file)) return;
  await act({ kind: 'redeploy_stack', target: stack, reason: `the stack of the active release ${active.compose_project} is gone (removed by hand?): nothing serves` }, async () => {
    const { deployStackFile } = await import('./swarm-run.js');
    await deployStackFile(ctx, stack, file);
    // A network the stack deploy created again has no proxy on it yet (a project with domains).
    const { rejoinSwarmStacks } = await import('./swarm-proxy.js');
    await rejoinSwarmStacks(ctx);
  });
}
