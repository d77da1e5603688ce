import * as blessed from '../widgets.js';
import { tagSafe } from '../../render/format.js';
import type { Widgets } from 'blessed';
import type { Theme } from '../theme.js';

/**
 * Modal dialogs. Each returns a promise of the operator's answer (null = cancelled with Esc) and
 * removes itself; while one is open the dashboard's keys are off (see DialogHost.open).
 */
export class DialogHost {
  open = 0;
  /** Called after a dialog opens or closes (the TUI's debug file, see app.ts). */
  onChange: () => void = () => {};
  constructor(
    readonly screen: Widgets.Screen,
    private readonly theme: Theme,
  ) {}

  private frame(title: string, height: number | string, width: number | string = '70%'): Widgets.BoxElement {
    this.open++;
    this.onChange();
    return blessed.box({
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
  }

  private close(box: Widgets.BoxElement): void {
    box.destroy();
    this.open--;
    this.onChange();
    this.screen.render();
  }

  /** One-line text input. */
  /** One line of input; `secret` shows `*` for each character typed (a value never reaches the screen). */
  ask(title: string, prompt: string, initial = '', opts: { secret?: boolean } = {}): Promise<string | null> {
    const box = this.frame(title, 7);
    blessed.box({ parent: box, top: 0, left: 1, right: 1, height: 1, content: prompt, tags: true });
    const input = blessed.textbox({ parent: box, top: 2, left: 1, right: 1, height: 1, inputOnFocus: false, censor: opts.secret ?? false, style: { bg: 'black', fg: 'white' } as never });
    blessed.box({ parent: box, top: 4, left: 1, right: 1, height: 1, content: 'Enter confirm   Esc cancel', style: { fg: 'gray' } as never });
    input.setValue(initial);
    this.screen.render();
    return new Promise((resolve) => {
      input.readInput((_err, value) => {
        this.close(box);
        resolve(value === undefined || value === null ? null : String(value));
      });
    });
  }

  /** Pick one of `items` (plain text, shown literally; arrows/j/k + Enter); `typeLabel` adds a free-text option ("type a ref"). */
  pick(title: string, items: string[], opts: { hint?: string; typeLabel?: string } = {}): Promise<{ index: number } | { typed: string } | null> {
    const box = this.frame(title, Math.min(items.length + 6, 24));
    const shown = items.map(tagSafe);
    const all = opts.typeLabel ? [`{bold}${opts.typeLabel}{/bold}`, ...shown] : shown;
    const list = blessed.list({ parent: box, top: 0, left: 1, right: 1, bottom: 2, tags: true, keys: true, vi: true, items: all as never, style: { selected: this.theme.selected as never } });
    blessed.box({ parent: box, bottom: 0, left: 1, right: 1, height: 1, content: opts.hint ?? 'Enter select   Esc cancel', style: { fg: 'gray' } as never });
    list.focus();
    this.screen.render();
    return new Promise((resolve) => {
      list.once('select', (_item: unknown, i: number) => {
        this.close(box);
        if (opts.typeLabel && i === 0) {
          void this.ask(title, 'Ref (tag, branch or SHA):').then((typed) => resolve(typed ? { typed } : null));
        } else resolve({ index: opts.typeLabel ? i - 1 : i });
      });
      list.key(['escape', 'q'], () => {
        this.close(box);
        resolve(null);
      });
    });
  }

  /**
   * Shows text and waits for y/Enter (true) or n/Esc (false). `lines` are tagged text: callers pass
   * anything from outside (refs, commit subjects) through tagSafe.
   */
  confirm(title: string, lines: string[], yes = 'Enter/y confirm   Esc/n cancel'): Promise<boolean> {
    const box = this.frame(title, Math.min(lines.length + 5, 30));
    const body = blessed.box({ parent: box, top: 0, left: 1, right: 1, bottom: 2, tags: true, scrollable: true, keys: true, content: lines.join('\n') });
    blessed.box({ parent: box, bottom: 0, left: 1, right: 1, height: 1, content: yes, style: { fg: 'gray' } as never });
    body.focus();
    this.screen.render();
    return new Promise((resolve) => {
      const done = (answer: boolean) => {
        this.close(box);
        resolve(answer);
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
