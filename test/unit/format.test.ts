import { describe, expect, it } from 'vitest';
import { badge, formatAge, formatDuration, renderTable, shortSha, truncate } from '../../src/render/format.js';
import { formatProgressLine } from '../../src/cli/progress-printer.js';

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [950, '950ms'],
    [12_300, '12.3s'],
    [125_000, '2m05s'],
    [7_380_000, '2h03m'],
    [3 * 86_400_000, '3d'],
    [null, '-'],
    [-5, '-'],
  ])('%s -> %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('formatAge', () => {
  const now = 1_000_000_000;
  it.each([
    [null, 'never'],
    [now - 3_000, 'just now'],
    [now - 45_000, '45s ago'],
    [now - 5 * 60_000, '5m ago'],
    [now - 3 * 3_600_000, '3h ago'],
    [now - 2 * 86_400_000, '2d ago'],
  ])('%s -> %s', (then, text) => expect(formatAge(then, now)).toBe(text));
});

describe('badges and tables', () => {
  it('uses symbols by tone, with an ASCII fallback', () => {
    expect(badge('healthy')).toBe('● healthy');
    expect(badge('unhealthy')).toBe('✗ unhealthy');
    expect(badge('not_deployed', false)).toBe('- not deployed');
    expect(badge('starting', false)).toBe('~ starting');
  });
  it('shortens SHAs and truncates with an ellipsis', () => {
    expect(shortSha('0123456789abcdef')).toBe('0123456');
    expect(shortSha(null)).toBe('-');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });
  it('aligns columns to the widest cell', () => {
    const out = renderTable(
      [
        { n: 'a', v: 1 },
        { n: 'long-name', v: 100 },
      ],
      [
        { header: 'NAME', value: (r) => r.n },
        { header: 'N', value: (r) => String(r.v), align: 'right' },
      ],
    );
    expect(out.split('\n')).toEqual(['NAME         N', 'a            1', 'long-name  100']);
  });
  it('formats progress events as one line each', () => {
    expect(formatProgressLine({ type: 'stage', stage: 'health', message: 'waiting', at: 1500 }, 0)).toBe('[  1.5s] health   waiting');
    expect(formatProgressLine({ type: 'container', service: 'web', container: 'c1', state: 'running', health: 'healthy', at: 20 }, 0)).toBe(
      '[  20ms] health   web: running, healthy (c1)',
    );
  });
});

describe('untrusted text is inert', () => {
  it('strips terminal controls (ESC, BEL, C1) but keeps newlines and tabs', async () => {
    const { inert } = await import('../../src/render/format.js');
    expect(inert('x\x1b]0;pwn\x07.yaml')).toBe('x]0;pwn.yaml');
    expect(inert('a\x9bb\x7fc\r\nd\te')).toBe('abc\nd\te');
  });

  it('tagSafe shows blessed tags literally; tables escape after padding so columns stay aligned', async () => {
    const { tagSafe } = await import('../../src/render/format.js');
    const { historyRows } = await import('../../src/render/tui-rows.js');
    const subject = '{red-bg}{bold}SECURITY REVIEWED - SAFE{/} {black-fg}{black-bg}hidden{/}';
    expect(tagSafe(subject)).toBe('{open}red-bg{close}{open}bold{close}SECURITY REVIEWED - SAFE{open}/{close} {open}black-fg{close}{open}black-bg{close}hidden{open}/{close}');
    const row = { id: 7, git_sha: 'abcdef1234', git_ref: '{bold}x', action: 'deploy', status: 'failed', started_at: 0, finished_at: 1000, error_message: 'boom {red-bg}\x1b[2J' };
    const { header, rows } = historyRows([row as never], 2000, (_t, text) => text);
    expect(rows[0]).toContain('{open}bold{close}x');
    expect(rows[0]).toContain('boom {open}red-bg{close}[2J');
    expect(rows[0]).not.toMatch(/\x1b|\{bold\}|\{red-bg\}/);
    // The ERROR column starts where its header does, escapes notwithstanding.
    expect(rows[0]!.replace(/\{open\}/g, '{').replace(/\{close\}/g, '}').indexOf('boom')).toBe(header.indexOf('ERROR'));
  });
});
