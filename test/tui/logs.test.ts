import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { containersOf, docker, freePort, purgeProject, TEST_IMAGE } from '../helpers/engine.js';
import { createFixtureRepo, git } from '../helpers/fixture-repo.js';
import { deployments } from '../helpers/state.js';
import { TmuxApp } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait.js';

/** Issue #15 items 2–4: the full-screen logs and the Logs pane (toggle, keep the project, scroll, follow). */
const suffix = crypto.randomBytes(3).toString('hex');
const logs = `t-tui-logs-${suffix}`;
const quiet = `t-tui-quiet-${suffix}`;
const FIRST_LINES = 120;
let dataDir: string;
let app: TmuxApp;
let container: string;
/** Whether the logs project is listed above the other one. */
let listedFirst: boolean;

/** A release whose one container prints `line 001` … `line 120` and then waits (init: stops at once). */
function countingRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
  git(dir, ['init', '-q', '-b', 'main']);
  fs.writeFileSync(
    path.join(dir, 'compose.yaml'),
    `services:
  app:
    image: ${TEST_IMAGE}
    init: true
    command:
      - sh
      - -c
      - |
        for i in $$(seq 1 ${FIRST_LINES}); do printf 'line %03d\\n' $$i; done
        exec sleep 86400
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      timeout: 3s
      retries: 2
`,
  );
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'v1']);
  git(dir, ['tag', 'v1']);
  return dir;
}

/** The number of the newest line the container printed. */
let newest = FIRST_LINES;

/** `count` more numbered lines on the container's output (written to its PID 1's stdout). */
function printLines(count: number): void {
  const from = newest + 1;
  newest += count;
  docker(['exec', container, 'sh', '-c', `for i in $(seq ${from} ${newest}); do printf 'line %03d\\n' $i; done > /proc/1/fd/1`]);
}

/** The numbered log lines on screen, top to bottom. */
const numbers = (screen: string) => [...screen.matchAll(/line (\d{3})/g)].map((m) => Number(m[1]));
/** The status bar (last line) names the selected project. */
const selectedName = (screen: string) => /\s(t-tui-\S+): /.exec(screen.trimEnd().split('\n').at(-1) ?? '')?.[1];
/** The second line (under the title bar) is the top border of the full-screen logs, or of the Projects pane. */
const secondLine = (screen: string) => screen.split('\n')[1] ?? '';
const inFullLogs = (screen: string) => secondLine(screen).startsWith(`┌─ Logs — ${logs} `);
const onDashboard = (screen: string) => secondLine(screen).startsWith('┌─ Projects');

/** Waits until the visible numbered lines satisfy `ok`; returns them. */
async function waitLines(ok: (n: number[], screen: string) => boolean, what: string): Promise<number[]> {
  let last = '';
  try {
    return await waitFor(() => {
      last = app.screen();
      const n = numbers(last);
      return n.length > 0 && ok(n, last) ? n : null;
    }, what, 20_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- screen ---\n${last}`);
  }
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  expect((await runCli(dataDir, ['project', 'add', '--name', logs, '--repo', countingRepo()])).code).toBe(0);
  expect((await runCli(dataDir, ['project', 'add', '--name', quiet, '--repo', createFixtureRepo(await freePort()).dir])).code).toBe(0);
  const res = await runCli(dataDir, ['deploy', logs, '--ref', 'v1']);
  expect(res.code, res.stderr).toBe(0);
  container = containersOf(deployments(dataDir, logs).at(-1)!.compose_project)[0]!.id;
  await waitFor(() => docker(['logs', container]).includes(`line ${FIRST_LINES}`), 'the container printed its lines');
  app = TmuxApp.start(dataDir, { TERM: 'xterm-256color', LANG: 'C.UTF-8' }, { cols: 120, rows: 30 });
  // Select the project with the logs (the list order is not this test's business).
  const screen = await app.waitForScreen(new RegExp(`${quiet}[^]*Logs — `), 'both projects listed');
  listedFirst = screen.indexOf(logs) < screen.indexOf(quiet);
  if (selectedName(screen) !== logs) {
    app.keys(listedFirst ? 'k' : 'j');
    await app.waitForScreen(new RegExp(`\\s${logs}: `), 'the logs project selected');
  }
  await waitLines((n) => n.includes(FIRST_LINES), 'the Logs pane shows the newest line');
});

afterAll(() => {
  app?.kill();
  purgeProject(logs);
  purgeProject(quiet);
});

/** From the dashboard: `l`, then the full-screen logs follow with the newest line at the bottom. */
async function openFullLogs(): Promise<number[]> {
  app.keys('l');
  return waitLines((n, s) => inFullLogs(s) && n.at(-1) === newest && n.length > 10, 'full-screen logs open, the newest line at the bottom');
}

async function backToDashboard(key: string): Promise<void> {
  app.keys(key);
  await waitFor(() => onDashboard(app.screen()), `${key} returns to the dashboard`, 10_000).catch((err: Error) => {
    throw new Error(`${err.message}\n--- screen ---\n${app.screen()}`);
  });
}

const following = (s: string) => /\(follow;/.test(s);
const paused = (s: string) => new RegExp(`Logs — ${logs} \\(paused`).test(s);

describe('the logs in the TUI (real terminal, real engine)', () => {
  it('l opens the full-screen logs; l again, Esc or q return to the dashboard (the TUI keeps running)', async () => {
    for (const close of ['l', 'Escape', 'q']) {
      await openFullLogs();
      await backToDashboard(close);
    }
    expect(fs.existsSync(app.exitFile)).toBe(false);
    expect(selectedName(app.screen())).toBe(logs);
  });

  it('j/k scroll the full-screen logs, never the project list: the project stays the one they were opened for', async () => {
    await openFullLogs();
    // On the dashboard the second key would select the other project (the first one does nothing
    // there); here they scroll: k one line up (pausing), j one line down.
    const moved = (screen: string) => selectedName(screen) !== logs;
    app.keys(...(listedFirst ? ['k', 'j'] : ['j', 'k']));
    const last = listedFirst ? newest : newest - 1;
    // (When the defect moves the selection, the view shows the other project's logs: no numbers.)
    const screen = await app.waitForScreen(new RegExp(`Logs — ${logs} \\(paused[^]*line ${last}|\\s${quiet}: `), 'both keys handled');
    expect(selectedName(screen)).toBe(logs);
    expect(inFullLogs(screen)).toBe(true);
    expect(numbers(screen).at(-1)).toBe(last);
    await backToDashboard('Escape');
    expect(selectedName(app.screen())).toBe(logs);
  });

  it('PgUp/PgDn move the full-screen logs by a page; g/Home go to the first line, G/End to the newest (following)', async () => {
    const bottom = await openFullLogs();
    const page = bottom.length;
    expect(page).toBeGreaterThan(10);
    const top = bottom[0]!;
    app.keys('PPage');
    await waitLines((n, s) => n[0] === top - page && n.length === page && paused(s), 'one page up, paused');
    app.keys('PPage');
    await waitLines((n) => n[0] === top - 2 * page, 'two pages up');
    app.keys('NPage');
    await waitLines((n) => n[0] === top - page, 'one page down');
    app.keys('g');
    await waitLines((n) => n[0] === 1 && n.length === page, 'first line at the top');
    app.keys('NPage');
    await waitLines((n) => n[0] === 1 + page, 'a page below the first');
    app.keys('G');
    await waitLines((n, s) => n.at(-1) === newest && n[0] === top && following(s), 'G: newest, following');
    app.keys('Home');
    await waitLines((n, s) => n[0] === 1 && paused(s), 'Home: first line');
    app.keys('End');
    await waitLines((n, s) => n.at(-1) === newest && following(s), 'End: newest, following');
    await backToDashboard('Escape');
  });

  it('after scrolling up new lines do not move the full-screen logs, until f or G follows again', async () => {
    const bottom = await openFullLogs();
    app.keys('PPage');
    const up = await waitLines((n, s) => n[0] === bottom[0]! - bottom.length && paused(s), 'paused a page up');
    printLines(10);
    const still = await app.waitForScreen(new RegExp(`Logs — ${logs} \\(paused, 10 new`), 'ten new lines counted');
    expect(numbers(still)).toEqual(up);
    app.keys('f');
    await waitLines((n, s) => n.at(-1) === newest && following(s), 'f: following, newest line shown');

    app.keys('k');
    const up2 = await waitLines((n, s) => n.at(-1) === newest - 1 && paused(s), 'k pauses');
    printLines(5);
    const still2 = await app.waitForScreen(new RegExp(`Logs — ${logs} \\(paused, 5 new`), 'five new lines counted');
    expect(numbers(still2)).toEqual(up2);
    app.keys('G');
    await waitLines((n, s) => n.at(-1) === newest && following(s), 'G: following, newest line shown');

    // f also pauses in place, without scrolling.
    app.keys('f');
    const here = await waitLines((n, s) => n.at(-1) === newest && paused(s), 'f pauses');
    printLines(2);
    const still3 = await app.waitForScreen(new RegExp(`Logs — ${logs} \\(paused, 2 new`), 'two new lines counted');
    expect(numbers(still3)).toEqual(here);
    app.keys('f');
    await waitLines((n, s) => n.at(-1) === newest && following(s), 'f: following again');
    await backToDashboard('Escape');
  });

  it('the Logs pane keeps its place when scrolled back (new lines do not move it) until f follows again', async () => {
    const paneFollows = new RegExp(`Logs — ${logs} \\(follow\\)`);
    const before = await waitLines((n, s) => n.at(-1) === newest && paneFollows.test(s), 'the pane follows');
    // Focus the Logs pane (projects → containers → history → logs).
    app.keys('Tab', 'Tab', 'Tab');
    app.keys('PPage');
    const up = await waitLines((n, s) => n.at(-1)! < newest && paused(s), 'the pane paused a page up');
    expect(up.at(-1)).toBe(before[0]! - 1);
    printLines(3);
    const still = await app.waitForScreen(new RegExp(`Logs — ${logs} \\(paused, 3 new`), 'three new lines counted');
    expect(numbers(still)).toEqual(up);
    app.keys('f');
    await waitLines((n, s) => n.at(-1) === newest && paneFollows.test(s), 'f: the pane follows again');
    printLines(1);
    await waitLines((n) => n.at(-1) === newest, 'following: the new line shown');
    app.keys('Escape');
  });

  it('the new keys are in the help', async () => {
    const help = await app.helpText();
    for (const text of ['PgUp', 'PgDn', 'g/Home', 'G/End', 'follow new lines on/off', 'l, Esc or q closes them']) expect(help).toContain(text);
    app.keys('Escape');
    await waitFor(() => !/─ Keys ─/.test(app.screen()), 'help closed');
  });
});
