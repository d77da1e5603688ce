/**
 * Prune for a swarm project (issue #20): a swarm keeps the stopped containers of its last tasks
 * (TaskHistoryRetentionLimit), and each holds the image it ran. Those of the images being pruned
 * are removed first, so the images can go; running tasks are never touched.
 */
import type { ServiceContext } from '../context.js';
import type { Progress } from '../events.js';
import { stackName } from './swarm-state.js';

export async function releaseStoppedTasks(ctx: ServiceContext, project: string, images: string[], progress: Progress): Promise<void> {
  const going = new Set(images);
  // Task containers name their image as tag@digest.
  const stale = (await ctx.swarm.stoppedTaskContainers(stackName(project))).filter((c) => going.has(c.image.split('@')[0]!));
  if (stale.length === 0) return;
  progress.stage('prune', `removing ${stale.length} stopped task container(s) of ${stackName(project)} that hold the images pruned`);
  await ctx.engine.remove(stale.map((c) => c.id));
}
