import type { ContainerInfo } from './commands/engine.js';

/** A container's health change worth telling someone about. Pure; unit-tested. */
export type HealthTransition = 'unhealthy' | 'exited' | 'restarting' | 'recovered';

export interface SeenState {
  state: string;
  health: ContainerInfo['health'];
}

const BAD_STATES = new Set(['exited', 'dead', 'restarting']);

export function transitionOf(prev: SeenState | undefined, now: SeenState): HealthTransition | null {
  if (!prev) return null; // first sight is the baseline, not news
  const wasBad = prev.health === 'unhealthy' || BAD_STATES.has(prev.state);
  if (now.state === 'restarting' && prev.state !== 'restarting') return 'restarting';
  if ((now.state === 'exited' || now.state === 'dead') && !BAD_STATES.has(prev.state)) return 'exited';
  if (now.health === 'unhealthy' && prev.health !== 'unhealthy' && now.state === 'running') return 'unhealthy';
  if (wasBad && now.state === 'running' && now.health !== 'unhealthy' && now.health !== 'starting') return 'recovered';
  return null;
}

/**
 * Per project+service+event: at most one notification per interval, so a flapping container
 * does not spam. Returns false when the event must be suppressed.
 */
export class RateLimiter {
  private last = new Map<string, number>();
  constructor(private readonly intervalMs: number) {}

  allow(key: string, now = Date.now()): boolean {
    const prev = this.last.get(key);
    if (prev !== undefined && now - prev < this.intervalMs) return false;
    this.last.set(key, now);
    return true;
  }
}
