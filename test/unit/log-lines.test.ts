import { describe, expect, it } from 'vitest';
import { findLine, fitLogLabel, logBoxText, logLineText, logSettingsLabel, matchingLines, shortTime, type LogDisplay } from '../../src/render/log-lines.js';
import { LogViewState } from '../../src/screens/model/log-view.js';
import { helpLines, inLogs, KEYMAP, LOG_ACTIONS } from '../../src/screens/keys.js';
import type { LogEntry } from '../../src/services/log-merge.js';

const entry = (text: string, service = 'web', time = '2026-11-29T15:36:07.123456789Z'): LogEntry => ({ time, service, text });

describe('logLineText', () => {
  it('shows the service column, and the time only when timestamps are on', () => {
    expect(logLineText(entry('GET /'), 5, false)).toBe('web   | GET /');
    expect(logLineText(entry('GET /'), 3, true)).toBe('web | 2026-11-29 15:36:07.123Z GET /');
    expect(logLineText(entry('no time', 'db', ''), 3, true)).toBe('db  | no time');
  });

  it('shortens times to milliseconds', () => {
    expect(shortTime('2026-11-29T15:36:07.1Z')).toBe('2026-11-29 15:36:07.1Z');
    expect(shortTime('2026-11-29T15:36:07Z')).toBe('2026-11-29 15:36:07Z');
  });
});

describe('findLine', () => {
  const lines = ['alpha', 'Beta one', 'gamma', 'beta two', 'delta'];

  it('finds the first line containing the text from a position on, case-insensitive, the position included', () => {
    expect(findLine(lines, 'beta', 0, 1)).toBe(1);
    expect(findLine(lines, 'BETA', 1, 1)).toBe(1);
    expect(findLine(lines, 'beta', 2, 1)).toBe(3);
  });

  it('wraps around the ends, forwards and backwards', () => {
    expect(findLine(lines, 'beta', 4, 1)).toBe(1);
    expect(findLine(lines, 'beta', 2, -1)).toBe(1);
    expect(findLine(lines, 'beta', 0, -1)).toBe(3);
    // Before the first line (N on the first match): the last line, backwards.
    expect(findLine(lines, 'beta', -1, -1)).toBe(3);
  });

  it('-1 when nothing matches, the text is empty or there are no lines', () => {
    expect(findLine(lines, 'omega', 0, 1)).toBe(-1);
    expect(findLine(lines, '', 0, 1)).toBe(-1);
    expect(findLine([], 'a', 0, 1)).toBe(-1);
  });

  it('lists every match', () => {
    expect(matchingLines(lines, 'ta')).toEqual([1, 3, 4]);
    expect(matchingLines(lines, '')).toEqual([]);
  });
});

describe('logBoxText', () => {
  it('makes container text tag-safe and inert, and shows the marked line inverse', () => {
    const text = logBoxText(['web | {bold}x{/bold}', 'web | \x1b[31mred\x07', 'web | plain'], 2);
    expect(text).toBe('web | {open}bold{close}x{open}/bold{close}\nweb | [31mred\n{inverse}web | plain{/inverse}');
    expect(logBoxText(['a', 'b'], null)).toBe('a\nb');
  });
});

describe('fitLogLabel', () => {
  it('keeps a label that fits, cuts the settings of one that does not, and makes it tag-safe', () => {
    expect(fitLogLabel('Logs — web (follow)', '[wrap on]', 40)).toBe(' Logs — web (follow) [wrap on] ');
    const cut = fitLogLabel('Logs — web (follow)', '[/x 1/2, last 500 lines, all services]', 40);
    expect(cut).toBe(' Logs — web (follow) [/x 1/2, las…');
    expect(cut.length).toBeLessThanOrEqual(40 - 5);
    expect(fitLogLabel('Logs', '[/{bold}]', 40)).toBe(' Logs [/{open}bold{close}] ');
  });
});

describe('logSettingsLabel', () => {
  const d: LogDisplay = { wrap: true, timestamps: false, window: 'last 500 lines', service: null, search: '', match: null };

  it('says every setting, and the search with its position', () => {
    expect(logSettingsLabel(d)).toBe('[last 500 lines, all services, wrap on, timestamps off]');
    expect(logSettingsLabel({ ...d, wrap: false, timestamps: true, window: 'last hour', service: 'db', search: 'err', match: { index: 1, count: 5 } })).toBe(
      '[/err 2/5, last hour, service db, wrap off, timestamps on]',
    );
    expect(logSettingsLabel({ ...d, search: 'err', match: null })).toContain('/err not found');
    expect(logSettingsLabel({ ...d, search: 'err', match: { index: -1, count: 3 } })).toContain('/err 3 matches');
  });
});

describe('LogViewState search', () => {
  // Lines 100… of a stream (100 dropped before).
  const entries = ['start', 'error one', 'ok', 'error two', 'ok', 'error three'].map((t) => entry(t));
  const first = 100;

  it('marks the first match from the position on, then n/N move from the marked line, wrapping', () => {
    const s = new LogViewState();
    s.width = 3;
    expect(s.find(entries, first, 'ERROR', 102, 1)).toBe(103);
    expect(s.display(entries, first).match).toEqual({ index: 1, count: 3 });
    expect(s.next(entries, first, 0, 1)).toBe(105);
    expect(s.next(entries, first, 0, 1)).toBe(101);
    expect(s.next(entries, first, 0, -1)).toBe(105);
  });

  it('matches what is shown: the time only with timestamps on', () => {
    const s = new LogViewState();
    expect(s.find(entries, first, '15:36', first, 1)).toBeNull();
    s.timestamps = true;
    expect(s.find(entries, first, '15:36', first, 1)).toBe(first);
  });

  it('forgets the marked line when the stream restarts', () => {
    const s = new LogViewState();
    s.find(entries, first, 'error', first, 1);
    s.restarted();
    expect(s.matchLine).toBeNull();
    expect(s.search).toBe('error');
  });
});

describe('the log keys in the one key table', () => {
  it('binds w, t, o, v and N, and gives / and n their meaning in the logs', () => {
    const byKey = new Map(KEYMAP.flatMap((k) => k.keys.map((key) => [key, k] as const)));
    expect(['w', 't', 'o', 'v', 'S-n'].map((k) => byKey.get(k)?.action)).toEqual(['wrap', 'timestamps', 'since', 'service', 'prevMatch']);
    expect(inLogs(byKey.get('/')!.action)).toBe('search');
    expect(inLogs(byKey.get('n')!.action)).toBe('nextMatch');
    expect(inLogs('deploy')).toBe('deploy');
    for (const a of [...LOG_ACTIONS].filter((a) => a !== 'search' && a !== 'nextMatch')) expect(KEYMAP.some((k) => k.action === a), a).toBe(true);
    expect(helpLines().join('\n')).toMatch(/wrap long lines[^]*timestamps on\/off[^]*since when[^]*all services or one/);
  });
});
