import { LOG_WINDOWS, type LogEntry, type LogWindow } from '../../services/logs.js';
import { findLine, logLineText, matchingLines, type LogDisplay } from '../../render/log-lines.js';

/**
 * UI-free state of the container log view (the Logs pane and the full-screen logs): the toggles,
 * the stream's window and service (changing them restarts the stream, see DashboardModel), and the
 * search. Lines are numbered in their stream (`first` is the number of the first one held).
 */
export class LogViewState {
  wrap = true;
  timestamps = false;
  window: LogWindow = LOG_WINDOWS[0]!;
  /** The one service whose containers are followed, or null for all. */
  service: string | null = null;
  /** The release's services (for the service picker) and the width of their column. */
  services: string[] = [];
  width = 0;
  search = '';
  /** Number of the marked line (the current match), or null. */
  matchLine: number | null = null;

  /** The lines as shown (service column, time when on): what search matches. */
  texts(entries: readonly LogEntry[]): string[] {
    return entries.map((e) => logLineText(e, this.width, this.timestamps));
  }

  /** Searches `term` from line number `from` on (`dir` -1: backwards, wrapping); marks and returns the line found. */
  find(entries: readonly LogEntry[], first: number, term: string, from: number, dir: 1 | -1): number | null {
    this.search = term;
    const i = findLine(this.texts(entries), term, from - first, dir);
    this.matchLine = i < 0 ? null : first + i;
    return this.matchLine;
  }

  /** The next (or previous) match after the marked line, else from `from`. */
  next(entries: readonly LogEntry[], first: number, from: number, dir: 1 | -1): number | null {
    const start = this.matchLine !== null && this.matchLine >= first ? this.matchLine + dir : from;
    return this.find(entries, first, this.search, start, dir);
  }

  /** A new stream (other project, window or service): its line numbers mean other lines. */
  restarted(): void {
    this.matchLine = null;
  }

  display(entries: readonly LogEntry[], first: number, texts = this.texts(entries)): LogDisplay {
    const all = matchingLines(texts, this.search);
    const at = this.matchLine === null ? -1 : all.indexOf(this.matchLine - first);
    return {
      wrap: this.wrap,
      timestamps: this.timestamps,
      window: this.window.label,
      service: this.service,
      search: this.search,
      match: all.length ? { index: at, count: all.length } : null,
    };
  }
}
