import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { docker, freePort, purgeProject, TEST_IMAGE } from '../helpers/engine.js';
import { createFixtureRepo, git } from '../helpers/fixture-repo.js';
import { deployments } from '../helpers/state.js';
import { TmuxApp } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Issue #15 items 2–4: the full-screen logs and the Logs pane (toggle, keep the project, scroll,
 * follow); item 14 and "Logs": lines in time order, search, wrap, timestamps, since, service.
 */
const suffix = crypto.randomBytes(3).toString('hex');
const logs = `t-tui-logs-${suffix}`;
const quiet = `t-tui-quiet-${suffix}`;
const FIRST_LINES = 120;
let dataDir: string;
let app: TmuxApp;
let container: string;
let side: string;
/** Whether the logs project is listed above the other one. */
let listedFirst: boolean;

/**
 * A release whose `app` container prints `line 001` … `line 120` and then waits (init: stops at
 * once); its `side` container prints nothing unless a test makes it (the service filter).
 */
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
  side:
    image: ${TEST_IMAGE}
    init: true
    command: ["sleep", "86400"]
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

function serviceContainer(composeProject: string, service: string): string {
  const id = docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${composeProject}`, '--filter', `label=com.docker.compose.service=${service}`]).trim();
  expect(id, `the ${service} container of ${composeProject}`).toMatch(/^\w+$/);
  return id;
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
  const release = deployments(dataDir, logs).at(-1)!.compose_project;
  container = serviceContainer(release, 'app');
  side = serviceContainer(release, 'side');
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

/** Types a search in the log view's dialog. */
async function search(text: string): Promise<void> {
  app.keys('/');
  await app.waitForScreen(/Search the logs/, 'the search dialog');
  app.type(text);
  app.keys('Enter');
  await waitFor(() => !/Search the logs/.test(app.screen()), 'search dialog closed');
}

/** The screen row shown inverse (the search match), without escapes. */
function markedLine(): string {
  const row = app.screen(true).split('\n').find((l) => /\x1b\[(?:[\d;]*;)?7(?:;[\d;]*)?m/.test(l));
  return (row ?? '').replace(/\x1b\[[\d;]*m/g, '');
}

const ORDER = 16;
const ORDERED = Array.from({ length: ORDER }, (_, i) => `order ${String(i + 1).padStart(2, '0')} ${i % 2 === 0 ? 'out' : 'err'}`);

/** Once the label says `window` and every `order NN` line is on screen: those lines, top to bottom. */
async function waitOrder(window: string, what: string): Promise<string[]> {
  const screen = await app.waitForScreen(new RegExp(`\\[${window},[^]*order ${ORDER} `), what);
  return [...screen.matchAll(/order \d\d (?:out|err)/g)].map((m) => m[0]);
}

/** Picks `item` in the dialog a key opened (rows `│ ● item`): moves down to its row (the list starts at the top). */
async function pickItem(key: string, title: RegExp, item: string): Promise<void> {
  app.keys(key);
  const screen = await app.waitForScreen(title, `the ${key} picker`);
  const items = screen.split('\n').map((l) => /│ [● ] ([^\s│].*?)\s*│/.exec(l)?.[1]).filter((x): x is string => Boolean(x));
  const index = items.indexOf(item);
  expect(index, `${item} in ${JSON.stringify(items)}`).toBeGreaterThanOrEqual(0);
  app.keys(...Array<string>(index).fill('j'), 'Enter');
  await waitFor(() => !title.test(app.screen()), 'picker closed');
}

const pickWindow = (label: string) => pickItem('o', /Logs since/, label);
const pickService = (label: string) => pickItem('v', /─ Logs of /, label);

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

  it('/ in the logs finds a line: marked (inverse) at the top, following paused; n/N go to the next/previous match', async () => {
    await openFullLogs();
    await search('line 042');
    await waitLines((n, s) => n[0] === 42 && /\[\/line 042 1\/1,/.test(s) && paused(s), 'line 042 at the top, match 1 of 1, paused');
    expect(markedLine()).toContain('line 042');
    // From the top line (042) on: the next line containing "line 05" is 050.
    await search('line 05');
    await waitLines((n, s) => n[0] === 50 && /\[\/line 05 1\/10,/.test(s), 'line 050 at the top, match 1 of 10');
    expect(markedLine()).toContain('line 050');
    app.keys('n');
    await waitLines((n, s) => n[0] === 51 && /\[\/line 05 2\/10,/.test(s), 'n: line 051, match 2 of 10');
    expect(markedLine()).toContain('line 051');
    app.keys('N', 'N');
    // Back to 050, then around the start to the last match.
    await waitLines((n, s) => /\[\/line 05 10\/10,/.test(s) && n.includes(59), 'N N: wrapped back to line 059, match 10 of 10');
    expect(markedLine()).toContain('line 059');
    // An empty search clears it: no mark, no search in the label.
    await search('');
    await app.waitForScreen(/\[last 500 lines,/, 'search cleared');
    expect(markedLine()).toBe('');
    await backToDashboard('Escape');
  });

  it('/ and n search only in the logs: in the focused Logs pane they search, on the projects they filter and show notifications', async () => {
    app.keys('/');
    await app.waitForScreen(/Filter projects/, 'the projects filter');
    app.keys('Escape');
    await waitFor(() => !/Filter projects/.test(app.screen()), 'filter closed');
    app.keys('n');
    await app.waitForScreen(/─ Notifications /, 'the notifications');
    app.keys('Escape');
    await waitFor(() => !/─ Notifications /.test(app.screen()), 'notifications closed');
    app.keys('Tab', 'Tab', 'Tab');
    app.keys('/');
    await app.waitForScreen(/Search the logs/, 'in the Logs pane: the log search');
    app.type('line 100');
    app.keys('Enter');
    await app.waitForScreen(new RegExp(`Logs — ${logs} \\(paused[^]*line 100`), 'the pane paused on line 100');
    await search('');
    app.keys('f');
    await app.waitForScreen(new RegExp(`Logs — ${logs} \\(follow\\) \\[last 500 lines,`), 'the pane follows, no search');
    app.keys('Escape');
  });

  it('w turns wrapping of long lines off and on, t the timestamps on and off; the label says which', async () => {
    const long = `long ${'abcdefghij'.repeat(14)} wrapped-tail`;
    docker(['exec', container, 'sh', '-c', 'printf "%s\\n" "$1" > /proc/1/fd/1', 'sh', long]);
    await openFullLogs();
    await app.waitForScreen(/wrap on, timestamps off[^]*wrapped-tail/, 'the long line, wrapped');
    app.keys('w');
    const unwrapped = await app.waitForScreen(/wrap off, timestamps off/, 'wrap off');
    expect(unwrapped).toContain('long abcdefghij');
    expect(unwrapped).not.toContain('wrapped-tail');
    app.keys('w');
    await app.waitForScreen(/wrap on[^]*wrapped-tail/, 'wrapped again');
    const stamped = /app\s+\| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+Z line \d{3}/;
    expect(app.screen()).not.toMatch(stamped);
    app.keys('t');
    await app.waitForScreen(new RegExp(`timestamps on[^]*${stamped.source}`), 'timestamps shown');
    app.keys('t');
    const plain = await app.waitForScreen(/timestamps off/, 'timestamps hidden');
    expect(plain).not.toMatch(stamped);
    expect(plain).toMatch(/app\s+\| line \d{3}/);
    await backToDashboard('Escape');
  });

  it('stdout and stderr lines show in the order the container printed them, followed and re-read (o: since)', async () => {
    // Alternately to its stdout and its stderr, far enough apart that docker, which stamps each stream as it reads it, orders them even on a loaded machine.
    docker(['exec', container, 'sh', '-c', `for i in $(seq 1 ${ORDER}); do if [ $((i % 2)) = 1 ]; then printf 'order %02d out\\n' $i > /proc/1/fd/1; else printf 'order %02d err\\n' $i > /proc/1/fd/2; fi; sleep 0.3; done`]);
    // (The order lines take most of the view: not openFullLogs, which wants many numbered lines.)
    app.keys('l');
    await waitFor(() => inFullLogs(app.screen()), 'full-screen logs open');
    expect(await waitOrder('last 500 lines', 'the followed lines')).toEqual(ORDERED);
    // A new window re-reads the past output of stdout and stderr: merged by time.
    await pickWindow('last 5 min');
    expect(await waitOrder('last 5 min', 'the re-read lines')).toEqual(ORDERED);
    await pickWindow('last 500 lines');
    await backToDashboard('Escape');
  });

  it('v shows one service\'s logs, or all', async () => {
    docker(['exec', side, 'sh', '-c', "for i in 1 2 3; do echo \"side says $i\"; done > /proc/1/fd/1"]);
    app.keys('l');
    // (Few numbered lines are left in sight under the lines of the tests above: not openFullLogs.)
    await app.waitForScreen(new RegExp(`┌─ Logs — ${logs} [^]*line \\d{3}[^]*side\\s+\\| side says 3`), 'the side service\'s lines with the others');
    await pickService('side');
    const only = await app.waitForScreen(/service side,[^]*side says 1[^]*side says 3/, 'only the side service');
    expect(numbers(only)).toEqual([]);
    await pickService('all services');
    await waitLines((n, s) => /all services/.test(s) && n.at(-1) === newest, 'all services again');
    await backToDashboard('Escape');
  });

  it('the new keys are in the help', async () => {
    const help = await app.helpText();
    for (const text of ['PgUp', 'PgDn', 'g/Home', 'G/End', 'follow new lines on/off', 'l, Esc or q closes them']) expect(help).toContain(text);
    app.keys('Escape');
    await waitFor(() => !/─ Keys ─/.test(app.screen()), 'help closed');
  });
});
