import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { freePort, purgeProject } from '../helpers/engine.js';
import { createHealthyRepo } from '../helpers/fixture-repo.js';
import { TmuxApp, type TuiState } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait.js';
import { mulberry32 as random } from '../helpers/random.js';

/**
 * Keys inside a dialog belong to that dialog: they never reach the dashboard behind it, and
 * closing a dialog happens once however many times the operator presses Esc (issue #15, item 1).
 * The TUI's debug file (OTTERSTACK_TUI_DEBUG_FILE) says how many keys it has read, how many
 * dialogs are open, the fewest ever open, and the selected project; each key is sent only once
 * the previous one has been read, so a sequence replays the same way.
 */

const suffix = crypto.randomBytes(3).toString('hex');
const first = `t-dlg-a-${suffix}`;
const second = `t-dlg-b-${suffix}`;
let dataDir: string;
const apps: TmuxApp[] = [];

/** The TUI with its debug state (TmuxApp.state/press: keys read, dialogs open, fewest ever open, selection). */
class DebuggedApp {
  readonly app: TmuxApp;
  constructor() {
    this.app = TmuxApp.start(dataDir, { TERM: 'xterm-256color', LANG: 'C.UTF-8' });
    apps.push(this.app);
  }

  state(): TuiState {
    return this.app.state()!;
  }

  press(...keys: string[]): Promise<void> {
    return this.app.press(...keys);
  }

  async ready(): Promise<void> {
    await this.app.waitForScreen(new RegExp(`${first}[^]*${second}`), 'both projects listed');
    await waitFor(() => this.state().selected === first, 'first project selected');
  }

  running(): boolean {
    return !fs.existsSync(this.app.exitFile) && /OtterStack/.test(this.app.screen());
  }
}

/** The status bar (last line) names the selected project. */
const selectedName = (screen: string) => /\s(t-dlg-\S+): /.exec(screen.trimEnd().split('\n').at(-1) ?? '')?.[1];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  // Healthy releases only: the random keys of the property test may deploy, roll back or prune.
  for (const name of [first, second]) {
    expect((await runCli(dataDir, ['project', 'add', '--name', name, '--repo', createHealthyRepo(await freePort(), ['v1', 'v2']).dir])).code).toBe(0);
  }
});

afterEach(() => {
  for (const app of apps.splice(0)) app.kill();
});

afterAll(() => {
  purgeProject(first);
  purgeProject(second);
});

describe('dialogs own the keyboard', () => {
  it('? Esc Esc, then d j: j moves the picker, never the project selection behind it', async () => {
    const t = new DebuggedApp();
    await t.ready();
    await t.press('?');
    await t.app.waitForScreen(/this help/, 'help');
    await t.press('Escape', 'Escape', 'd');
    await t.app.waitForScreen(new RegExp(`Deploy ${first}`), 'deploy picker');
    await t.press('j');
    expect(t.state()).toMatchObject({ selected: first, open: 1, minOpen: 0 });
    expect(t.app.screen()).toMatch(new RegExp(`Deploy ${first}`));
    expect(selectedName(t.app.screen())).toBe(first);
    await t.press('Escape');
    await waitFor(() => !/type a ref/.test(t.app.screen()), 'picker closed');
    expect(t.state()).toMatchObject({ selected: first, open: 0, minOpen: 0 });
    // The dashboard has the keys back.
    await t.press('j');
    expect(t.state().selected).toBe(second);
    await t.app.waitForScreen(new RegExp(`\\s${second}: `), 'status bar follows the selection');
  });

  it('q inside the picker (after ? Esc Esc) closes the picker only; q on the dashboard then quits at once', async () => {
    const t = new DebuggedApp();
    await t.ready();
    await t.press('?');
    await t.app.waitForScreen(/this help/, 'help');
    await t.press('Escape', 'Escape', 'd');
    await t.app.waitForScreen(new RegExp(`Deploy ${first}`), 'deploy picker');
    await t.press('q');
    await waitFor(() => !/type a ref/.test(t.app.screen()), 'picker closed');
    expect(t.running()).toBe(true);
    expect(t.state()).toMatchObject({ open: 0, minOpen: 0 });
    // q inside the help (a text dialog) closes it too, and nothing else.
    await t.press('?');
    await t.app.waitForScreen(/this help/, 'help');
    await t.press('q');
    await waitFor(() => !/this help/.test(t.app.screen()), 'help closed');
    expect(t.running()).toBe(true);
    expect(t.state()).toMatchObject({ open: 0, minOpen: 0 });
    // Nothing runs: q on the dashboard quits without asking.
    t.app.keys('q');
    expect(await t.app.exitCode()).toBe(0);
  });

  it('Ctrl-C inside a dialog still quits (nothing runs: without asking)', async () => {
    const t = new DebuggedApp();
    await t.ready();
    await t.press('/');
    await t.app.waitForScreen(/Show projects whose name or ref contains/, 'filter prompt');
    t.app.keys('C-c');
    expect(await t.app.exitCode()).toBe(0);
    expect(t.app.terminalState()).toEqual({ alternate: false, cursorVisible: true });
  });

  it('Esc pressed three times closes each kind of dialog once (the open count never goes below zero)', async () => {
    const t = new DebuggedApp();
    await t.ready();
    const kinds: [string, RegExp][] = [
      ['?', /this help/],
      ['n', /Notifications/],
      ['d', /type a ref/],
      ['/', /Show projects whose name or ref contains/],
    ];
    for (const [key, shown] of kinds) {
      await t.press(key);
      await t.app.waitForScreen(shown, `dialog of ${key}`);
      expect(t.state().open).toBe(1);
      await t.press('Escape', 'Escape', 'Escape');
      await waitFor(() => !shown.test(t.app.screen()), `dialog of ${key} closed`);
      expect(t.state(), `after ${key} Esc Esc Esc`).toMatchObject({ open: 0, minOpen: 0 });
      expect(t.running()).toBe(true);
    }
    // Still one dialog at a time afterwards: j inside the picker moves the picker only.
    await t.press('d');
    await t.app.waitForScreen(/type a ref/, 'deploy picker again');
    await t.press('j', 'j');
    expect(t.state()).toMatchObject({ selected: first, open: 1, minOpen: 0 });
  });
});


describe('double-Esc property', () => {
  // OTTERSTACK_TEST_SEED=<n> replays a failing sequence.
  const seed = Number(process.env.OTTERSTACK_TEST_SEED ?? crypto.randomInt(2 ** 31));
  const KEYS = ['?', 'd', 'r', 'p', 'l', '/', 'Escape', 'Enter', 'j', 'k', 'n', 'y', 'Tab'];

  it(`200 random keys (seed ${seed}) never quit the TUI nor close a dialog twice`, async () => {
    const next = random(seed);
    const sequence = Array.from({ length: 200 }, () => KEYS[Math.floor(next() * KEYS.length)]!);
    const t = new DebuggedApp();
    await t.ready();
    for (const [i, key] of sequence.entries()) {
      const where = `seed ${seed}, key ${i + 1}/${sequence.length} (${sequence.slice(0, i + 1).join(' ')})`;
      await t.press(key);
      expect(t.state().minOpen, where).toBeGreaterThanOrEqual(0);
      expect(fs.existsSync(t.app.exitFile), `TUI exited at ${where}`).toBe(false);
    }
    expect(t.running(), `seed ${seed}`).toBe(true);
    // Esc closes whatever is still open, one dialog per key.
    await waitFor(
      async () => {
        if (t.state().open === 0) return true;
        await t.press('Escape');
        return false;
      },
      `every dialog closed (seed ${seed})`,
      60_000,
    );
    expect(t.state().minOpen, `seed ${seed}`).toBe(0);
    expect(t.running(), `seed ${seed}`).toBe(true);
  });
});
