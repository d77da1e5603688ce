import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { containersOf, docker, freePort, purgeProject } from '../helpers/engine.js';
import { createFixtureRepo } from '../helpers/fixture-repo.js';
import { deployments } from '../helpers/state.js';
import { TmuxApp } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Issue #15, items 5 and 6: a crashed active release is red, counted in the title bar and sorted
 * to the top; the progress pane keeps the outcome of a failed deploy (failure line, per-container
 * health, elapsed) on screen, wrapped. Two small busybox projects, one of them killed on purpose.
 */
const suffix = crypto.randomBytes(3).toString('hex');
// Alphabetically the crashed project comes last: only health sorting can put it first.
const up = `t-hp-aa-${suffix}`;
const crashed = `t-hp-zz-${suffix}`;
const COLS = 80;
const ROWS = 24;
let dataDir: string;
let app: TmuxApp;

/** The project list's rows, top to bottom, by project name. */
const projectOrder = (screen: string) =>
  screen
    .split('\n')
    .map((l) => /^│(t-hp-\S+)/.exec(l)?.[1])
    .filter(Boolean);

/** The line of the Projects pane that shows `name` (with its escape sequences when captured with -e). */
const rowOf = (screen: string, name: string) => screen.split('\n').find((l) => l.includes(name) && /(✗|●|○|◐)/.test(l)) ?? '';

/** The text inside the bottom pane (the progress view), border characters removed. */
function bottomPane(screen: string): { label: string; lines: string[] } {
  const lines = screen.split('\n');
  const top = lines.findLastIndex((l) => l.startsWith('┌'));
  const bottom = lines.findLastIndex((l) => l.startsWith('└'));
  return { label: lines[top] ?? '', lines: lines.slice(top + 1, bottom).map((l) => l.replace(/^│/, '').replace(/│\s*$/, '').trimEnd()) };
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  for (const name of [up, crashed]) {
    expect((await runCli(dataDir, ['project', 'add', '--name', name, '--repo', createFixtureRepo(await freePort()).dir])).code).toBe(0);
    expect((await runCli(dataDir, ['deploy', name, '--ref', 'v1'])).code).toBe(0);
  }
  app = TmuxApp.start(dataDir, { TERM: 'xterm-256color', LANG: 'C.UTF-8' }, { cols: COLS, rows: ROWS });
});

afterAll(() => {
  app?.kill();
  purgeProject(up);
  purgeProject(crashed);
});

describe('health in the project list and the progress pane', () => {
  it('a killed active release is red ✗ down, counted in the title bar and sorted above healthy projects', async () => {
    await app.waitForScreen(new RegExp(`${crashed}\\s+● healthy\\s+v1`), 'both projects healthy');
    expect(projectOrder(app.screen())).toEqual([up, crashed]);
    const cp = deployments(dataDir, crashed).at(-1)!.compose_project;
    for (const c of containersOf(cp)) docker(['kill', c.id]);

    const screen = await app.waitForScreen(new RegExp(`${crashed}\\s+✗ down\\s+v1`), 'crashed project shown down', 30_000);
    expect(screen.split('\n')[0]).toMatch(/\b1 down\b/);
    expect(projectOrder(screen)).toEqual([crashed, up]);
    // Red (SGR 31), like unhealthy; not the grey of "not deployed".
    const row = rowOf(app.screen(true), crashed);
    expect(row).toMatch(/\x1b\[[0-9;]*\b31m✗ down/);
    expect(row).not.toMatch(/\x1b\[[0-9;]*\b(90|37)m✗ down/);
    // The healthy one keeps its place in the count: only one is down.
    expect(rowOf(app.screen(), up)).toMatch(/● healthy/);
  });

  it('S cycles the sort: by name puts the down project back in name order and says so; health again puts it first', async () => {
    app.keys('S');
    const byName = await app.waitForScreen(/sorted by name/, 'sorted by name in the title');
    expect(projectOrder(byName)).toEqual([up, crashed]);
    app.keys('S');
    await app.waitForScreen(/sorted by last deploy/, 'sorted by last deploy');
    app.keys('S');
    // The title drops "sorted by …" (back to the default), and the down project is first again.
    const byHealth = await app.waitForScreen(/projects {2}1 down {2}refreshed/, 'default sort again');
    expect(projectOrder(byHealth)).toEqual([crashed, up]);
  });

  it('a failed deploy leaves the failure line, per-container health and elapsed visible, wrapped', async () => {
    // The selection stays on the healthy project (by name) while the list re-sorts.
    await app.waitForScreen(new RegExp(`Containers — ${up}`), `${up} selected`);
    app.keys('d');
    await app.waitForScreen(/type a ref \(tag, branch or SHA\)/, 'deploy picker');
    app.keys('Enter');
    await app.waitForScreen(/Ref \(tag, branch or SHA\):/, 'ref prompt');
    app.type('v2');
    app.keys('Enter');
    await app.waitForScreen(/Deploy v2 \(\w{7}\) to/, 'commit preview');
    app.keys('Enter');
    await app.waitForScreen(/deploy v2 — .*\(running\)/, 'progress view');
    const failed = await waitFor(() => deployments(dataDir, up).find((d) => d.git_ref === 'v2' && d.error_message), 'v2 recorded as failed', 90_000);
    const error = failed.error_message!;
    // The failure is longer than the pane is wide: it can only be read whole if it wraps.
    expect(error.length).toBeGreaterThan(COLS);
    const squash = (s: string) => s.replace(/\s+/g, '');
    const screen = await app.waitForScreen(/deploy v2 — .*\(failed\)/, 'progress view says failed', 30_000);
    // Read after the undo brought v1 back: never shown down, never counted.
    expect(rowOf(screen, up)).toMatch(/● healthy\s+v1/);
    expect(screen.split('\n')[0]).toMatch(/\b1 down\b/);
    const pane = bottomPane(screen);
    expect(pane.label).toMatch(/deploy v2 — .*\(failed\)/);
    const text = pane.lines.join('\n');
    expect(squash(text)).toContain(squash(error));
    // The failed release's container, told apart from the previous release's brought back.
    expect(text).toMatch(/^\s+web \S+: running\/unhealthy$/m);
    expect(text).toMatch(/^elapsed \d/m);
    // Wrapped, not cut: the failure spans more than one line of the pane, and nothing is elided.
    expect(pane.lines.findIndex((l) => l.startsWith('failed: '))).toBeLessThan(pane.lines.findIndex((l) => /^\s+web \S+: running\/unhealthy$/.test(l)) - 1);
    expect(text).not.toContain('…');
    // The previous release keeps serving.
    expect(deployments(dataDir, up).filter((d) => d.status === 'active').map((d) => d.git_ref)).toEqual(['v1']);
  });

  it('quits with q', async () => {
    // The failure's error dialog first.
    await waitFor(() => {
      if (!/deploy v2 of .* failed/.test(app.screen())) return true;
      app.keys('Escape');
      return false;
    }, 'error dialog closed');
    app.keys('q');
    expect(await app.exitCode()).toBe(0);
  });
});
