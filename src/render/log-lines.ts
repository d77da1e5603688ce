import type { LogEntry } from '../services/log-merge.js';
import { tagSafe } from './format.js';

/** How the TUI shows container logs: the toggles of the log view (w, t, o, v, /). */
export interface LogDisplay {
  wrap: boolean;
  timestamps: boolean;
  /** Label of the --since choice ("last 500 lines", "last hour", …). */
  window: string;
  /** The one service shown, or null for all. */
  service: string | null;
  search: string;
  /** Which match is marked (-1: none is), of how many (null: the term matches no line). */
  match: { index: number; count: number } | null;
}

/** docker's RFC3339Nano time, shorter: "2026-11-29 15:36:07.123Z" (milliseconds are enough to read). */
export function shortTime(time: string): string {
  return time.replace('T', ' ').replace(/(\.\d{1,3})\d*/, '$1');
}

/** One line as the log view shows it: service column, the time when shown, the text. Plain text. */
export function logLineText(e: LogEntry, width: number, timestamps: boolean): string {
  return `${e.service.padEnd(width)} | ${timestamps && e.time ? `${shortTime(e.time)} ` : ''}${e.text}`;
}

/**
 * The index of the next line containing `term` (case-insensitive) from `from` on in direction
 * `dir` (`from` itself included), wrapping around the ends like less; -1 when none does.
 */
export function findLine(lines: readonly string[], term: string, from: number, dir: 1 | -1): number {
  const t = term.toLowerCase();
  const n = lines.length;
  if (!t || n === 0) return -1;
  const start = ((Math.trunc(from) % n) + n) % n;
  for (let k = 0; k < n; k++) {
    const i = (start + dir * k + n * 2) % n;
    if (lines[i]!.toLowerCase().includes(t)) return i;
  }
  return -1;
}

/** Indexes of all lines containing `term` (for "match 2 of 5"). */
export function matchingLines(lines: readonly string[], term: string): number[] {
  const t = term.toLowerCase();
  if (!t) return [];
  return lines.flatMap((l, i) => (l.toLowerCase().includes(t) ? [i] : []));
}

/**
 * The content of a tagged log box: every line from a container made tag-safe (and inert), the
 * marked line (the current search match) shown inverse.
 */
export function logBoxText(lines: readonly string[], marked: number | null): string {
  return lines.map((l, i) => (i === marked ? `{inverse}${tagSafe(l)}{/inverse}` : tagSafe(l))).join('\n');
}

/** The settings part of the log view's label: "[/term 2/5, last 500 lines, all services, wrap on, timestamps off]". Plain text. */
export function logSettingsLabel(d: LogDisplay): string {
  const parts = [d.window, d.service ? `service ${d.service}` : 'all services', `wrap ${d.wrap ? 'on' : 'off'}`, `timestamps ${d.timestamps ? 'on' : 'off'}`];
  // The search first: a narrow label is cut at its end (fitLogLabel), and where the match is matters most.
  if (d.search) parts.unshift(`/${d.search} ${!d.match ? 'not found' : d.match.index >= 0 ? `${d.match.index + 1}/${d.match.count}` : `${d.match.count} matches`}`);
  return `[${parts.join(', ')}]`;
}

/**
 * A log box's label that fits on its top border (`width`: the box's, corners included): blessed wraps
 * a longer one into the first row of the content. The settings part is cut first. Tag-safe.
 */
export function fitLogLabel(head: string, settings: string, width: number): string {
  // blessed puts the label 2 columns in and wraps it before the right corner.
  const room = Math.max(0, width - 5);
  let label = ` ${head} ${settings} `;
  if (label.length > room) label = ` ${head} ${settings.slice(0, Math.max(0, room - head.length - 4))}…`;
  if (label.length > room) label = `${label.slice(0, Math.max(0, room - 1))}…`;
  return tagSafe(label);
}
