import type { ContainerInfo } from './commands/engine.js';

export type ReleaseVerdict =
  | { state: 'healthy' }
  | { state: 'pending'; waitingFor: string[] }
  | { state: 'failed'; reason: string; container: ContainerInfo | null };

export interface StabilityWindow {
  /** How long a container without a healthcheck must have been seen running (ms). */
  graceMs: number;
  /** Container id -> when it was first seen running (kept by the caller across polls). */
  runningSince: Map<string, number>;
  now: number;
}

/** "Exited (0) 5 seconds ago" -> 0; null when the status carries no exit code. */
export function exitCodeOf(status: string): number | null {
  const m = /^Exited \((\d+)\)/.exec(status);
  return m ? Number(m[1]) : null;
}

/**
 * DESIGN health rule: every container `running` and, where it has a healthcheck, `healthy`;
 * without a healthcheck, running for the whole stability window (a process that dies 100 ms after
 * start is not a success); any unhealthy/exited/dead/restarting container fails at once, except a
 * one-shot (label io.otterstack.oneshot) that exited 0: it is done. Pure: unit-tested without docker.
 */
export function evaluateRelease(containers: ContainerInfo[], expectedServices: string[], stability: StabilityWindow | null = null): ReleaseVerdict {
  for (const c of containers) {
    if (isDone(c)) continue;
    if (c.health === 'unhealthy') return { state: 'failed', reason: `service ${c.service} is unhealthy`, container: c };
    if (c.state === 'exited' || c.state === 'dead') return { state: 'failed', reason: `service ${c.service} ${c.state} (${c.status})`, container: c };
    if (c.state === 'restarting') return { state: 'failed', reason: `service ${c.service} is restarting (${c.status})`, container: c };
  }
  const waitingFor: string[] = [];
  for (const service of expectedServices) {
    const mine = containers.filter((c) => c.service === service);
    if (mine.length === 0) waitingFor.push(`${service} (no container yet)`);
    else if (mine.some((c) => !isDone(c) && (c.state !== 'running' || c.health === 'starting'))) waitingFor.push(service);
    else if (stability && stability.graceMs > 0) {
      const young = mine.filter((c) => !isDone(c) && c.health === 'none' && stability.now - (stability.runningSince.get(c.id) ?? stability.now) < stability.graceMs);
      if (young.length > 0) waitingFor.push(`${service} (no healthcheck: must stay up ${Math.round(stability.graceMs / 1000)}s)`);
    }
  }
  return waitingFor.length > 0 ? { state: 'pending', waitingFor } : { state: 'healthy' };
}

/** A one-shot that finished (exit 0): done, neither down nor crashed. */
function isDone(c: ContainerInfo): boolean {
  return c.oneshot && c.state === 'exited' && exitCodeOf(c.status) === 0;
}

/**
 * 'checking': state read from SQLite, the engine not asked yet (the TUI's first paint).
 * 'down': the active release has containers but none runs (crashed, killed, stopped by hand):
 * an outage, not an idle state. 'missing': it has no containers at all (removed by hand).
 */
export type ProjectHealth = 'healthy' | 'starting' | 'unhealthy' | 'degraded' | 'down' | 'missing' | 'not_deployed' | 'checking';

/** One badge per project for status/dashboard, from the active release's containers. */
export function summarizeHealth(all: ContainerInfo[], deployed: boolean): ProjectHealth {
  if (!deployed) return 'not_deployed';
  if (all.length === 0) return 'missing';
  const containers = all.filter((c) => !isDone(c));
  if (containers.length === 0) return 'healthy';
  if (containers.some((c) => c.health === 'unhealthy' || c.state === 'restarting' || c.state === 'dead')) return 'unhealthy';
  const running = containers.filter((c) => c.state === 'running');
  if (running.length === 0) return 'down';
  if (running.length < containers.length) return 'degraded';
  if (running.some((c) => c.health === 'starting')) return 'starting';
  return 'healthy';
}
