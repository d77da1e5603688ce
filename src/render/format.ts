/** Pure presentation helpers shared by the CLI and the TUI; unit-tested without a terminal. */

/**
 * Text from outside (git, compose, containers, the database) made inert for a terminal: C0 controls
 * (ESC, BEL, CR, …), DEL and C1 controls removed; newlines and tabs kept.
 */
export function inert(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '');
}

/** For a blessed widget with tags on: inert, and `{`/`}` shown literally instead of read as tags. */
export function tagSafe(text: string): string {
  return inert(text).replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 7) : '-';
}

/** 950 -> "950ms", 12_300 -> "12.3s", 125_000 -> "2m05s", 7_380_000 -> "2h03m". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const totalS = Math.floor(s);
  if (totalS < 3600) return `${Math.floor(totalS / 60)}m${String(totalS % 60).padStart(2, '0')}s`;
  const totalM = Math.floor(totalS / 60);
  if (totalM < 48 * 60) return `${Math.floor(totalM / 60)}h${String(totalM % 60).padStart(2, '0')}m`;
  return `${Math.floor(totalM / 1440)}d`;
}

/** Age of a past timestamp, coarse: "just now", "5m ago", "3h ago", "2d ago". */
export function formatAge(then: number | null | undefined, now: number): string {
  if (!then) return 'never';
  const s = Math.max(0, Math.floor((now - then) / 1000));
  if (s < 10) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

export function formatTimestamp(ms: number | null | undefined): string {
  if (!ms) return '-';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export type BadgeTone = 'good' | 'warn' | 'bad' | 'idle';

const HEALTH_TONES: Record<string, BadgeTone> = {
  healthy: 'good',
  active: 'good',
  running: 'good',
  starting: 'warn',
  degraded: 'warn',
  deploying: 'warn',
  unhealthy: 'bad',
  missing: 'bad',
  down: 'bad',
  failed: 'bad',
  interrupted: 'bad',
  exited: 'bad',
  restarting: 'bad',
  stopped: 'idle',
  inactive: 'idle',
  rolled_back: 'idle',
  not_deployed: 'idle',
  none: 'idle',
};

export function toneOf(status: string): BadgeTone {
  return HEALTH_TONES[status] ?? 'idle';
}

const SYMBOLS: Record<BadgeTone, { unicode: string; ascii: string }> = {
  good: { unicode: '●', ascii: '+' },
  warn: { unicode: '◐', ascii: '~' },
  bad: { unicode: '✗', ascii: '!' },
  idle: { unicode: '○', ascii: '-' },
};

/** "● healthy" (or "+ healthy" when the terminal cannot show Unicode). */
export function badge(status: string, unicode = true): string {
  const sym = SYMBOLS[toneOf(status)];
  return `${unicode ? sym.unicode : sym.ascii} ${status.replace(/_/g, ' ')}`;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  align?: 'left' | 'right';
  /** Truncate longer values with an ellipsis. */
  max?: number;
  /** Applied after padding (e.g. colour tags that must not count towards the width). */
  decorate?: (padded: string, row: T) => string;
  /** In a table given a width: columns with the lowest `drop` go first when it does not fit (none: always kept). */
  drop?: number;
  /** In a table given a width: this column is cut to what is left, after dropping (the error, the ports). */
  fill?: boolean;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Plain-text table with a header row; columns sized to content. */
export function renderTable<T>(rows: T[], columns: Column<T>[]): string {
  return tableLines(rows, columns).join('\n');
}

/** Header line followed by one line per row, columns aligned. */
/**
 * Aligned table lines. Cells are made inert; `escapeCell` (the TUI passes tagSafe) is applied after
 * padding, so escapes never shift the columns, and before `decorate` adds our own tags.
 */
export function tableLines<T>(rows: T[], allColumns: Column<T>[], escapeCell: (text: string) => string = (t) => t, width?: number): string[] {
  let columns = allColumns;
  let cells = rows.map((r) => columns.map((c) => (c.max ? truncate(inert(c.value(r)), c.max) : inert(c.value(r)))));
  let widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  if (width !== undefined) ({ columns, cells, widths } = fitColumns(columns, cells, widths, width));
  const pad = (v: string, i: number) => (columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!));
  const header = columns.map((c, i) => pad(c.header, i)).join('  ').trimEnd();
  const body = cells.map((values, r) =>
    values
      .map((v, i) => {
        const padded = escapeCell(pad(v, i));
        const deco = columns[i]!.decorate;
        return deco ? deco(padded, rows[r]!) : padded;
      })
      .join('  ')
      .trimEnd(),
  );
  return [header, ...body];
}

/**
 * A table narrowed to `width` columns (a pane): the columns with the lowest `drop` rank go first,
 * then the `fill` column is cut to what is left, so what matters (status, error) stays in sight.
 */
function fitColumns<T>(columns: Column<T>[], cells: string[][], widths: number[], width: number): { columns: Column<T>[]; cells: string[][]; widths: number[] } {
  const total = (w: number[]) => w.reduce((a, b) => a + b, 0) + 2 * Math.max(0, w.length - 1);
  let keep = columns.map((_, i) => i);
  const droppable = keep.filter((i) => columns[i]!.drop !== undefined).sort((a, b) => columns[a]!.drop! - columns[b]!.drop!);
  const fill = columns.findIndex((c) => c.fill);
  // Drop while even the fill column at its header's width would not fit.
  const least = (i: number) => (i === fill ? Math.min(widths[i]!, Math.max(columns[i]!.header.length, 12)) : widths[i]!);
  while (droppable.length && total(keep.map(least)) > width) {
    const gone = droppable.shift()!;
    keep = keep.filter((i) => i !== gone);
  }
  const w = keep.map((i) => widths[i]!);
  const f = keep.indexOf(fill);
  if (f >= 0 && total(w) > width) w[f] = Math.max(columns[fill]!.header.length, w[f]! - (total(w) - width));
  return {
    columns: keep.map((i) => columns[i]!),
    widths: w,
    cells: cells.map((row) => keep.map((i, k) => (i === fill ? truncate(row[i]!, w[k]!) : row[i]!))),
  };
}
