import { describe, expect, it } from 'vitest';
import { mergeByTime, ReorderBuffer, splitTimestamp, timeKey, type LogEntry } from '../../src/services/log-merge.js';
import { plainLogLine } from '../../src/services/logs.js';

const at = (time: string, text: string, service = 'app'): LogEntry => ({ time, service, text });

describe('splitTimestamp', () => {
  it('splits the time docker logs --timestamps prints from the text', () => {
    expect(splitTimestamp('2026-11-29T15:36:07.123456789Z hello world')).toEqual({ time: '2026-11-29T15:36:07.123456789Z', text: 'hello world' });
    expect(splitTimestamp('2026-11-29T15:36:07Z ')).toEqual({ time: '2026-11-29T15:36:07Z', text: '' });
    expect(splitTimestamp('2026-11-29T16:36:07.5+01:00 x')).toEqual({ time: '2026-11-29T16:36:07.5+01:00', text: 'x' });
  });

  it('keeps a line without a time whole (docker\'s own messages)', () => {
    expect(splitTimestamp('Error response from daemon: No such container')).toEqual({ time: '', text: 'Error response from daemon: No such container' });
    expect(splitTimestamp('2026-11-29 not a time')).toEqual({ time: '', text: '2026-11-29 not a time' });
  });

  it('round-trips to the line docker printed (the CLI output is unchanged)', () => {
    const raw = '2026-11-29T15:36:07.000000001Z GET / 200';
    const { time, text } = splitTimestamp(raw);
    expect(plainLogLine({ time, text, service: 'web' }, 5)).toBe(`web   | ${raw}`);
    expect(plainLogLine({ time: '', text: 'no time', service: 'web' }, 3)).toBe('web | no time');
  });
});

describe('timeKey', () => {
  it('sorts like the instant although RFC3339Nano drops trailing zeros of the fraction', () => {
    // As text, ".5Z" sorts after ".123456789Z" and "07Z" after "07.1Z": the keys do not.
    const times = ['2026-11-29T15:36:07.5Z', '2026-11-29T15:36:07Z', '2026-11-29T15:36:07.123456789Z', '2026-11-29T15:36:07.12Z', '2026-11-29T15:36:08Z'];
    const sorted = [...times].sort((a, b) => (timeKey(a) < timeKey(b) ? -1 : 1));
    expect(sorted).toEqual(['2026-11-29T15:36:07Z', '2026-11-29T15:36:07.12Z', '2026-11-29T15:36:07.123456789Z', '2026-11-29T15:36:07.5Z', '2026-11-29T15:36:08Z']);
  });

  it('reads an offset as UTC', () => {
    expect(timeKey('2026-11-29T16:36:07.25+01:00')).toBe(timeKey('2026-11-29T15:36:07.25Z'));
  });

  it('puts a missing time first', () => {
    expect(timeKey('')).toBe('');
    expect(timeKey('') < timeKey('2026-11-29T15:36:07Z')).toBe(true);
  });
});

describe('mergeByTime', () => {
  it('interleaves stdout, stderr and other containers by time', () => {
    const stdout = [at('2026-11-29T10:00:00.1Z', 'out 1'), at('2026-11-29T10:00:00.3Z', 'out 3')];
    const stderr = [at('2026-11-29T10:00:00.2Z', 'err 2'), at('2026-11-29T10:00:00.4Z', 'err 4')];
    const db = [at('2026-11-29T10:00:00.25Z', 'db', 'db')];
    expect(mergeByTime([stdout, stderr, db]).map((e) => e.text)).toEqual(['out 1', 'err 2', 'db', 'out 3', 'err 4']);
  });

  it('keeps the order of lines with equal times (list order, then line order)', () => {
    const t = '2026-11-29T10:00:00Z';
    expect(mergeByTime([[at(t, 'a1'), at(t, 'a2')], [at(t, 'b1')]]).map((e) => e.text)).toEqual(['a1', 'a2', 'b1']);
  });
});

describe('ReorderBuffer', () => {
  it('holds lines for holdMs, then releases them in time order', () => {
    const buf = new ReorderBuffer(150);
    buf.push(at('2026-11-29T10:00:00.3Z', 'late stdout'), 1000);
    buf.push(at('2026-11-29T10:00:00.1Z', 'early stderr'), 1050);
    expect(buf.nextDue()).toBe(1150);
    expect(buf.take(1100)).toEqual([]);
    // The first line is due: it and the earlier-timed line that came after it, in time order.
    expect(buf.take(1150).map((e) => e.text)).toEqual(['early stderr', 'late stdout']);
    expect(buf.size).toBe(0);
    expect(buf.nextDue()).toBeNull();
  });

  it('keeps a later-timed line that is not due yet', () => {
    const buf = new ReorderBuffer(150);
    buf.push(at('2026-11-29T10:00:00.1Z', 'a'), 1000);
    buf.push(at('2026-11-29T10:00:00.2Z', 'b'), 1100);
    expect(buf.take(1150).map((e) => e.text)).toEqual(['a']);
    expect(buf.nextDue()).toBe(1250);
    expect(buf.take(0, true).map((e) => e.text)).toEqual(['b']);
  });
});
