import type { ProjectStatus } from '../../services/status.js';

/**
 * Order of the project list (UI-free; the model applies it, views only render). 'health' is the
 * default: outages first, then problems, then what is fine, then what is not deployed.
 */
export type SortMode = 'health' | 'name' | 'deployed';
export const SORT_MODES: SortMode[] = ['health', 'name', 'deployed'];

/** Lower sorts first. A project with an operation of this session running ranks as 'deploying'. */
const HEALTH_RANK: Record<string, number> = {
  down: 0,
  missing: 0,
  unhealthy: 1,
  degraded: 2,
  deploying: 3,
  starting: 3,
  checking: 4,
  healthy: 5,
  not_deployed: 6,
};

export function healthRank(health: string): number {
  return HEALTH_RANK[health] ?? 4;
}

/** A sorted copy; ties (and 'name') by project name, so the order is stable between refreshes. */
export function sortStatuses(statuses: ProjectStatus[], mode: SortMode, busy: Set<string> = new Set()): ProjectStatus[] {
  const byName = (a: ProjectStatus, b: ProjectStatus) => (a.project.name < b.project.name ? -1 : a.project.name > b.project.name ? 1 : 0);
  const rank = (s: ProjectStatus) => healthRank(busy.has(s.project.name) ? 'deploying' : s.health);
  const deployedAt = (s: ProjectStatus) => s.active?.finished_at ?? s.active?.started_at ?? 0;
  const compare: Record<SortMode, (a: ProjectStatus, b: ProjectStatus) => number> = {
    health: (a, b) => rank(a) - rank(b) || byName(a, b),
    name: byName,
    // Most recent deploy first; never deployed last.
    deployed: (a, b) => deployedAt(b) - deployedAt(a) || byName(a, b),
  };
  return [...statuses].sort(compare[mode]);
}
