import { describe, expect, it } from 'vitest';
import { deploymentDetailLines, prunePlanLines, refChoices } from '../../src/render/tui-dialogs.js';
import type { Deployment } from '../../src/db/schema.js';

const sha = (c: string) => c.repeat(40);

describe('deploy picker rows', () => {
  const refs = [
    { name: 'main', kind: 'branch' as const, sha: sha('c') },
    { name: 'v3', kind: 'tag' as const, sha: sha('c') },
    { name: 'v2', kind: 'tag' as const, sha: sha('b') },
    { name: 'release-candidate-long', kind: 'tag' as const, sha: sha('a') },
  ];
  it('tags first (newest first, as git lists them), then branches; running and failed-before marked', () => {
    const history = [
      { git_sha: sha('b'), status: 'failed' },
      { git_sha: sha('a'), status: 'failed' },
      { git_sha: sha('a'), status: 'inactive' },
    ];
    const rows = refChoices(refs, { git_sha: sha('a') }, history, true).map((c) => c.label);
    expect(rows).toEqual([
      'tag    v3                     ccccccc',
      'tag    v2                     bbbbbbb  ✗ failed before',
      'tag    release-candidate-long aaaaaaa  ● running',
      'branch main                   ccccccc',
    ]);
    expect(refChoices(refs, null, history, false)[1]!.label).toMatch(/x failed before$/);
  });

  it('a ref that failed once and then deployed is not marked failed', () => {
    const rows = refChoices(refs, null, [{ git_sha: sha('b'), status: 'inactive' }, { git_sha: sha('b'), status: 'failed' }], true);
    expect(rows[1]!.label).not.toMatch(/failed/);
  });
});

describe('history detail', () => {
  it('shows every recorded field in full, the error uncut', () => {
    const error = `health check timed out: ${'web unhealthy; '.repeat(10)}`;
    const d = { id: 7, project_id: 1, git_sha: sha('d'), git_ref: 'v7', action: 'deploy', compose_project: 'otterstack-shop-ddddddd', worktree_path: '/x', status: 'failed', error_message: error, pid: null, previous_deployment_id: null, started_at: 1_000, finished_at: 61_000, config_version: 3, notes: null, invoked_by: 'alice from 10.0.0.1' } as Deployment;
    const lines = deploymentDetailLines({ ...d, configChange: 'config v3: +TOKEN' }, 120_000);
    expect(lines).toContain(`error      ${error}`);
    expect(lines).toContain('took       1m00s');
    expect(lines).toContain('by         alice from 10.0.0.1');
    expect(lines).toContain('config     v3 (config v3: +TOKEN)');
    expect(lines.some((l) => l.startsWith('notes'))).toBe(false);
  });
});

describe('prune preview', () => {
  it('names what goes and what stays; says when nothing goes', () => {
    const plan = { keptReleases: ['otterstack-a-1111111'], releases: ['otterstack-a-2222222'], networks: [], worktrees: ['/w/2222222'], files: [], images: ['otterstack/a-web:2222222'], pulledImages: ['127.0.0.1:5000/app:1'], imageBytes: 301_000, historyRows: [4, 5], logs: [] };
    const lines = prunePlanLines(plan, 1);
    expect(lines).toContain('  release otterstack-a-2222222 (its containers and network)');
    expect(lines).toContain('  worktree /w/2222222');
    expect(lines).toContain('  2 history row(s) past the retention limit');
    expect(lines).toContain('  image otterstack/a-web:2222222 (built for a release that goes)');
    expect(lines).toContain('  image 127.0.0.1:5000/app:1 (pulled; only releases that go use it)');
    expect(lines).toContain('  images free at least 301 kB');
    expect(lines.at(-1)).toMatch(/never removed/);
    expect(prunePlanLines({ ...plan, releases: [], worktrees: [], images: [], pulledImages: [], historyRows: [] }, 1).at(-1)).toBe('nothing to remove');
  });
});

describe('pane columns fit the pane (issue #15 item 12)', async () => {
  const { historyRows, containerRows } = await import('../../src/render/tui-rows.js');
  const plain = (_t: string, text: string) => text;
  const row = { id: 12, git_sha: 'abcdef1234', git_ref: 'v12', action: 'deploy', status: 'interrupted', started_at: 0, finished_at: 61_000, invoked_by: 'alice from 10.0.0.1', error_message: 'health check failed: web exited (1) after 3 retries' };

  it('History at 58 columns (a 120-column terminal): whole STATUS, ERROR in sight, less useful columns dropped', () => {
    const { header, rows } = historyRows([row as never], 120_000, plain, 58);
    expect(header).toMatch(/^ID\s+SHA\s+REF\s+ACTION\s+STATUS\s+WHEN\s+ERROR$/);
    expect(rows[0]).toContain('interrupted');
    expect(rows[0]).toMatch(/health chec…$/);
    for (const line of [header, ...rows]) expect(line.length).toBeLessThanOrEqual(58);
  });

  it('History wide enough: every column', () => {
    expect(historyRows([row as never], 120_000, plain, 200).header).toMatch(/^ID\s+SHA\s+REF\s+ACTION\s+STATUS\s+WHEN\s+TOOK\s+BY\s+ERROR$/);
  });

  it('Containers: PORTS kept and cut to the pane', () => {
    const c = { id: 'x', name: 'otterstack-a-1-web-1', service: 'web', state: 'running', health: 'healthy', status: 'Up 3 minutes (healthy)', ports: '0.0.0.0:18080->8080/tcp, 0.0.0.0:18443->8443/tcp', composeProject: 'p', image: 'i', labels: {} };
    const { header, rows } = containerRows([c as never], true, plain, 44);
    expect(header).toMatch(/PORTS$/);
    expect(header).not.toMatch(/UPTIME/);
    expect(rows[0]!.length).toBeLessThanOrEqual(44);
    expect(rows[0]).toMatch(/18080->8080/);
  });
});

describe("another process's progress, from its operation log", async () => {
  const { operationLogProgressLines } = await import('../../src/render/tui-rows.js');
  it('stages with elapsed time, compose chatter left out, tags escaped, elapsed last', () => {
    const text = [
      '2026-11-29T14:09:09.000Z deploy shop ref=v2 sha=abc pid=42 by=alice',
      '2026-11-29T14:09:09.350Z [worktree] checking out 268b9a5 into /w',
      '2026-11-29T14:09:12.000Z [output] Creating network "x_default"',
      '2026-11-29T14:09:14.680Z [hook] running pre_deploy {red-fg}',
      '',
    ].join('\n');
    expect(operationLogProgressLines(text, Date.parse('2026-11-29T14:09:19.000Z'))).toEqual([
      ' 350ms  worktree checking out 268b9a5 into /w',
      '  5.7s  hook     running pre_deploy {open}red-fg{close}',
      'elapsed 10.0s',
    ]);
  });
});
