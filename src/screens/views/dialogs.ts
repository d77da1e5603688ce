import * as blessed from '../widgets.js';
import { tagSafe } from '../../render/format.js';
import type { Widgets } from 'blessed';
import type { Theme } from '../theme.js';

/** One open dialog: its frame, the element that holds the keyboard, and whether it has closed. */
interface OpenDialog {
  box: Widgets.BoxElement;
  focus: Widgets.BlessedElement | null;
  closed: boolean;
}

/** The parts of blessed's focus bookkeeping that closing a dialog has to clean up. */
interface FocusHistory {
  history: Widgets.BlessedElement[];
  _savedFocus?: Widgets.BlessedElement;
}

/**
 * Modal dialogs (lazydocker's popups, k9s' pages). Each returns a promise of the operator's answer
 * (null = cancelled with Esc) and removes itself. Dialogs form a stack: only the top one has the
 * keyboard, and closing one returns the keyboard to the one below, or to nobody (the dashboard
 * reads its keys from the screen, see app.ts). A dialog closes once: keys pressed after that
 * (the habitual second Esc) reach neither its handlers nor the dashboard.
 */
export class DialogHost {
  private readonly stack: OpenDialog[] = [];
  /** Flows of dialogs in progress (see session): between two dialogs the dashboard stays off. */
  private sessions = 0;
  private readonly queued: string[] = [];
  private stopped = false;
  /** Called after a dialog opens or closes (the TUI's debug file, see app.ts). */
  onChange: () => void = () => {};

  constructor(
    readonly screen: Widgets.Screen,
    private readonly theme: Theme,
  ) {}

  /** Dialogs open now. */
  get open(): number {
    return this.stack.length;
  }

  /** Whether the keyboard belongs to dialogs: one is open, or a flow that opens them is running. */
  get busy(): boolean {
    return this.stack.length > 0 || this.sessions > 0;
  }

  /**
   * Runs a flow of dialogs (pick, wait for the engine, confirm, …) with the dashboard's keys off
   * from the key that started it to its end, so a key typed before the next dialog appears cannot
   * act on the dashboard behind it.
   */
  async session<T>(flow: () => Promise<T>): Promise<T> {
    this.sessions++;
    try {
      return await flow();
    } finally {
      this.sessions--;
      this.flush();
    }
  }

  /**
   * An error from an operation running in the background: shown once no dialog is open, so it
   * never takes the keyboard from a dialog the operator is answering (that would cancel its input).
   */
  background(message: string): void {
    if (this.stopped) return;
    this.queued.push(message);
    this.flush();
  }

  /** The TUI is quitting: background errors (interrupted operations) are no longer shown. */
  stop(): void {
    this.stopped = true;
    this.queued.length = 0;
  }

  private flush(): void {
    if (this.stopped || this.busy || this.queued.length === 0) return;
    const message = this.queued.shift()!;
    void this.session(() => this.error(message));
  }

  private frame(title: string, height: number | string, width: number | string = '70%'): OpenDialog {
    const box = blessed.box({
      parent: this.screen,
      top: 'center',
      left: 'center',
      width,
      height,
      label: ` ${title} `,
      border: { type: 'line' },
      tags: true,
      style: { border: this.theme.focusBorder as never },
    });
    const dialog: OpenDialog = { box, focus: null, closed: false };
    this.stack.push(dialog);
    this.onChange();
    return dialog;
  }

  private focus(dialog: OpenDialog, el: Widgets.BlessedElement): void {
    dialog.focus = el;
    el.focus();
  }

  /** Closes `dialog` once; false when it was already closed (the caller then does nothing). */
  private close(dialog: OpenDialog): boolean {
    if (dialog.closed) return false;
    dialog.closed = true;
    this.stack.splice(this.stack.indexOf(dialog), 1);
    dialog.box.destroy();
    // blessed keeps sending keys to a focused element after its parent is destroyed: forget every
    // detached element, then give the keyboard to the dialog below, if any.
    const screen = this.screen as unknown as FocusHistory;
    screen.history = screen.history.filter((el) => !el.detached);
    if (screen._savedFocus?.detached) delete screen._savedFocus;
    const below = this.stack.at(-1)?.focus;
    if (below && this.screen.focused !== below) below.focus();
    this.onChange();
    this.flush();
    this.screen.render();
    return true;
  }

  /** One-line text input. */
  /** One line of input; `secret` shows `*` for each character typed (a value never reaches the screen). */
  ask(title: string, prompt: string, initial = '', opts: { secret?: boolean } = {}): Promise<string | null> {
    const dialog = this.frame(title, 7);
    const box = dialog.box;
    blessed.box({ parent: box, top: 0, left: 1, right: 1, height: 1, content: prompt, tags: true });
    const input = blessed.textbox({ parent: box, top: 2, left: 1, right: 1, height: 1, inputOnFocus: false, censor: opts.secret ?? false, style: { bg: 'black', fg: 'white' } as never });
    blessed.box({ parent: box, top: 4, left: 1, right: 1, height: 1, content: 'Enter confirm   Esc cancel', style: { fg: 'gray' } as never });
    input.setValue(initial);
    // Focused before reading: readInput would otherwise save and later restore whatever had focus.
    this.focus(dialog, input);
    this.screen.render();
    return new Promise((resolve) => {
      input.readInput((_err, value) => {
        if (this.close(dialog)) resolve(value === undefined || value === null ? null : String(value));
      });
    });
  }

  /** Pick one of `items` (plain text, shown literally; arrows/j/k + Enter); `typeLabel` adds a free-text option ("type a ref"). */
  pick(title: string, items: string[], opts: { hint?: string; typeLabel?: string } = {}): Promise<{ index: number } | { typed: string } | null> {
    const dialog = this.frame(title, Math.min(items.length + 6, 24));
    const box = dialog.box;
    const shown = items.map(tagSafe);
    const all = opts.typeLabel ? [`{bold}${opts.typeLabel}{/bold}`, ...shown] : shown;
    const list = blessed.list({ parent: box, top: 0, left: 1, right: 1, bottom: 2, tags: true, keys: true, vi: true, items: all as never, style: { selected: this.theme.selected as never } });
    blessed.box({ parent: box, bottom: 0, left: 1, right: 1, height: 1, content: opts.hint ?? 'Enter select   Esc cancel', style: { fg: 'gray' } as never });
    this.focus(dialog, list);
    this.screen.render();
    return new Promise((resolve) => {
      list.on('select', (_item: unknown, i: number) => {
        if (!this.close(dialog)) return;
        if (opts.typeLabel && i === 0) {
          void this.ask(title, 'Ref (tag, branch or SHA):').then((typed) => resolve(typed ? { typed } : null));
        } else resolve({ index: opts.typeLabel ? i - 1 : i });
      });
      list.key(['escape', 'q'], () => {
        if (this.close(dialog)) resolve(null);
      });
    });
  }

  /**
   * Shows text and waits for y/Enter (true) or n/Esc (false). `lines` are tagged text: callers pass
   * anything from outside (refs, commit subjects) through tagSafe.
   */
  confirm(title: string, lines: string[], yes = 'Enter/y confirm   Esc/n cancel'): Promise<boolean> {
    const dialog = this.frame(title, Math.min(lines.length + 5, 30));
    const box = dialog.box;
    const body = blessed.box({ parent: box, top: 0, left: 1, right: 1, bottom: 2, tags: true, scrollable: true, keys: true, content: lines.join('\n') });
    blessed.box({ parent: box, bottom: 0, left: 1, right: 1, height: 1, content: yes, style: { fg: 'gray' } as never });
    this.focus(dialog, body);
    this.screen.render();
    return new Promise((resolve) => {
      const done = (answer: boolean) => {
        if (this.close(dialog)) resolve(answer);
      };
      body.key(['enter', 'y'], () => done(true));
      body.key(['escape', 'n', 'q'], () => done(false));
    });
  }

  /** The full error message; any of Enter/Esc/q closes it. */
  error(message: string): Promise<void> {
    return this.confirm('Error', [`{red-fg}${tagSafe(message)}{/red-fg}`], 'Enter/Esc close').then(() => undefined);
  }

  /** Plain text (an operation log, help, notifications), shown literally. */
  info(title: string, lines: string[]): Promise<void> {
    return this.confirm(title, lines.map(tagSafe), 'Enter/Esc close').then(() => undefined);
  }
}
