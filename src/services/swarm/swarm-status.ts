/**
 * What a swarm project runs (issue #20): per service, replicas running of wanted, on which nodes,
 * which release, and whether an update is under way. For status, the TUI and the "already
 * deployed" check of a deploy.
 */
import type { ServiceContext } from '../context.js';
import type { ProjectHealth } from '../health.js';
import { judgeStack } from './swarm-gate.js';
import { RELEASE_LABEL } from './stack-render.js';
import { stackName } from './swarm-state.js';

export interface StackServiceStatus {
  /** The compose service name (without the stack prefix). */
  service: string;
  running: number;
  /** Replicas wanted (global services: tasks wanted). */
  wanted: number;
  /** Hostnames of the nodes its running tasks are on. */
  nodes: string[];
  release: string;
  /** updating, rollback_started, …; '' when none. */
  update: string;
  /** The newest task error, if any. */
  error: string;
}

export async function stackStatus(ctx: ServiceContext, project: string): Promise<StackServiceStatus[]> {
  const stack = stackName(project);
  const [services, tasks, nodes] = await Promise.all([ctx.swarm.services(stack), ctx.swarm.tasks(stack), ctx.swarm.nodes().catch(() => [])]);
  const hostname = new Map(nodes.map((n) => [n.id, n.hostname]));
  return services
    .map((s) => {
      const mine = tasks.filter((t) => t.service === s.id);
      const running = mine.filter((t) => t.desired === 'running' && t.state === 'running');
      const error = mine.filter((t) => t.error).sort((a, b) => b.timestamp.localeCompare(a.timestamp))[0]?.error ?? '';
      return {
        service: s.name.startsWith(`${stack}_`) ? s.name.slice(stack.length + 1) : s.name,
        running: running.length,
        wanted: s.replicas ?? mine.filter((t) => t.desired === 'running').length,
        nodes: [...new Set(running.map((t) => hostname.get(t.nodeId) ?? t.nodeId.slice(0, 12)))].sort(),
        release: s.labels[RELEASE_LABEL] ?? '',
        update: s.update?.state ?? '',
        error,
      };
    })
    .sort((a, b) => a.service.localeCompare(b.service));
}

/** One badge for the project: every service at its replicas is healthy; an update under way is starting. */
export function stackHealth(services: StackServiceStatus[]): ProjectHealth {
  if (services.length === 0) return 'missing';
  if (services.some((s) => s.update === 'updating' || s.update === 'rollback_started')) return 'starting';
  if (services.every((s) => s.running >= s.wanted)) return 'healthy';
  return services.every((s) => s.running === 0) ? 'down' : 'degraded';
}

/** How `watch` sees a swarm service (watch-rules.ts): fewer replicas than wanted is unhealthy, none running exited. */
export function swarmSeenState(s: StackServiceStatus): { state: string; health: 'healthy' | 'unhealthy'; status: string } {
  return {
    state: s.running === 0 && s.wanted > 0 ? 'exited' : 'running',
    health: s.running < s.wanted ? 'unhealthy' : 'healthy',
    status: `replicas ${s.running}/${s.wanted}${s.running < s.wanted && s.error ? `, last task error: ${s.error}` : ''}`,
  };
}

/** "replicas 3/3 on 2 nodes" */
export function describeStackService(s: StackServiceStatus): string {
  const where = s.nodes.length === 0 ? '' : ` on ${s.nodes.length} node${s.nodes.length === 1 ? '' : 's'} (${s.nodes.join(', ')})`;
  const update = s.update && s.update !== 'completed' ? `, ${s.update.replace('_', ' ')}` : '';
  const error = s.running < s.wanted && s.error ? `; last task error: ${s.error}` : '';
  return `${s.service}: replicas ${s.running}/${s.wanted}${where}${update}${error}`;
}

/** Whether the stack serves this release: every service on it, converged. */
export async function stackServing(ctx: ServiceContext, project: string, release: string): Promise<boolean> {
  const stack = stackName(project);
  const read = await Promise.all([ctx.swarm.services(stack), ctx.swarm.tasks(stack)]).catch(() => null);
  if (!read || read[0].length === 0) return false;
  const [services, tasks] = read;
  // A singleton keeps its own label (its definition), every other service the release's.
  if (!services.some((s) => s.labels[RELEASE_LABEL] === release)) return false;
  const expected = Object.fromEntries(services.map((s) => [s.name.slice(stack.length + 1), s.labels[RELEASE_LABEL] ?? '']));
  return judgeStack(stack, expected, services, tasks, Date.now()).state === 'converged';
}
