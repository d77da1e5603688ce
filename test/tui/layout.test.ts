import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { freePort, purgeProject } from '../helpers/engine.js';
import { createHealthyRepo, git } from '../helpers/fixture-repo.js';
import { TmuxApp } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait.js';
import { dashboardHints } from '../../src/screens/keys.js';

/**
 * Issue #15, items 9–13, 15, 16, 22 and the new keys that need no deploy: the dashboard and its
 * dialogs at 80×24, 120×35 and 200×60 (nothing cut that matters), the add form checked field by
 * field, an empty filter, NO_COLOR, LANG=C, number keys and the mouse.
 */
// Nothing here depends on the compose version (no deploys): it runs in the Compose v2 pass only.
const once = process.env.OTTERSTACK_TEST_COMPOSE_VERSION === 'v1';
const suffix = crypto.randomBytes(3).toString('hex');
const first = `t-lay-a-${suffix}`;
const second = `t-lay-b-${suffix}`;
let dataDir: string;
const apps: TmuxApp[] = [];
const UTF8 = { TERM: 'xterm-256color', LANG: 'C.UTF-8' };
const HINTS = dashboardHints().map((h) => h.text);
const LONG_TAG = 'release-2026-11-29-candidate';

function start(env: Record<string, string> = UTF8, size = { cols: 140, rows: 40 }): TmuxApp {
  const app = TmuxApp.start(dataDir, env, size);
  apps.push(app);
  return app;
}

async function ready(app: TmuxApp): Promise<string[]> {
  const screen = await app.waitForScreen(new RegExp(`${first}[^]*${second}`), 'both projects listed');
  await waitFor(() => app.state()?.selected === first, 'first project selected');
  return screen.replace(/\n$/, '').split('\n');
}

/** The status bar, checked for truncation: whole key hints only, then the selected project and its badge at the end. */
function checkStatusBar(bar: string, cols: number, badge = '○ not deployed'): string[] {
  expect([...bar].length).toBeLessThanOrEqual(cols);
  const parts = bar.trim().split(/\s{2,}/);
  expect(parts.at(-1)).toBe(`${first}: ${badge}`);
  const hints = parts.slice(0, -1);
  for (const h of hints) expect(HINTS, `"${h}" is a whole hint`).toContain(h);
  return hints;
}

beforeAll(async () => {
  if (once) return;
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  for (const name of [first, second]) {
    const repo = createHealthyRepo(await freePort(), ['v1']);
    // A long tag: the picker's rows are wider than 70% of a 60-column screen.
    git(repo.dir, ['tag', LONG_TAG]);
    expect((await runCli(dataDir, ['project', 'add', '--name', name, '--repo', repo.dir])).code).toBe(0);
  }
});

afterEach(() => {
  for (const app of apps.splice(0)) app.kill();
});

afterAll(() => {
  if (once) return;
  purgeProject(first);
  purgeProject(second);
});

describe.skipIf(once)('sizes: screenshot-style captures checked for truncation', () => {
  it.each([
    [80, 24],
    [120, 35],
    [200, 60],
  ])('%i×%i: the key hints are whole, the badge fits, no empty line above the bar', async (cols, rows) => {
    const app = start(UTF8, { cols, rows });
    const lines = await ready(app);
    expect(lines).toHaveLength(rows);
    const hints = checkStatusBar(lines[rows - 1]!, cols);
    for (const h of ['d deploy', 'r rollback', '? help', 'q quit']) expect(hints).toContain(h);
    if (cols >= 200) expect(hints).toEqual(HINTS);
    // The panes reach the status bar: the line above it is the Logs pane's bottom border.
    expect(lines[rows - 2]).toMatch(/^└─+┘$/);
    expect([...lines[rows - 2]!].length).toBe(cols);
    // The History pane keeps its title.
    expect(lines.join('\n')).toMatch(/┌─ History/);
  });

  it('80×24: every dialog fits, its hint line in sight; help scrolls to its end', async () => {
    const app = start(UTF8, { cols: 80, rows: 24 });
    await ready(app);
    const fits = async (keys: string[], title: RegExp, hint: RegExp) => {
      await app.press(...keys);
      const screen = await app.waitForScreen(title, `dialog ${title}`);
      expect(screen).toMatch(hint);
      const lines = screen.replace(/\n$/, '').split('\n');
      expect(lines).toHaveLength(24);
      checkStatusBar(lines[23]!, 80);
      await app.press('Escape');
      await waitFor(() => app.state()?.open === 0, 'dialog closed');
    };
    await fits(['d'], new RegExp(`Deploy ${first}`), /Enter select {3}Esc cancel/);
    await fits(['?'], /─ Keys ─/, /Enter\/Esc close {3}↑↓\/PgUp\/PgDn scroll \(0%\)/);
    await fits(['a'], /Add project/, /Enter confirm {3}Esc cancel/);
    await fits(['/'], /Filter projects/, /Enter confirm {3}Esc cancel/);
    await fits(['n'], /─ Notifications ─/, /Enter\/Esc close/);
    await fits(['p'], new RegExp(`Prune ${first}`), /Enter confirm {3}Esc cancel/);
    // The help is taller than 24 rows: End shows its last lines (the dialog keys) and 100%.
    await app.press('?');
    await app.waitForScreen(/The selected project:/, 'help, top');
    await app.press('End');
    const end = await app.waitForScreen(/scroll \(100%\)/, 'help scrolled to the end');
    expect(end).toMatch(/In dialogs:/);
    expect(end).not.toMatch(/The selected project:/);
    await app.press('Escape');
  });

  it('60×20: the deploy picker shows whole rows (the SHA column is not cut)', async () => {
    const app = start(UTF8, { cols: 60, rows: 20 });
    await ready(app);
    await app.press('d');
    const screen = await app.waitForScreen(new RegExp(`tag\\s+${LONG_TAG}\\s+[0-9a-f]{7}`), 'picker row with its SHA');
    expect(screen).toMatch(new RegExp(`tag\\s+${LONG_TAG}\\s+[0-9a-f]{7}\\s*│`));
  });
});

describe.skipIf(once)('the add form checks each field as it is entered and keeps what was typed', () => {
  it('a bad name comes back to be corrected; a missing path says so in full (wrapped) and comes back too', async () => {
    const app = start(UTF8, { cols: 80, rows: 24 });
    await ready(app);
    await app.press('a');
    await app.waitForScreen(/Name \(lowercase letters, digits and -\)/, 'name asked');
    app.type('Bad_Name');
    await app.press('Enter');
    await app.waitForScreen(/invalid project name "Bad_Name"/, 'the name is refused at once');
    await app.press('Enter');
    // Asked again with the answer kept, to correct rather than retype.
    await app.waitForScreen(/Name \(lowercase[^]*Bad_Name/, 'name asked again, keeping the input');
    for (let i = 0; i < 'Bad_Name'.length; i++) await app.press('BSpace');
    app.type(`t-lay-new-${suffix}`);
    await app.press('Enter');
    await app.waitForScreen(/Git repository \(local path, https:\/\/ or SSH URL\)/, 'the repository prompt names URLs too');
    const missing = `/nonexistent/${'deep/'.repeat(20)}repo`;
    app.type(missing);
    await app.press('Enter');
    // The whole message, wrapped over several lines of the 80-column dialog: its end is in sight.
    const error = await app.waitForScreen(/or an https:\/\/ or SSH URL/, 'the whole error, wrapped');
    expect(error).toMatch(/does not exist/);
    await app.press('Enter');
    await app.waitForScreen(/Git repository[^]*\/deep\/repo/, 'repository asked again, keeping the input');
    await app.press('Escape');
    await waitFor(() => app.state()?.open === 0, 'form cancelled');
    // Nothing was added.
    const list = await runCli(dataDir, ['project', 'list', '--json']);
    expect(list.stdout).not.toContain(`t-lay-new-${suffix}`);
  });
});

describe.skipIf(once)('filter as you type', () => {
  it('the list narrows with each key typed in the filter dialog; Esc puts it back', async () => {
    const app = start();
    await ready(app);
    await app.press('/');
    await app.waitForScreen(/Filter projects/, 'filter dialog');
    app.type(second.slice(0, 7)); // "t-lay-b"
    await waitFor(() => !app.screen().includes(first) && app.screen().includes(second), 'only the matching project listed while typing');
    expect(app.state()?.open).toBe(1);
    await app.press('Escape');
    await app.waitForScreen(new RegExp(`${first}[^]*${second}`), 'both listed again after Esc');
  });
});

describe.skipIf(once)('nothing selected', () => {
  it('a filter matching nothing says so; Containers and History show no other project', async () => {
    const app = start();
    await ready(app);
    await app.press('/');
    await app.waitForScreen(/Filter projects/, 'filter dialog');
    app.type('zzz');
    await app.press('Enter');
    const screen = await app.waitForScreen(/no project matches the filter "zzz": Esc clears it/, 'empty filter message');
    expect(screen).not.toMatch(/press 'a' to add one/);
    expect(screen).toMatch(/┌─ History ─/);
    expect(screen.match(/no project selected/g)).toHaveLength(2);
    expect(screen).not.toMatch(new RegExp(`${first}|${second}`));
    await app.press('Escape');
    await app.waitForScreen(new RegExp(`${first}[^]*${second}`), 'filter cleared');
  });
});

describe.skipIf(once)('focus: number keys and the mouse', () => {
  it('1–4 focus the panes; only the focused pane highlights its row in full', async () => {
    const app = start();
    await ready(app);
    const selectedBg = () => app.screen(true).split('\n').find((l) => l.includes(first))!;
    // Focused: the selection's background colour (blue) is on the row.
    expect(selectedBg()).toMatch(/\x1b\[[0-9;]*(44|48;5;4)[;m]/);
    for (const [key, pane] of [['3', 'history'], ['4', 'activity'], ['2', 'containers'], ['1', 'projects']] as const) {
      await app.press(key);
      expect(app.state()?.focus).toBe(pane);
      if (pane === 'history') await waitFor(() => !/\x1b\[[0-9;]*(44|48;5;4)[;m]/.test(selectedBg()), 'unfocused projects pane: no full highlight');
    }
  });

  it('a click focuses a pane and selects the row under it; the wheel moves the selection', async () => {
    const app = start();
    const lines = await ready(app);
    const row = lines.findIndex((l) => l.includes(second));
    app.click(4, row);
    await waitFor(() => app.state()?.selected === second, 'click selected the second project');
    const history = lines.findIndex((l) => /┌─ History/.test(l));
    const col = lines[history]!.indexOf('┌─ History');
    app.click(col + 5, history + 2);
    await waitFor(() => app.state()?.focus === 'history', 'click focused History');
    app.wheel(4, row, false);
    await waitFor(() => app.state()?.focus === 'projects' && app.state()?.selected === first, 'wheel up over Projects moved the selection up');
  });
});

/** SGR parameters that set a colour (foreground or background, 8/16/256). */
function colourCodes(screen: string): string[] {
  const found: string[] = [];
  for (const m of screen.matchAll(/\x1b\[([0-9;]*)m/g)) {
    const params = m[1]!.split(';').map(Number);
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      if (p === 38 || p === 48) found.push(m[0]!);
      if ((p >= 30 && p <= 37) || (p >= 40 && p <= 47) || (p >= 90 && p <= 97) || (p >= 100 && p <= 107)) found.push(m[0]!);
      if (p === 38 || p === 48) i += params[i + 1] === 5 ? 2 : 4;
    }
  }
  return found;
}

describe.skipIf(once)('NO_COLOR and LANG=C', () => {
  it('NO_COLOR: no colour anywhere, inputs, hints and errors included', async () => {
    const app = start({ TERM: 'xterm-256color', LANG: 'C.UTF-8', NO_COLOR: '1' });
    await ready(app);
    expect(colourCodes(app.screen(true))).toEqual([]);
    await app.press('a');
    await app.waitForScreen(/Name \(lowercase/, 'add form');
    app.type('Bad_Name');
    expect(colourCodes(app.screen(true))).toEqual([]);
    await app.press('Enter');
    await app.waitForScreen(/invalid project name/, 'error dialog');
    expect(colourCodes(app.screen(true))).toEqual([]);
    // The control: the same dialog with colours has them (the check can fail).
    const coloured = start();
    await ready(coloured);
    expect(colourCodes(coloured.screen(true)).length).toBeGreaterThan(0);
  });

  it('LANG=C: an ASCII stand-in for every glyph, never "?"', async () => {
    const app = start({ TERM: 'xterm-256color', LANG: 'C' });
    const screen = (await ready(app)).join('\n');
    expect(screen).toContain(`Containers - ${first}`);
    expect(screen).toContain(`History - ${first}`);
    expect(screen).not.toMatch(/[^\x00-\x7f]/);
    // "?" only in the "? help" hint.
    expect(screen.replace('? help', '')).not.toContain('?');
    await app.press('?');
    const help = await app.helpText();
    expect(help).toMatch(/\^\/k\s+move up/);
    expect(help).toContain('project > containers');
    expect(help).toContain('(down first, the default) > name > last deploy');
    // Arrows may come through the terminal's line-drawing set (ACS, as the borders do); never "?".
    expect(help).not.toMatch(/[—…→●○◐✗]/);
    expect(help.replace(/\?\s+(this )?help/g, '')).not.toContain('?');
  });
});
