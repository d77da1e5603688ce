import { describe, expect, it } from 'vitest';
import { badge, toneOf } from '../../src/render/format.js';
import { distinctPart, healthCounts, healthSummary, progressLines, projectRows } from '../../src/render/tui-rows.js';
import { healthRank, sortStatuses } from '../../src/screens/model/sort.js';
import type { ProjectStatus } from '../../src/services/status.js';

/** Issue #15 items 5 and 6: a down release is red, counted and sorted first; progress keeps its outcome last. */
const plain = (_t: string, text: string) => text;
const tagged = (t: string, text: string) => `<${t}>${text}</${t}>`;

const status = (name: string, health: ProjectStatus['health'], deployedAt: number | null = 1_000): ProjectStatus =>
  ({
    project: { name, repo_type: 'local', repo_path: '/srv/' + name, repo_url: null },
    active: deployedAt === null ? null : { git_ref: 'v1', git_sha: 'abcdef0123', started_at: deployedAt - 10, finished_at: deployedAt },
    health,
    containers: [],
    shared: [],
    otherReleases: [],
  }) as unknown as ProjectStatus;

describe('a down release', () => {
  it('is a red ✗ down badge, with an ASCII fallback, not the grey of "not deployed"', () => {
    expect(toneOf('down')).toBe('bad');
    expect(toneOf('not_deployed')).toBe('idle');
    expect(badge('down', true)).toBe('✗ down');
    expect(badge('down', false)).toBe('! down');
    const rows = projectRows([status('web', 'down'), status('api', 'not_deployed', null)], 61_000, true, tagged).rows;
    expect(rows[0]).toMatch(/^web\s+<bad>✗ down\s*<\/bad>/);
    expect(rows[1]).toMatch(/^api\s+<idle>○ not deployed<\/idle>/);
  });

  it('is counted in the title bar (missing counts as down; busy projects are left out)', () => {
    const all = [status('a', 'down'), status('b', 'missing'), status('c', 'unhealthy'), status('d', 'degraded'), status('e', 'healthy'), status('f', 'down')];
    expect(healthCounts(all)).toEqual({ down: 3, unhealthy: 1, degraded: 1 });
    expect(healthCounts(all, new Set(['f']))).toEqual({ down: 2, unhealthy: 1, degraded: 1 });
    expect(healthSummary(all, tagged)).toBe('<bad>3 down</bad>  <bad>1 unhealthy</bad>  <warn>1 degraded</warn>');
    expect(healthSummary([status('a', 'healthy'), status('b', 'not_deployed', null)], plain)).toBe('');
  });

  it('sorts to the top by default; ties by name; name and last-deploy orders on request', () => {
    const all = [status('alpha', 'healthy', 5_000), status('beta', 'not_deployed', null), status('gamma', 'starting', 3_000), status('omega', 'down', 1_000), status('delta', 'unhealthy', 2_000), status('zulu', 'missing', 4_000)];
    const names = (l: ProjectStatus[]) => l.map((s) => s.project.name);
    expect(names(sortStatuses(all, 'health'))).toEqual(['omega', 'zulu', 'delta', 'gamma', 'alpha', 'beta']);
    expect(names(sortStatuses(all, 'name'))).toEqual(['alpha', 'beta', 'delta', 'gamma', 'omega', 'zulu']);
    expect(names(sortStatuses(all, 'deployed'))).toEqual(['alpha', 'zulu', 'gamma', 'delta', 'omega', 'beta']);
    // A project this session is deploying ranks as 'deploying', not by its transient health.
    expect(names(sortStatuses([status('a', 'healthy'), status('b', 'down')], 'health', new Set(['b'])))).toEqual(['b', 'a']);
    expect(healthRank('deploying')).toBeGreaterThan(healthRank('down'));
    expect(names(sortStatuses([status('a', 'down'), status('b', 'down')], 'health', new Set(['a'])))).toEqual(['b', 'a']);
    // Never in place: the model's list keeps its order.
    expect(names(all)[0]).toBe('alpha');
  });
});

describe('the progress pane', () => {
  it('ends with the outcome: the whole failure, each container health, then elapsed', () => {
    const error = 'release otterstack-web-abc1234 failed: service web is unhealthy: healthcheck exit 1: wget: can\'t connect to remote host (127.0.0.1): Connection refused {red}';
    const lines = progressLines(
      [
        { type: 'stage', stage: 'start', message: 'starting', at: 1_000 },
        { type: 'container', service: 'web', container: 'c', state: 'running', health: 'unhealthy', at: 2_000 },
        { type: 'stage', stage: 'undo', message: 'removing the failed release', at: 2_500 },
      ],
      1_000,
      4_200,
      tagged,
      error,
    );
    expect(lines).toEqual([
      '   0ms  start    starting',
      '  1.5s  undo     removing the failed release',
      `<bad>failed: ${error.replace('{red}', '{open}red{close}')}</bad>`,
      '        web: <bad>running/unhealthy</bad>',
      'elapsed 3.2s',
    ]);
    // Not cut: the view's box wraps it.
    expect(lines[2]).not.toContain('…');
  });

  it('has no failure line when the operation succeeded', () => {
    expect(progressLines([], 0, 1_000, plain)).toEqual(['elapsed 1.0s']);
  });
});

describe('per-container health in the progress pane', () => {
  it('tells apart containers of the failed release and of the one brought back', () => {
    const ev = (container: string, health: 'healthy' | 'unhealthy', at: number) => ({ type: 'container' as const, service: 'web', container, state: 'running', health, at });
    const lines = progressLines(
      [ev('otterstack-shop-3d6640d-web-1', 'unhealthy', 1_000), { type: 'container', service: 'db', container: 'otterstack-shop-3d6640d-db-1', state: 'running', health: 'none', at: 1_000 }, ev('otterstack-shop-a0c6c60-web-1', 'healthy', 2_000)],
      0,
      3_000,
      plain,
      'release failed',
    );
    expect(lines).toEqual(['failed: release failed', '        web 3d6640d: running/unhealthy', '        db: running', '        web a0c6c60: running/healthy', 'elapsed 3.0s']);
  });

  it('keeps whole words of the names that differ', () => {
    expect(distinctPart('otterstack-shop-a0c6c60-web-1', ['otterstack-shop-a0c6c60-web-1', 'otterstack-shop-a1c6c60-web-1'])).toBe('a0c6c60');
    expect(distinctPart('p_web_1', ['p_web_1', 'p_web_2'])).toBe('1');
    expect(distinctPart('same', ['same', 'same'])).toBe('same');
  });
});
