import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { docker, freePort, purgeProject } from '../helpers/engine.js';
import { appCompose, git } from '../helpers/fixture-repo.js';
import { deployments } from '../helpers/state.js';
import { TmuxApp } from '../helpers/tmux.js';

/**
 * Issue #15 item 7: a deploy another process runs (CI, a colleague over SSH) shows in the TUI as
 * deploying, with the ref, the PID and who started it, instead of looking like an outage.
 */
const suffix = crypto.randomBytes(3).toString('hex');
const project = `t-tui-other-${suffix}`;
let dataDir: string;
let app: TmuxApp;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
  git(repo, ['init', '-q', '-b', 'main']);
  // A pre_deploy hook that takes a while: the deploy stays in progress until the test ends it.
  const slow = '    pre_deploy: { service: web, command: ["sleep", "120"], timeout: 5m }\n';
  fs.writeFileSync(path.join(repo, 'compose.yaml'), `x-otterstack:\n  hooks:\n${slow}${appCompose({ port: await freePort(), version: 'slow' })}`);
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-qm', 'slow']);
  git(repo, ['tag', 'slow']);
  expect((await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo])).code).toBe(0);
  app = TmuxApp.start(dataDir, { TERM: 'xterm-256color', LANG: 'C.UTF-8' });
});

afterAll(() => {
  app?.kill();
  purgeProject(project);
});

describe('operations of other processes in the TUI', () => {
  it('shows a deploy from another shell as deploying, with ref, pid and user; an interrupted one leaves nothing', async () => {
    await app.waitForScreen(new RegExp(project), 'project listed');
    const run = startCli(dataDir, ['deploy', project, '--ref', 'slow'], { USER: 'alice', SUDO_USER: '' });
    await run.waitForLine(/running pre_deploy/, 60_000);
    const screen = await app.waitForScreen(new RegExp(`${project}\\s+◐ deploying\\s+→ slow \\(pid ${run.pid}, by alice\\)`), 'deploying row from the other process', 30_000);
    expect(screen).not.toMatch(/✗ down|○ stopped/);
    // Its stages, live from its operation log, in the bottom pane (which would otherwise show logs).
    const progress = await app.waitForScreen(new RegExp(`deploy slow — ${project} \\(running in PID ${run.pid}, by alice`), 'the other process\'s progress pane', 30_000);
    expect(progress).toMatch(/\d+(ms|\.\ds)\s+worktree\s+checking out/);
    expect(progress).toMatch(/elapsed \d/);
    // Lines the other process writes later arrive as it writes them (the file is watched).
    await app.waitForScreen(/hook\s+running pre_deploy/, 'the hook stage, live', 30_000);
    run.kill('SIGTERM');
    const res = await run.done;
    expect(res.code).toBe(143);
    await app.waitForScreen(new RegExp(`${project}\\s+○ not deployed`), 'row no longer deploying', 30_000);
    expect(deployments(dataDir, project).map((d) => d.status)).toEqual(['interrupted']);
    // The hook's one-off container went with it.
    expect(docker(['ps', '-a', '--format', '{{.Names}}']).split('\n').filter((n) => n.includes(project))).toEqual([]);
  }, 180_000);
});
