import * as blessed from '../widgets.js';
import { tagSafe } from '../../render/format.js';
import type { Widgets } from 'blessed';
import type { Theme } from '../theme.js';
import { dialogSize } from './dialog-size.js';

/** One open dialog: its frame, the element that holds the keyboard, and whether it has closed. */
interface OpenDialog {
  box: Widgets.BoxElement;
  focus: Widgets.BlessedElement | null;
  closed: boolean;
}

/** Tab in a one-line input (the command line): the completed line, and plain text to show in place of the prompt. */
export type Completer = (value: string) => Promise<{ text: string; hint?: string }>;

/**
 * The textbox appends the Tab as '\t' (its listener runs after this one) and keeps reading keys
 * while the completion answers: each Tab, in order, completes the text before it and keeps what
 * was typed after it.
 */
function completeOnTab(input: Widgets.TextboxElement, promptBox: Widgets.BoxElement, prompt: string, complete: Completer, closed: () => boolean): void {
  let queue = Promise.resolve();
  input.on('keypress', (_ch: string, key: { name?: string }) => {
    if (key?.name !== 'tab') return;
    queue = queue.then(async () => {
      const tab = input.getValue().indexOf('\t');
      if (closed() || tab < 0) return;
      const done = await complete(input.getValue().slice(0, tab)).catch(() => null);
      if (closed()) return;
      const now = input.getValue();
      const at = now.indexOf('\t');
      input.setValue(at < 0 ? now : `${done ? done.text : now.slice(0, at)}${now.slice(at + 1)}`);
      promptBox.setContent(done?.hint ? tagSafe(done.hint) : prompt);
      input.screen.render();
    });
  });
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

  /**
   * A dialog frame sized to its content (`lines` of tagged text plus `chrome` rows of prompt and
   * hints) and clamped to the screen, re-sized on resize: at 80×24 every dialog fits, and what
   * does not fit scrolls. Wrapped lines count as the rows they take.
   */
  private frame(title: string, lines: string[], chrome: number): OpenDialog {
    const size = () => dialogSize(lines, chrome, Number(this.screen.width), Number(this.screen.height));
    const box = blessed.box({
      parent: this.screen,
      top: 'center',
      left: 'center',
      ...size(),
      label: ` ${title} `,
      border: { type: 'line' },
      tags: true,
      style: { border: this.theme.focusBorder as never },
    });
    const dialog: OpenDialog = { box, focus: null, closed: false };
    const resize = () => {
      const { width, height } = size();
      box.width = width;
      box.height = height;
    };
    this.screen.on('resize', resize);
    box.once('destroy', () => this.screen.removeListener('resize', resize));
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
  ask(title: string, prompt: string, initial = '', opts: { secret?: boolean; onInput?: (value: string) => void; complete?: Completer } = {}): Promise<string | null> {
    const dialog = this.frame(title, [prompt], 4);
    const box = dialog.box;
    const promptBox = blessed.box({ parent: box, top: 0, left: 1, right: 1, height: 1, content: prompt, tags: true });
    const input = blessed.textbox({ parent: box, top: 2, left: 1, right: 1, height: 1, inputOnFocus: false, censor: opts.secret ?? false, style: this.theme.input as never });
    blessed.box({ parent: box, top: 4, left: 1, right: 1, height: 1, content: opts.complete ? 'Enter run   Tab complete   Esc cancel' : 'Enter confirm   Esc cancel', style: this.theme.hint as never });
    input.setValue(initial);
    // After the textbox has applied the key (its own handler runs in this same turn).
    if (opts.onInput) input.on('keypress', () => setImmediate(() => dialog.closed || opts.onInput!(input.getValue())));
    if (opts.complete) completeOnTab(input, promptBox, prompt, opts.complete, () => dialog.closed);
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
  pick(title: string, items: string[], opts: { hint?: string; typeLabel?: string; warning?: string } = {}): Promise<{ index: number } | { typed: string } | null> {
    const shown = items.map(tagSafe);
    const all = opts.typeLabel ? [`{bold}${opts.typeLabel}{/bold}`, ...shown] : shown;
    // A list row never wraps: the frame is as wide as the longest row (up to the screen).
    const dialog = this.frame(title, all, 2 + (opts.warning ? 2 : 0));
    const box = dialog.box;
    if (opts.warning) blessed.box({ parent: box, top: 0, left: 1, right: 1, height: 1, tags: true, content: this.theme.tone('warn', tagSafe(opts.warning)) });
    const list = blessed.list({ parent: box, top: opts.warning ? 2 : 0, left: 1, right: 1, bottom: 2, tags: true, keys: true, vi: true, items: all as never, style: { selected: this.theme.selected as never } });
    blessed.box({ parent: box, bottom: 0, left: 1, right: 1, height: 1, content: opts.hint ?? 'Enter select   Esc cancel', style: this.theme.hint as never });
    pageKeys(list, (n) => (n < 0 ? list.up(-n) : list.down(n)));
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
    const dialog = this.frame(title, lines, 2);
    const box = dialog.box;
    const body = blessed.box({ parent: box, top: 0, left: 1, right: 1, bottom: 2, tags: true, scrollable: true, alwaysScroll: true, keys: true, wrap: true, content: lines.join('\n') });
    const footer = blessed.box({ parent: box, bottom: 0, left: 1, right: 1, height: 1, tags: true, style: this.theme.hint as never });
    // The footer says when there is more than fits (a long log, the help at 80×24).
    const showFooter = () => {
      const more = body.getScrollHeight() > Number(body.height) ? `   ↑↓/PgUp/PgDn scroll (${Math.min(100, Math.round(body.getScrollPerc()))}%)` : '';
      footer.setContent(`${yes}${more}`);
    };
    pageKeys(body, (n) => body.scroll(n));
    body.on('scroll', showFooter);
    box.on('resize', showFooter);
    showFooter();
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

  /** The full error message, wrapped (scrolls when longer than the screen); any of Enter/Esc/q closes it. */
  error(message: string): Promise<void> {
    return this.confirm('Error', [this.theme.tone('bad', tagSafe(message))], 'Enter/Esc close').then(() => undefined);
  }

  /** Plain text (an operation log, help, notifications), shown literally. */
  info(title: string, lines: string[]): Promise<void> {
    return this.confirm(title, lines.map(tagSafe), 'Enter/Esc close').then(() => undefined);
  }
}

/** PgUp/PgDn by a page, g/Home to the start, G/End to the end (`move` takes a signed row count). */
function pageKeys(el: Widgets.BlessedElement, move: (rows: number) => void): void {
  const page = () => Math.max(1, Number(el.height) - 1);
  el.key(['pageup'], () => move(-page()));
  el.key(['pagedown'], () => move(page()));
  el.key(['home', 'g'], () => move(-1e6));
  el.key(['end', 'S-g'], () => move(1e6));
  el.key(['pageup', 'pagedown', 'home', 'end', 'g', 'S-g'], () => el.screen.render());
}
