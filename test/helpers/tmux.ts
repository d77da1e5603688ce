import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAIN } from './cli.js';
import { waitFor } from './wait.js';

/**
 * The real TUI in a real pseudo-terminal: a tmux server of its own (private socket), keys sent
 * with send-keys, the screen read with capture-pane.
 */
export class TmuxApp {
  readonly socket = `otter-${crypto.randomBytes(4).toString('hex')}`;
  readonly exitFile: string;
  private debugFile = '';

  private constructor(dir: string) {
    this.exitFile = path.join(dir, 'exit-code');
  }

  static start(dataDir: string, env: Record<string, string>, size = { cols: 140, rows: 40 }): TmuxApp {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-tmux-'));
    const app = new TmuxApp(dir);
    // The TUI says how many keys it has read (app.ts, for tests only): keys() waits on it after an Escape.
    env = { OTTERSTACK_TUI_DEBUG_FILE: path.join(dir, 'debug.json'), ...env };
    app.debugFile = env.OTTERSTACK_TUI_DEBUG_FILE!;
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ');
    // The shell stays after the app exits so the test can read the exit code and the screen.
    const cmd = `env ${envArgs} ${shellQuote(process.execPath)} ${shellQuote(MAIN)} --data-dir ${shellQuote(dataDir)}; echo $? > ${shellQuote(app.exitFile)}; exec sleep 600`;
    app.tmux(['new-session', '-d', '-s', 'app', '-x', String(size.cols), '-y', String(size.rows), cmd]);
    return app;
  }

  tmux(args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  screen(escapes = false): string {
    return this.tmux(['capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 'app']);
  }

  /**
   * Keys by tmux name (Enter, Escape, Tab, C-c, j, …). A lone Escape must be read before the next
   * key is written: a terminal application that reads ESC and a key in one chunk sees Alt+key, and
   * on a loaded machine two writes can coalesce. So after an Escape this waits (bounded) until the
   * TUI's debug file counts the keys as read.
   */
  keys(...keys: string[]): void {
    const before = keys.at(-1) === 'Escape' ? this.keysRead() : null;
    this.tmux(['send-keys', '-t', 'app', ...keys]);
    if (before === null) return;
    const deadline = Date.now() + 5_000;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    while (Date.now() < deadline && this.keysRead() < before + keys.length) Atomics.wait(pause, 0, 0, 20);
  }

  /** Opens the help (`?`) and returns its whole text, scrolling to its end when it is taller than the screen; leaves it open. */
  async helpText(): Promise<string> {
    this.keys('?');
    const top = await this.waitForScreen(/The selected project:/, 'help');
    if (!/scroll \(\d+%\)/.test(top)) return top;
    this.keys('End');
    return `${top}\n${await this.waitForScreen(/scroll \(100%\)/, 'help scrolled to its end')}`;
  }

  /** Keys the TUI has read so far (-1 before it wrote its debug file). */
  private keysRead(): number {
    return this.state()?.keys ?? -1;
  }

  /** What the TUI's debug file says now (app.ts): keys read, dialogs open, selection, focused pane. */
  state(): TuiState | null {
    try {
      return JSON.parse(fs.readFileSync(this.debugFile, 'utf8')) as TuiState;
    } catch {
      return null;
    }
  }

  /** Sends each key once the TUI has read the one before (bounded wait, no fixed sleep). */
  async press(...keys: string[]): Promise<void> {
    for (const key of keys) {
      const before = this.keysRead();
      this.tmux(['send-keys', '-t', 'app', key]);
      // 60 s: on a loaded 2-core CI run a TUI busy with an operation it ran itself took over 10 s to
      // read a key once, and over 30 s once (a prune preview among ~130 parallel test files).
      await waitFor(() => this.keysRead() > before, `the TUI reads ${key}`, 60_000).catch((err: Error) => {
        const exited = fs.existsSync(this.exitFile) ? `exited with ${fs.readFileSync(this.exitFile, 'utf8').trim()}` : 'still running';
        throw new Error(`${err.message} (TUI ${exited}, ${JSON.stringify(this.state())})\n--- screen ---\n${this.screen()}`);
      });
    }
  }

  /**
   * A left button press at screen cell (`col`, `row`), 0-based, as the terminal reports it to an
   * application that turned the mouse on (SGR 1006, 1-based). Only the press: the TUI acts on it,
   * and blessed reads one mouse report per read, so a release sent with it could be lost anyway.
   */
  click(col: number, row: number): void {
    this.type(`\x1b[<0;${col + 1};${row + 1}M`);
  }

  /** The mouse wheel (down: away from the user) at screen cell (`col`, `row`). */
  wheel(col: number, row: number, down: boolean): void {
    this.type(`\x1b[<${down ? 65 : 64};${col + 1};${row + 1}M`);
  }

  /**
   * Literal text. Returns once the TUI has read every character (its debug file's key count,
   * bounded): otherwise a key sent next, e.g. press('Enter'), could count these characters as its
   * own reading and go on before the TUI has seen it.
   */
  type(text: string): void {
    const before = this.keysRead();
    this.tmux(['send-keys', '-t', 'app', '-l', text]);
    if (before < 0) return;
    const deadline = Date.now() + 5_000;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    while (Date.now() < deadline && this.keysRead() < before + [...text].length) Atomics.wait(pause, 0, 0, 20);
  }

  async waitForScreen(pattern: RegExp, what: string, timeoutMs = 30_000): Promise<string> {
    let last = '';
    try {
      return await waitFor(() => {
        last = this.screen();
        return pattern.test(last) ? last : null;
      }, what, timeoutMs);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- screen ---\n${last}`);
    }
  }

  async exitCode(timeoutMs = 30_000): Promise<number> {
    return Number(await waitFor(() => (fs.existsSync(this.exitFile) ? fs.readFileSync(this.exitFile, 'utf8').trim() || null : null), 'app exit', timeoutMs));
  }

  /** Whether the pane is still on the alternate screen, and whether the cursor is visible. */
  terminalState(): { alternate: boolean; cursorVisible: boolean } {
    const [alt, cursor] = this.tmux(['display', '-p', '-t', 'app', '#{alternate_on} #{cursor_flag}']).trim().split(' ');
    return { alternate: alt === '1', cursorVisible: cursor === '1' };
  }

  panePid(): number {
    return Number(this.tmux(['display', '-p', '-t', 'app', '#{pane_pid}']).trim());
  }

  kill(): void {
    try {
      this.tmux(['kill-server']);
    } catch {
      /* already gone */
    }
  }
}

export interface TuiState {
  keys: number;
  open: number;
  minOpen: number;
  selected: string | null;
  focus: string;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
