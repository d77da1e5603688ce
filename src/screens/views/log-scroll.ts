import type { Widgets } from 'blessed';
import type { LogEntry } from '../../services/logs.js';
import { logBoxText, logSettingsLabel } from '../../render/log-lines.js';
import type { LogViewState } from '../model/log-view.js';

/** The parts of blessed's scrollable box this uses: its top row and its wrapped lines. */
type ScrollBox = Widgets.BoxElement & {
  wrap: boolean;
  childBase: number;
  childOffset: number;
  iheight: number;
  itop: number;
  _label?: { rtop: number };
  _clines: { length: number; ftor: number[][]; rtof: number[] } | null;
};

/** A stream of log lines as the model holds it: the last lines, the number of the first, which stream. */
export interface LogLines {
  lines: readonly unknown[];
  /** Number of `lines[0]` in its stream (lines dropped from the front before it). */
  first: number;
  /** Identity of the stream; another one (other project, restarted containers) follows again. */
  stream: string;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * Follow or paused position of a box showing logs (less/k9s behaviour): following keeps the newest
 * line in view; scrolling up pauses, and new lines no longer move the view until `f`, `G` or End.
 * The paused position is kept by line number, so lines arriving (or dropped at the front) do not move it.
 */
export class LogScroll {
  follow = true;
  private stream: string | null = null;
  /** When paused: number of the line at the top, and how many of its wrapped rows are above the top. */
  private anchor = 0;
  private anchorRow = 0;
  private first = 0;
  private end = 0;
  private endAtPause = 0;

  constructor(private readonly box: Widgets.BoxElement) {}

  /** Lines received since following paused. */
  get newLines(): number {
    return this.follow ? 0 : Math.max(0, this.end - this.endAtPause);
  }

  /** "follow" or "paused, N new": for the box's label. */
  state(): string {
    return this.follow ? 'follow' : `paused${this.newLines ? `, ${this.newLines} new` : ''}`;
  }

  /** Shows `text` (the lines, already escaped for the box, one per line) at the followed or paused position. */
  show(log: LogLines, text: string, wrap = true): void {
    if (log.stream !== this.stream) {
      this.stream = log.stream;
      this.follow = true;
    }
    this.first = log.first;
    this.end = log.first + log.lines.length;
    const b = this.box as ScrollBox;
    if (b.wrap !== wrap) {
      // blessed re-wraps only when the content or width changed: drop its wrapped lines.
      b.wrap = wrap;
      b._clines = null;
    }
    b.setContent(text);
    if (this.follow) return this.setTop(this.maxTop());
    const index = clamp(this.anchor - log.first, 0, Math.max(0, log.lines.length - 1));
    const rows = b._clines?.ftor[index] ?? [0];
    const within = index === this.anchor - log.first ? Math.min(this.anchorRow, rows.length - 1) : 0;
    this.setTop((rows[0] ?? 0) + within);
  }

  /** Rows the box shows at once. */
  page(): number {
    const b = this.box as ScrollBox;
    return Math.max(1, (b.height as number) - b.iheight);
  }

  /** Scrolls by rows (negative: up). Scrolling up pauses following. */
  scroll(rows: number): void {
    if (rows === 0) return;
    if (this.follow && rows > 0) return;
    const b = this.box as ScrollBox;
    this.pauseAt(clamp(b.childBase + rows, 0, this.maxTop()));
  }

  /** The first line; pauses following. */
  top(): void {
    this.pauseAt(0);
  }

  /** The newest line; follows again. */
  bottom(): void {
    this.follow = true;
    this.setTop(this.maxTop());
  }

  /** Number (in its stream) of the line at the top of the box. */
  topLine(): number {
    const b = this.box as ScrollBox;
    return this.first + (b._clines?.rtof[b.childBase] ?? 0);
  }

  /** Pauses with line number `line` at the top (a search match); the next show() keeps it there. */
  reveal(line: number): void {
    if (this.follow) {
      this.follow = false;
      this.endAtPause = this.end;
    }
    this.anchor = line;
    this.anchorRow = 0;
    const b = this.box as ScrollBox;
    this.setTop(b._clines?.ftor[line - this.first]?.[0] ?? 0);
  }

  toggleFollow(): void {
    if (this.follow) this.pauseAt((this.box as ScrollBox).childBase);
    else this.bottom();
  }

  private pauseAt(row: number): void {
    const b = this.box as ScrollBox;
    if (this.follow) {
      this.follow = false;
      this.endAtPause = this.end;
    }
    const top = clamp(row, 0, this.maxTop());
    const index = b._clines?.rtof[top] ?? 0;
    this.anchor = this.first + index;
    this.anchorRow = top - (b._clines?.ftor[index]?.[0] ?? top);
    this.setTop(top);
  }

  private maxTop(): number {
    const b = this.box as ScrollBox;
    return Math.max(0, (b._clines?.length ?? 0) - this.page());
  }

  /**
   * Puts a row at the top. The label is a child that scrolls with the content: kept on the border
   * as blessed's 'scroll' handler does, without the screen render that handler adds (the caller renders).
   */
  private setTop(row: number): void {
    const b = this.box as ScrollBox;
    const top = clamp(row, 0, this.maxTop());
    b.childBase = top;
    b.childOffset = 0;
    if (b._label) b._label.rtop = top - b.itop;
  }
}

/**
 * What a log box shows for the model's lines: the tagged content (strings from containers made
 * tag-safe, the search match inverse) and, for its label, the settings (plain text: it holds the
 * typed search term and service names, see fitLogLabel).
 */
export function logContent(state: LogViewState, entries: readonly LogEntry[], first: number): { text: string; settings: string } {
  const texts = state.texts(entries);
  const marked = state.matchLine === null ? null : state.matchLine - first;
  return { text: logBoxText(texts, marked), settings: logSettingsLabel(state.display(entries, first, texts)) };
}
