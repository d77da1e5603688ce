import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { freePort, httpGet, purgeProject } from '../helpers/engine.js';
import { appCompose, createFixtureRepo, git, type FixtureRepo } from '../helpers/fixture-repo.js';
import { deployments } from '../helpers/state.js';
import { TmuxApp } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait.js';

const suffix = crypto.randomBytes(3).toString('hex');
const web = `t-tui-web-${suffix}`;
const other = `t-tui-zeta-${suffix}`;
let dataDir: string;
let repo: FixtureRepo;
let port: number;
let app: TmuxApp;

/** The status bar (last line) names the selected project. */
const selectedName = (screen: string) => /\s(t-tui-\S+): /.exec(screen.trimEnd().split('\n').at(-1) ?? '')?.[1];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  port = await freePort();
  repo = createFixtureRepo(port);
  // A release that asks for the host: its confirmation must say so before anything runs.
  git(repo.dir, ['checkout', '-q', '-b', 'risky', repo.shas.v1!]);
  fs.writeFileSync(path.join(repo.dir, 'compose.yaml'), appCompose({ port, version: 'risky' }).replace('    init: true\n', '    init: true\n    privileged: true\n'));
  git(repo.dir, ['commit', '-q', '-am', 'risky']);
  git(repo.dir, ['tag', 'risky']);
  git(repo.dir, ['checkout', '-q', 'main']);
  for (const name of [web, other]) expect((await runCli(dataDir, ['project', 'add', '--name', name, '--repo', name === web ? repo.dir : createFixtureRepo(await freePort()).dir])).code).toBe(0);
  // A notification backend that is down: its failed deliveries must show in the TUI.
  expect((await runCli(dataDir, ['notify', 'add', `webhook=http://127.0.0.1:${await freePort()}/hook`])).code).toBe(0);
  app = TmuxApp.start(dataDir, { TERM: 'xterm-256color', LANG: 'C.UTF-8' });
});

afterAll(() => {
  app?.kill();
  purgeProject(web);
  purgeProject(other);
});

describe('the TUI in a real terminal against the real engine', () => {
  it('opens with every project listed and navigates with j/k and arrows', async () => {
    const screen = await app.waitForScreen(new RegExp(`${other}`), 'both projects listed');
    expect(screen).toMatch(/OtterStack\s+2\/2 projects/);
    expect(screen).toContain(web);
    expect(screen).toMatch(/┌─ Projects/);
    expect(selectedName(screen)).toBe(web);
    app.keys('j');
    await app.waitForScreen(new RegExp(`\\s${other}: `), 'selection moved down');
    app.keys('Up');
    await app.waitForScreen(new RegExp(`\\s${web}: `), 'selection moved up');
  });

  it('deploys a typed tag through the modal, shows progress, refuses a second deploy, becomes healthy', async () => {
    app.keys('d');
    await app.waitForScreen(/type a ref \(tag, branch or SHA\)/, 'deploy picker');
    expect(app.screen()).toMatch(/tag\s+v1\s/);
    app.keys('Enter');
    await app.waitForScreen(/Ref \(tag, branch or SHA\):/, 'ref prompt');
    app.type('v1');
    app.keys('Enter');
    const preview = await app.waitForScreen(/Deploy v1 \(\w{7}\) to/, 'commit preview');
    expect(preview).toMatch(/nothing is running yet/);
    expect(preview).toMatch(new RegExp(`\\+ ${repo.shas.v1!.slice(0, 7)} v1`));
    app.keys('Enter');
    await app.waitForScreen(/deploy v1 — .*\(running\)/, 'progress view');
    app.keys('d');
    await app.waitForScreen(new RegExp(`project ${web} is busy: deploy v1 started .* \\(PID \\d+\\)`), 'second deploy refused');
    app.keys('Escape');
    await app.waitForScreen(/web: running\/healthy/, 'container health in the progress view', 60_000);
    await app.waitForScreen(new RegExp(`${web}\\s+● healthy\\s+v1`), 'project row healthy', 30_000);
    expect(await httpGet(port)).toBe('v1');
  });

  it('rolls back through the modal after a second deploy', async () => {
    app.keys('d');
    await app.waitForScreen(/type a ref/, 'deploy picker');
    app.keys('Enter');
    await app.waitForScreen(/Ref \(tag, branch or SHA\):/, 'ref prompt');
    app.type('feature');
    app.keys('Enter');
    await app.waitForScreen(/Deploy feature \(\w{7}\) to/, 'preview');
    app.keys('Enter');
    await app.waitForScreen(new RegExp(`${web}\\s+● healthy\\s+feature`), 'feature healthy', 60_000);
    expect(await httpGet(port)).toBe('feature');

    app.keys('r');
    await app.waitForScreen(new RegExp(`Roll back ${web}`), 'rollback picker');
    expect(app.screen()).toMatch(new RegExp(`${repo.shas.v1!.slice(0, 7)}\\s+v1`));
    app.keys('Enter');
    await app.waitForScreen(/Roll back to v1/, 'rollback confirmation');
    app.keys('Enter');
    await app.waitForScreen(new RegExp(`${web}\\s+● healthy\\s+v1`), 'v1 healthy again', 60_000);
    expect(await httpGet(port)).toBe('v1');
    const rows = deployments(dataDir, web);
    expect(rows.at(-1)).toMatchObject({ git_ref: 'v1', status: 'active' });
    expect(await waitFor(() => /rollback\s+active/.test(app.screen()), 'history pane shows the rollback')).toBe(true);
  });

  it("the deploy confirmation shows validation's warnings and a ref that will fail, before anything runs", async () => {
    const confirmFor = async (ref: string) => {
      app.keys('d');
      await app.waitForScreen(/type a ref/, 'deploy picker');
      app.keys('Enter');
      await app.waitForScreen(/Ref \(tag, branch or SHA\):/, 'ref prompt');
      app.type(ref);
      app.keys('Enter');
      return app.waitForScreen(new RegExp(`Deploy ${ref} \\(\\w{7}\\) to`), `${ref} confirmation`);
    };
    const risky = await confirmFor('risky');
    expect(risky).toMatch(/warning: service web runs privileged: it has full access to the host/);
    app.keys('Escape');
    const broken = await confirmFor('v4');
    expect(broken).toMatch(/will fail: .*(yaml|YAML|compose)/);
    app.keys('Escape');
    await app.waitForScreen(new RegExp(`${web}\\s+● healthy\\s+v1`), 'still v1, nothing deployed');
    expect(deployments(dataDir, web).at(-1)).toMatchObject({ git_ref: 'v1', status: 'active' });
  });

  it('the Environment view sets a variable (typed hidden), offers the redeploy, and the new release turns healthy', async () => {
    const value = `tui-secret-${suffix}-value`;
    app.keys('e');
    await app.waitForScreen(new RegExp(`Environment of ${web} \\(config v0\\)`), 'environment view');
    app.keys('Enter');
    await app.waitForScreen(/Name:/, 'name prompt');
    app.type('TUI_SETTING');
    app.keys('Enter');
    await app.waitForScreen(/Value \(typed hidden\):/, 'value prompt');
    app.type(value);
    await app.waitForScreen(new RegExp(`\\*{${value.length}}`), 'value shown as stars');
    expect(app.screen()).not.toContain(value);
    app.keys('Enter');
    const offer = await app.waitForScreen(new RegExp(`Redeploy ${web}\\?`), 'redeploy offer');
    expect(offer).toMatch(/config v1: \+TUI_SETTING/);
    app.keys('Enter');
    const rows = await waitFor(() => {
      const last = deployments(dataDir, web).at(-1);
      return last?.status === 'active' && /-c1$/.test(last.compose_project) ? last : null;
    }, 'config-only release active', 60_000);
    expect(rows.git_ref).toBe('v1');
    await app.waitForScreen(new RegExp(`${web}\\s+● healthy\\s+v1`), 'healthy again');
    expect(await httpGet(port)).toBe('v1');
    app.keys('e');
    const masked = await app.waitForScreen(new RegExp(`Environment of ${web} \\(config v1\\)`), 'environment view again');
    expect(masked).toMatch(/TUI_SETTING\s+\*\*\*\*ue/);
    expect(masked).not.toContain(value);
    app.keys('Escape');
    // The history pane says the release ran with changed configuration, by name only.
    await app.waitForScreen(/config v1: \+TUI_SETTING/, 'config change in the history pane');
  });

  it('filters projects with /, and clears the filter with Esc', async () => {
    app.keys('/');
    await app.waitForScreen(/Show projects whose name or ref contains/, 'filter prompt');
    app.type('zeta');
    await app.press('Enter');
    // The list filters as it is typed: wait for the dialog to close, not for the list.
    await waitFor(() => !/Show projects whose/.test(app.screen()), 'filter dialog closed');
    const filtered = await app.waitForScreen(new RegExp(`1/2 projects\\s+filter: zeta[^]*Logs — ${other}`), 'filtered list');
    expect(filtered).toContain(other);
    const projectsPane = filtered.slice(filtered.indexOf('┌─ Projects'), filtered.indexOf('└'));
    expect(projectsPane).not.toContain(web);
    // The other panes follow the selection: no logs of the filtered-out project remain.
    expect(filtered).not.toMatch(/serving v1/);
    app.keys('Escape');
    await app.waitForScreen(/2\/2 projects/, 'filter cleared');
  });

  it('shows undelivered notifications in the title and lists them with n', async () => {
    await app.waitForScreen(/notification\(s\) undelivered \(n\)/, 'undelivered notifications flagged');
    app.keys('n');
    const dialog = await app.waitForScreen(/┤? ?Notifications/, 'notifications dialog');
    expect(dialog).toMatch(new RegExp(`${web}\\s+deploy_succeeded\\s+pending after \\d+ attempt\\(s\\): fetch failed`));
    app.keys('Escape');
    await waitFor(() => !/pending after/.test(app.screen()), 'dialog closed');
  });

  it('opens the help overlay listing every key', async () => {
    const help = await app.helpText();
    for (const line of ['deploy a tag, branch or SHA', 'roll back to an earlier release', 'prune old releases', 'add a project', 'remove the project', 'filter projects', 'quit']) {
      expect(help).toContain(line);
    }
    app.keys('Escape');
    await waitFor(() => !/─ Keys ─/.test(app.screen()), 'help closed');
  });

  it('re-lays out on resize', async () => {
    app.tmux(['resize-window', '-t', 'app', '-x', '100', '-y', '30']);
    const screen = await app.waitForScreen(/^┌─ Projects ─+┐$/m, 'redrawn at 100 columns');
    const top = screen.split('\n').find((l) => l.startsWith('┌─ Projects'))!;
    expect([...top].length).toBe(100);
  });

  it('quits with q: exit code 0 and the terminal restored', async () => {
    app.keys('q');
    expect(await app.exitCode()).toBe(0);
    expect(app.terminalState()).toEqual({ alternate: false, cursorVisible: true });
  });
});
