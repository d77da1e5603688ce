import type { ContainerInfo } from './commands/engine.js';

export type ReleaseVerdict =
  | { state: 'healthy' }
  | { state: 'pending'; waitingFor: string[] }
  | { state: 'failed'; reason: string; container: ContainerInfo | null };

/**
 * DESIGN health rule: every container `running` and, where it has a healthcheck, `healthy`;
 * any unhealthy/exited/dead/restarting container fails at once. Pure: unit-tested without docker.
 */
export function evaluateRelease(containers: ContainerInfo[], expectedServices: string[]): ReleaseVerdict {
  for (const c of containers) {
    if (c.health === 'unhealthy') return { state: 'failed', reason: `service ${c.service} is unhealthy`, container: c };
    if (c.state === 'exited' || c.state === 'dead') return { state: 'failed', reason: `service ${c.service} ${c.state} (${c.status})`, container: c };
    if (c.state === 'restarting') return { state: 'failed', reason: `service ${c.service} is restarting (${c.status})`, container: c };
  }
  const waitingFor: string[] = [];
  for (const service of expectedServices) {
    const mine = containers.filter((c) => c.service === service);
    if (mine.length === 0) waitingFor.push(`${service} (no container yet)`);
    else if (mine.some((c) => c.state !== 'running' || c.health === 'starting')) waitingFor.push(service);
  }
  return waitingFor.length > 0 ? { state: 'pending', waitingFor } : { state: 'healthy' };
}

/** 'checking': state read from SQLite, the engine not asked yet (the TUI's first paint). */
export type ProjectHealth = 'healthy' | 'starting' | 'unhealthy' | 'degraded' | 'stopped' | 'not_deployed' | 'checking';

/** One badge per project for status/dashboard, from the active release's containers. */
export function summarizeHealth(containers: ContainerInfo[], deployed: boolean): ProjectHealth {
  if (!deployed) return 'not_deployed';
  if (containers.length === 0) return 'stopped';
  if (containers.some((c) => c.health === 'unhealthy' || c.state === 'restarting' || c.state === 'dead')) return 'unhealthy';
  const running = containers.filter((c) => c.state === 'running');
  if (running.length === 0) return 'stopped';
  if (running.length < containers.length) return 'degraded';
  if (running.some((c) => c.health === 'starting')) return 'starting';
  return 'healthy';
}
