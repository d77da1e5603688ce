import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { containersOf, freePort, purgeProject, TEST_IMAGE } from '../helpers/engine.js';
import { appCompose, git } from '../helpers/fixture-repo.js';
import { deployments } from '../helpers/state.js';
import { TmuxApp } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait.js';
import { DataPaths } from '../../src/services/paths.js';
import { tryAcquire } from '../../src/services/locks.js';

/**
 * Issue #15 items 8, 12, 17, 18, 20 and 21, with real deploys: the deploy picker marks the running
 * ref and refs that failed, and warns when another process holds the lock; a failed deploy's
 * message replaces "deploying…"; History's Enter shows the whole row; prune shows what goes and
 * asks; quitting during a deploy says it is undoing; removing says it is done.
 */
const suffix = crypto.randomBytes(3).toString('hex');
const project = `t-ops-${suffix}`;
let dataDir: string;
let repoDir: string;
const shas: Record<string, string> = {};
const apps: TmuxApp[] = [];

function start(): TmuxApp {
  const app = TmuxApp.start(dataDir, { TERM: 'xterm-256color', LANG: 'C.UTF-8' });
  apps.push(app);
  return app;
}

async function ready(app: TmuxApp): Promise<void> {
  await app.waitForScreen(new RegExp(project), 'project listed');
  await waitFor(() => app.state()?.selected === project, 'project selected');
}

/** d, the typed-ref row, the ref, and Enter on the confirmation: the deploy starts. */
async function deployTyped(app: TmuxApp, ref: string): Promise<void> {
  await app.press('d');
  await app.waitForScreen(/type a ref/, 'deploy picker');
  await app.press('Enter');
  await app.waitForScreen(/Ref \(tag, branch or SHA\)/, 'ref input');
  app.type(ref);
  await app.press('Enter');
  await app.waitForScreen(new RegExp(`Deploy .*${ref}`), 'confirmation');
  await app.press('Enter');
}

const statusBar = (app: TmuxApp) => app.screen().trimEnd().split('\n').at(-1) ?? '';

function commit(tag: string, compose: string): void {
  fs.writeFileSync(path.join(repoDir, 'compose.yaml'), compose);
  git(repoDir, ['add', '-A']);
  git(repoDir, ['commit', '-q', '-m', tag]);
  git(repoDir, ['tag', tag]);
  shas[tag] = git(repoDir, ['rev-parse', 'HEAD']);
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  repoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
  git(repoDir, ['init', '-q', '-b', 'main']);
  const port = await freePort();
  commit('v1', appCompose({ port, version: 'v1' }));
  commit('v2', appCompose({ port, version: 'v2' }));
  // An image no registry serves (a closed local port): compose up fails at once.
  commit('broken', `services:\n  web:\n    image: 127.0.0.1:1/otterstack-none:latest\n`);
  // Never healthy but never failing either (its start period): a deploy that waits.
  commit('slow', `services:\n  web:\n    image: ${TEST_IMAGE}\n    init: true\n    command: ["sleep", "3600"]\n    healthcheck:\n      test: ["CMD", "false"]\n      interval: 1s\n      start_period: 600s\n`);
  expect((await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repoDir])).code).toBe(0);
  expect((await runCli(dataDir, ['deploy', project, '--ref', 'v1'])).code).toBe(0);
  expect((await runCli(dataDir, ['deploy', project, '--ref', 'broken'])).code).not.toBe(0);
});

afterEach(() => {
  for (const app of apps.splice(0)) app.kill();
});

afterAll(() => {
  purgeProject(project);
});

describe('operations from the TUI, with what they say', () => {
  it('the deploy picker marks the running ref and a ref that failed, tags first', async () => {
    const app = start();
    await ready(app);
    await app.press('d');
    const picker = await app.waitForScreen(/type a ref/, 'deploy picker');
    const rows = picker.split('\n').filter((l) => /│ (tag|branch) /.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(rows.findIndex((l) => /branch/.test(l))).toBe(rows.length - 1);
    expect(rows.find((l) => /tag\s+v1\s/.test(l))).toMatch(/● running/);
    expect(rows.find((l) => /tag\s+broken\s/.test(l))).toMatch(/✗ failed before/);
    expect(rows.find((l) => /tag\s+v2\s/.test(l))).not.toMatch(/running|failed/);
  });

  it('warns in the picker when another process holds the project lock', async () => {
    const app = start();
    await ready(app);
    // The real lock, held by this test process: another process as far as the TUI can tell.
    const held = tryAcquire(new DataPaths(dataDir).projectLock(project), 'deploy');
    expect(held.ok).toBe(true);
    try {
      await app.press('d');
      const picker = await app.waitForScreen(/type a ref/, 'deploy picker');
      expect(picker).toMatch(new RegExp(`busy: deploy by PID ${process.pid}`));
      expect(picker).toMatch(/will be refused/);
    } finally {
      if (held.ok) held.lock.release();
    }
    await app.press('Escape');
    await waitFor(() => app.state()?.open === 0, 'picker closed');
    await app.press('d');
    const free = await app.waitForScreen(/type a ref/, 'deploy picker again');
    expect(free).not.toMatch(/busy:/);
  });

  it('a failed deploy replaces "deploying…" with its outcome; History Enter shows the whole row', async () => {
    const app = start();
    await ready(app);
    await deployTyped(app, 'broken');
    // The background failure dialog, then the status bar says how it ended, not "deploying".
    await app.waitForScreen(/─ Error ─/, 'failure dialog', 60_000);
    await app.press('Escape');
    await waitFor(() => /deploy broken of t-ops-\S+ failed/.test(statusBar(app)), 'status bar: the deploy failed');
    expect(statusBar(app)).not.toMatch(/deploying broken/);
    // The newest history row is that failure: Enter shows every field, the error uncut.
    const failed = deployments(dataDir, project).at(-1)!;
    expect(failed.status).toBe('failed');
    await app.press('3', 'g', 'Enter');
    const detail = await app.waitForScreen(new RegExp(`Deployment ${failed.id} of ${project}`), 'history detail');
    expect(detail).toMatch(/status\s+failed/);
    expect(detail).toMatch(new RegExp(`commit\\s+${shas.broken}`));
    expect(detail).toMatch(/error\s+\S/);
    expect(detail).toMatch(/operation log \(deploy, failed\)/);
  });

  it('prune shows what it will remove and asks; cancelling removes nothing, confirming removes that', async () => {
    expect((await runCli(dataDir, ['deploy', project, '--ref', 'v2'])).code).toBe(0);
    const v1 = deployments(dataDir, project).find((d) => d.git_ref === 'v1')!.compose_project;
    expect(containersOf(v1).length).toBeGreaterThan(0);
    const app = start();
    await ready(app);
    const ask = async () => {
      await app.press('p');
      await app.waitForScreen(/Releases to keep/, 'keep asked');
      for (let i = 0; i < 3; i++) await app.press('BSpace');
      app.type('1');
      await app.press('Enter');
      return app.waitForScreen(/removes:/, 'prune preview');
    };
    const preview = await ask();
    expect(preview).toContain(`release ${v1}`);
    expect(preview).toMatch(/Volumes and persistent data are never removed/);
    await app.press('Escape');
    await waitFor(() => /prune cancelled: nothing removed/.test(statusBar(app)), 'cancel said');
    expect(containersOf(v1).length).toBeGreaterThan(0);
    await ask();
    await app.press('Enter');
    await waitFor(() => /pruned t-ops-\S+: 1 release/.test(statusBar(app)), 'prune outcome said', 60_000);
    expect(containersOf(v1)).toEqual([]);
  });

  it('quitting during a deploy says it is interrupting and undoing, then exits', async () => {
    const app = start();
    await ready(app);
    await deployTyped(app, 'slow');
    await app.waitForScreen(/waiting for|health/, 'deploy waiting for health', 60_000);
    await app.press('q');
    await app.waitForScreen(/still running/, 'quit asks while an operation runs');
    await app.press('y');
    await app.waitForScreen(/interrupting deploy slow of t-ops-\S+; undoing/, 'interrupting said');
    expect(await app.exitCode(120_000)).toBe(0);
    expect(deployments(dataDir, project).at(-1)).toMatchObject({ git_ref: 'slow', status: 'interrupted' });
  });

  it('removing a project says it is done', async () => {
    const app = start();
    await ready(app);
    await app.press('x');
    await app.waitForScreen(/to confirm removal/, 'remove asks for the name');
    app.type(project);
    await app.press('Enter');
    await app.waitForScreen(/what to clean up/, 'cleanup choice');
    await app.press('Enter');
    await waitFor(() => new RegExp(`removed ${project} \\(its volumes and data kept\\)`).test(app.screen()), 'removal said', 60_000);
  });
});
