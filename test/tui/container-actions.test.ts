import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { docker, freePort, purgeProject } from '../helpers/engine.js';
import { createHealthyRepo } from '../helpers/fixture-repo.js';
import { deployments } from '../helpers/state.js';
import { TmuxApp } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Issue #15, container actions and the command line: in the Containers pane R restarts the
 * selected container, T stops it (after a confirmation) and starts it again, s opens a shell and
 * comes back, i shows its state and the release's resolved compose config with secrets masked;
 * `:deploy v2` deploys through the same preview and confirmation as d.
 */
const suffix = crypto.randomBytes(3).toString('hex');
const name = `t-ca-${suffix}`;
// A project variable injected into the service: long enough to be masked by value wherever it shows.
const secret = `greeting-${crypto.randomBytes(6).toString('hex')}`;
let dataDir: string;
let v1Sha: string;
let app: TmuxApp;

/** The active release's one container, by the engine. */
function webContainer(): string {
  const cp = deployments(dataDir, name).find((d) => d.status === 'active')!.compose_project;
  return docker(['ps', '-aq', '--no-trunc', '--filter', `label=com.docker.compose.project=${cp}`]).split('\n')[0]!;
}
const state = (id: string) => JSON.parse(docker(['inspect', '--format', '{{json .State}}', id])) as { Running: boolean; StartedAt: string };

/** The status bar (the last line). */
const statusBar = (screen: string) => screen.trimEnd().split('\n').at(-1) ?? '';

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  const repo = createHealthyRepo(await freePort(), ['v1', 'v2']);
  v1Sha = repo.shas.v1!;
  expect((await runCli(dataDir, ['project', 'add', '--name', name, '--repo', repo.dir])).code).toBe(0);
  expect((await runCli(dataDir, ['env', 'set', name, `OTTER_GREETING=${secret}`, '--service', 'web'])).code).toBe(0);
  expect((await runCli(dataDir, ['deploy', name, '--ref', 'v1'])).code).toBe(0);
  app = TmuxApp.start(dataDir, { TERM: 'xterm-256color', LANG: 'C.UTF-8' });
  await app.waitForScreen(new RegExp(`${name}\\s+● healthy\\s+v1`), 'project healthy');
});

afterAll(() => {
  app?.kill();
  purgeProject(name);
});

describe('container actions and the command line', () => {
  it('outside the Containers pane the container keys say where to go', async () => {
    app.keys('R');
    await waitFor(() => /select a container first \(Tab to Containers\)/.test(statusBar(app.screen())), 'hint in the status bar', 10_000);
    expect(state(webContainer()).Running).toBe(true);
  });

  it('i shows the state and the resolved config, with the secret masked', async () => {
    app.keys('Tab');
    await app.waitForScreen(/Containers — .*otterstack-/, 'containers pane');
    // The value really is in the container: the dialog masks it, it is not merely absent.
    expect(docker(['inspect', '--format', '{{json .Config.Env}}', webContainer()])).toContain(secret);
    app.keys('i');
    const shown = await app.waitForScreen(/resolved compose configuration \(secrets masked\)/, 'inspect dialog');
    expect(shown).toMatch(/state\s+running\s+health healthy/);
    // Scroll through the whole config: the secret never appears, its name does, masked.
    let seen = shown;
    for (let i = 0; i < 6 && !/OTTER_GREETING: "?\*\*\*\*/.test(seen); i++) {
      app.keys('PageDown');
      seen = await app.waitForScreen(/Enter\/Esc close/, 'still open');
      expect(seen).not.toContain(secret);
    }
    expect(seen).toMatch(/OTTER_GREETING: "?\*\*\*\*/);
    expect(seen).not.toContain(secret);
    expect(seen).not.toContain('supersecret-v1');
    app.keys('Escape');
    await waitFor(() => !/resolved compose configuration/.test(app.screen()), 'inspect closed', 10_000);
  });

  it('R restarts the container', async () => {
    const id = webContainer();
    const before = state(id).StartedAt;
    app.keys('R');
    await waitFor(() => state(id).StartedAt !== before && state(id).Running, 'a new StartedAt', 60_000);
    await waitFor(() => /restarted web/.test(statusBar(app.screen())), 'restarted in the status bar', 10_000);
  });

  it('T stops after the confirmation, s then says it is not running, T starts it again', async () => {
    const id = webContainer();
    app.keys('T');
    await app.waitForScreen(/Stop web \(/, 'stop confirmation');
    expect(state(id).Running).toBe(true);
    app.keys('Enter');
    await waitFor(() => !state(id).Running, 'container stopped', 60_000);
    await app.waitForScreen(new RegExp(`${name}\\s+✗ down`), 'project shown down');

    app.keys('s');
    await app.waitForScreen(/Error[^]*is not running/, 'no shell in a stopped container');
    app.keys('Escape');

    app.keys('T');
    await app.waitForScreen(/Start web \(/, 'start confirmation');
    app.keys('Enter');
    await waitFor(() => state(id).Running, 'container running again', 60_000);
    await app.waitForScreen(new RegExp(`${name}\\s+● healthy`), 'healthy again', 60_000);
  });

  it('s opens a shell in the container and exit returns to the dashboard', async () => {
    app.keys('s');
    await app.waitForScreen(/^\/ #\s*$/m, 'shell prompt');
    app.type('echo marker-$((6*7))');
    app.keys('Enter');
    const inShell = await app.waitForScreen(/^marker-42\s*$/m, 'the command ran in the container');
    // The shell has the terminal's normal screen to itself: no dashboard drawn around it.
    expect(inShell).not.toMatch(/OtterStack|Containers — /);
    expect(app.terminalState().alternate).toBe(false);
    app.type('exit');
    app.keys('Enter');
    const back = await app.waitForScreen(/OtterStack[^]*Containers — /, 'dashboard redrawn');
    expect(back).not.toContain('marker-42');
    expect(app.terminalState().alternate).toBe(true);
    await waitFor(() => /left the shell in web/.test(statusBar(app.screen())), 'back in the status bar', 10_000);
    // The keyboard is the dashboard's again.
    app.keys('?');
    await app.waitForScreen(/The selected container \(Containers pane[^]*restart the selected container/, 'help lists the container keys');
    app.keys('Escape');
  });

  it(': says what is valid for an unknown command', async () => {
    app.keys(':');
    await app.waitForScreen(/A command \(:help lists them\)/, 'command line');
    app.type('frobnicate');
    app.keys('Enter');
    await app.waitForScreen(/unknown command "frobnicate": valid are deploy, rollback, prune, logs, remove/, 'error with the valid verbs');
    app.keys('Escape');
  });

  it(':deploy v2, completed with Tab, deploys through the confirmation', async () => {
    app.keys(':');
    await app.waitForScreen(/A command \(:help lists them\)/, 'command line');
    app.type('dep');
    app.keys('Tab');
    app.type('v');
    app.keys('Tab');
    // Two refs start with v: Tab lists them.
    await app.waitForScreen(/v1 {2}v2|v2 {2}v1/, 'ref candidates');
    app.type('2');
    await app.waitForScreen(/│ deploy v2 +│/, 'completed line');
    app.keys('Enter');
    await app.waitForScreen(new RegExp(`Deploy v2 \\(\\w{7}\\) to ${name}`), 'the deploy confirmation');
    app.keys('Enter');
    await waitFor(() => deployments(dataDir, name).find((d) => d.git_ref === 'v2' && d.status === 'active'), 'v2 active', 90_000);
    await app.waitForScreen(new RegExp(`${name}\\s+● healthy\\s+v2`), 'v2 healthy');
  });

  it(':logs opens the full-screen logs; :rollback <sha> rolls back through the confirmation', async () => {
    app.keys(':');
    await app.waitForScreen(/A command \(:help lists them\)/, 'command line');
    app.type('logs');
    app.keys('Enter');
    // Full screen: the logs' frame is right under the title bar, where the Projects pane was.
    await app.waitForScreen(new RegExp(`^.*\\n┌─ Logs — ${name} \\(`), 'full-screen logs');
    app.keys('Escape');
    await app.waitForScreen(/^.*\n┌─ Projects/, 'logs closed', 10_000);

    app.keys(':');
    await app.waitForScreen(/A command \(:help lists them\)/, 'command line');
    app.type(`rollback ${v1Sha.slice(0, 7)}`);
    app.keys('Enter');
    await app.waitForScreen(/Roll back to v1 \(\w{7}\)\?/, 'the rollback confirmation');
    app.keys('Enter');
    // A new row: the rollback, not the first deploy of v1 (superseded by v2).
    await waitFor(() => {
      const last = deployments(dataDir, name).at(-1);
      return last?.git_ref === 'v1' && last.status === 'active' ? last : null;
    }, 'v1 active again', 90_000);
    await app.waitForScreen(new RegExp(`${name}\\s+● healthy\\s+v1`), 'v1 healthy');
  });

  it(':q quits', async () => {
    app.keys(':');
    await app.waitForScreen(/A command \(:help lists them\)/, 'command line');
    app.type('q');
    app.keys('Enter');
    expect(await app.exitCode()).toBe(0);
  });
});
