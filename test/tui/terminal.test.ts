import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/engine.js';
import { createFixtureRepo } from '../helpers/fixture-repo.js';
import { TmuxApp } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait.js';

const project = `t-term-${crypto.randomBytes(3).toString('hex')}`;
let dataDir: string;
const apps: TmuxApp[] = [];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  expect((await runCli(dataDir, ['project', 'add', '--name', project, '--repo', createFixtureRepo(await freePort()).dir])).code).toBe(0);
});

afterAll(() => apps.forEach((a) => a.kill()));

async function open(env: Record<string, string>): Promise<{ app: TmuxApp; report: { colors: number; unicode: boolean; terminal: string } }> {
  const reportFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'otter-report-')), 'report.json');
  const app = TmuxApp.start(dataDir, { ...env, OTTERSTACK_TUI_REPORT_FILE: reportFile });
  apps.push(app);
  await app.waitForScreen(new RegExp(project), 'project listed');
  const report = await waitFor(() => (fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) : null), 'first-paint report');
  return { app, report };
}

/** SGR colour codes: 30-37/40-47 (and bright 90-97/100-107), 38;5;n / 48;5;n. */
const COLOUR_SGR = /\x1b\[[0-9;]*(?:\b3[0-7]|\b4[0-7]|\b9[0-7]|\b10[0-7]|38;5|48;5)[0-9;]*m/;

describe('terminals over SSH', () => {
  it('tmux-256color gets 256 colours, not the 8-colour fallback', async () => {
    const { app, report } = await open({ TERM: 'tmux-256color', LANG: 'en_US.UTF-8' });
    expect(report).toMatchObject({ colors: 256, unicode: true, terminal: 'xterm-256color' });
    expect(app.screen(true)).toMatch(COLOUR_SGR);
    await waitFor(() => /refreshed/.test(app.screen()), 'a refresh');
    expect(app.screen()).not.toMatch(/low disk/);
    app.keys('q');
    expect(await app.exitCode()).toBe(0);
  });

  it('screen works with 8 colours; the title warns of a disk below minFreeDiskGiB', async () => {
    const { app, report } = await open({ TERM: 'screen', LANG: 'C.UTF-8', OTTERSTACK_MIN_FREE_DISK_GIB: '1000000' });
    expect(report).toMatchObject({ colors: 8, terminal: 'xterm' });
    expect(app.screen()).toMatch(/○ not deployed/);
    await app.waitForScreen(/low disk: [\d.]+ GiB free on the data dir/, 'the low-disk warning');
    app.keys('q');
    expect(await app.exitCode()).toBe(0);
  });

  it('NO_COLOR: no colour escapes at all, selection still visible', async () => {
    const { app } = await open({ TERM: 'xterm-256color', LANG: 'C.UTF-8', NO_COLOR: '1' });
    const raw = app.screen(true);
    expect(raw).not.toMatch(COLOUR_SGR);
    expect(raw).toMatch(/\x1b\[[0-9;]*7[0-9;]*m/); // inverse video marks the selection and bars
    app.keys('q');
    expect(await app.exitCode()).toBe(0);
  });

  it('LANG=C: ASCII badges, still readable', async () => {
    const { app, report } = await open({ TERM: 'xterm-256color', LANG: 'C', LC_ALL: 'C' });
    expect(report.unicode).toBe(false);
    const screen = app.screen();
    expect(screen).toMatch(new RegExp(`${project}\\s+- not deployed`));
    expect(screen).not.toMatch(/[●○✗◐]/);
    app.keys('q');
    expect(await app.exitCode()).toBe(0);
  });

  it('SIGTERM restores the terminal and exits 143', async () => {
    const { app } = await open({ TERM: 'xterm-256color', LANG: 'C.UTF-8' });
    expect(app.terminalState().alternate).toBe(true);
    const shellPid = app.panePid();
    const child = fs.readFileSync(`/proc/${shellPid}/task/${shellPid}/children`, 'utf8').trim().split(/\s+/).map(Number)[0]!;
    process.kill(child, 'SIGTERM');
    expect(await app.exitCode()).toBe(143);
    expect(app.terminalState()).toEqual({ alternate: false, cursorVisible: true });
  });
});
