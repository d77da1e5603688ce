/**
 * DESIGN (docs/swarm.md): the health gate of a swarm release. A service has taken the release when
 * its spec carries the release's label, its update (if any) completed, and as many tasks of that
 * spec run as it wants replicas. A swarm marks a task `running` only once its health check passes,
 * so "running" here means healthy. A rollback by the swarm (update_config.failure_action), a paused
 * update, or tasks of the release failing again and again end the wait with the reason.
 * `judgeStack` is pure (unit-tested); `waitForStack` polls it.
 */
import type { SwarmService, SwarmTask } from '../commands/swarm.js';
import type { ServiceContext } from '../context.js';
import { OtterError } from '../errors.js';
import type { Progress } from '../events.js';
import { sleepUntil } from '../release.js';
import { RELEASE_LABEL } from './stack-render.js';

export interface ServiceVerdict {
  service: string;
  state: 'converged' | 'waiting' | 'failed';
  /** For progress: "1/2 running, updating". */
  detail: string;
}

export interface StackVerdict {
  state: 'converged' | 'waiting' | 'failed';
  services: ServiceVerdict[];
  /** The first failed service's reason (its task's error when there is one). */
  failure: string | null;
}

/** Tasks of the release that failed this often (and none runs) end the wait: a swarm would retry forever. */
export const FAILED_TASKS_LIMIT = 3;
const REASON_GRACE_MS = 5000;
const FAILED_STATES = new Set(['failed', 'rejected', 'orphaned']);

/**
 * `since`: when this deploy handed the stack to the swarm (ms). An update status from before it is
 * an earlier deploy's (a rollback then is not this release's failure).
 */
export function judgeStack(stack: string, expected: Record<string, string>, services: SwarmService[], tasks: SwarmTask[], since: number): StackVerdict {
  const verdicts = Object.entries(expected).map(([name, release]) => judgeService(name, services.find((s) => s.name === `${stack}_${name}`), release, tasks, since));
  const failed = verdicts.find((v) => v.state === 'failed');
  const state = failed ? 'failed' : verdicts.every((v) => v.state === 'converged') ? 'converged' : 'waiting';
  return { state, services: verdicts, failure: failed ? `${failed.service}: ${failed.detail}` : null };
}

function judgeService(name: string, svc: SwarmService | undefined, release: string, allTasks: SwarmTask[], since: number): ServiceVerdict {
  if (!svc) return { service: name, state: 'waiting', detail: 'not created yet' };
  const tasks = allTasks.filter((t) => t.service === svc.id);
  const ours = tasks.filter((t) => t.labels[RELEASE_LABEL] === release);
  // The task the swarm names ("… early termination of task <id>") says why; else a failed task's
  // own error (unhealthy, exit code); shut-down ones (a node gone) say less.
  const named = /task ([a-z0-9]{25})/.exec(svc.update?.message ?? '')?.[1];
  const lastError = ours
    .filter((t) => t.error && (FAILED_STATES.has(t.state) || t.id === named || !named))
    .sort((a, b) => Number(b.id === named) - Number(a.id === named) || Number(b.state === 'failed') - Number(a.state === 'failed') || b.timestamp.localeCompare(a.timestamp))
    .map((t) => t.error)[0];
  const why = lastError ? ` (task error: ${lastError})` : '';
  // The engine's clock is this machine's (a manager); 2 s of slack for the API round trip.
  const current = svc.update && swarmTime(svc.update.startedAt) >= since - 2000;
  const update = current ? svc.update!.state : svc.update?.state === 'updating' ? 'updating' : '';
  if (update.startsWith('rollback')) return { service: name, state: 'failed', detail: `the swarm rolled the update back: ${svc.update!.message}${why}` };
  if (update === 'paused') return { service: name, state: 'failed', detail: `the swarm paused the update: ${svc.update!.message}${why}` };
  if (svc.labels[RELEASE_LABEL] !== release) return { service: name, state: 'waiting', detail: 'update not started yet' };
  const running = ours.filter((t) => t.desired === 'running' && t.state === 'running').length;
  const wanted = svc.replicas ?? Math.max(1, ours.filter((t) => t.desired === 'running').length);
  const failures = ours.filter((t) => FAILED_STATES.has(t.state)).length;
  if (running === 0 && failures >= FAILED_TASKS_LIMIT) return { service: name, state: 'failed', detail: `${failures} tasks failed${why}` };
  const others = tasks.filter((t) => t.labels[RELEASE_LABEL] !== release && t.desired === 'running' && t.state === 'running').length;
  const detail = `${running}/${wanted} running${update === 'updating' ? ', updating' : ''}${others ? `, ${others} of the previous release still running` : ''}`;
  if (update === 'updating' || running < wanted) return { service: name, state: 'waiting', detail };
  return { service: name, state: 'converged', detail };
}

/** An engine timestamp (RFC 3339 with nanoseconds) in ms; 0 when unreadable. */
export function swarmTime(text: string): number {
  const ms = Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(ms) ? ms : 0;
}

/** Per service of a stack file, the label value its spec carries (stack-render.ts). */
export function expectedReleases(doc: Record<string, unknown>): Record<string, string> {
  const services = (doc.services ?? {}) as Record<string, { deploy?: { labels?: Record<string, string> } }>;
  return Object.fromEntries(Object.entries(services).map(([name, svc]) => [name, String(svc.deploy?.labels?.[RELEASE_LABEL] ?? '')]));
}

export interface GateOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  progress: Progress;
  pollMs?: number;
  /** When the stack was handed to the swarm (ms). */
  since: number;
}

/**
 * Waits until every service runs the spec it is expected to (its io.otterstack.release label, from
 * expectedReleases), or throws (deploy_failed) saying which and why.
 */
export async function waitForStack(ctx: ServiceContext, stack: string, expected: Record<string, string>, opts: GateOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const said = new Map<string, string>();
  let failedAt: number | undefined;
  for (;;) {
    if (opts.signal?.aborted) throw new OtterError('interrupted', 'deploy interrupted by signal');
    const [services, tasks] = await Promise.all([ctx.swarm.services(stack), ctx.swarm.tasks(stack)]);
    const verdict = judgeStack(stack, expected, services, tasks, opts.since);
    for (const v of verdict.services) {
      if (said.get(v.service) === v.detail) continue;
      said.set(v.service, v.detail);
      opts.progress.stage('health', `${v.service}: ${v.detail}`);
    }
    if (verdict.state === 'converged') return;
    // The swarm may call the update failed a moment before the task's error is recorded: a few
    // seconds more for the reason, never for the outcome.
    if (verdict.state === 'failed' && (verdict.failure!.includes('task error') || (failedAt ??= Date.now()) + REASON_GRACE_MS < Date.now())) {
      throw new OtterError('deploy_failed', `swarm service ${verdict.failure}`);
    }
    if (Date.now() >= deadline) {
      const waiting = verdict.services.filter((v) => v.state !== 'converged').map((v) => `${v.service} (${v.detail})`);
      throw new OtterError('deploy_failed', `swarm services not healthy within ${Math.round(opts.timeoutMs / 1000)}s: ${waiting.join(', ')}`);
    }
    await sleepUntil(opts.pollMs ?? 500, opts.signal);
  }
}
