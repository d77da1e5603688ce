/**
 * Ordering container log lines by the timestamp `docker logs --timestamps` prints. Pure (no
 * process, no clock of its own): unit-tested in test/unit/log-merge.test.ts.
 */

/** One container log line: docker's timestamp (RFC3339Nano, '' when the line had none), service, text. */
export interface LogEntry {
  time: string;
  service: string;
  text: string;
}

const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d) /;

/**
 * Splits a line of `docker logs --timestamps` into its timestamp and text. A line without one
 * (docker's own messages) keeps all its text and an empty time.
 */
export function splitTimestamp(line: string): { time: string; text: string } {
  const m = STAMP.exec(line);
  if (!m) return { time: '', text: line };
  return { time: line.slice(0, m[0].length - 1), text: line.slice(m[0].length) };
}

/**
 * A key that sorts like the instant: RFC3339Nano drops trailing zeros of the fraction (and may
 * carry an offset), so the text itself does not sort; this is UTC seconds plus 9 fraction digits.
 * An empty or unreadable time sorts first.
 */
export function timeKey(time: string): string {
  const m = STAMP.exec(`${time} `);
  if (!m) return '';
  const frac = (m[2] ?? '').padEnd(9, '0');
  if (m[3] === 'Z') return `${m[1]}.${frac}`;
  const utc = new Date(`${m[1]}${m[3]}`);
  return Number.isNaN(utc.getTime()) ? '' : `${utc.toISOString().slice(0, 19)}.${frac}`;
}

/**
 * Lists each already in time order (one container's stdout, its stderr, another container…)
 * merged into one in time order. Stable: equal times keep the order of the lists, then within a list.
 */
export function mergeByTime(lists: readonly LogEntry[][]): LogEntry[] {
  const all = lists.flatMap((list, li) => list.map((e, i) => ({ e, li, i, key: timeKey(e.time) })));
  all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.li - b.li || a.i - b.i));
  return all.map((x) => x.e);
}

/**
 * Followed lines from several processes (containers, stdout and stderr) arrive in any order
 * within a short while of each other. Each is held `holdMs` after it arrived; then it and every
 * held line with an earlier time come out, in time order.
 */
export class ReorderBuffer {
  private held: { e: LogEntry; key: string; at: number; seq: number }[] = [];
  private seq = 0;

  constructor(readonly holdMs: number) {}

  get size(): number {
    return this.held.length;
  }

  push(entry: LogEntry, now: number): void {
    this.held.push({ e: entry, key: timeKey(entry.time), at: now, seq: this.seq++ });
  }

  /** When the oldest held line is due (null: nothing held). */
  nextDue(): number | null {
    return this.held.length ? Math.min(...this.held.map((h) => h.at)) + this.holdMs : null;
  }

  /** The lines due at `now` (or all of them with `all`), in time order. */
  take(now: number, all = false): LogEntry[] {
    this.held.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.seq - b.seq));
    let last = -1;
    this.held.forEach((h, i) => {
      if (all || h.at + this.holdMs <= now) last = i;
    });
    return this.held.splice(0, last + 1).map((h) => h.e);
  }
}
