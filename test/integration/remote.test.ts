import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runJson, type CliResult } from '../helpers/cli.js';
import { freePort, httpGet, purgeProject } from '../helpers/engine.js';
import { appCompose, createFixtureRepo, git, type FixtureRepo } from '../helpers/fixture-repo.js';
import { publishBare, startGitDaemon, startHttpGitServer, startSilentServer, startSshd, type Peer, type SshPeer } from '../helpers/git-servers.js';
import { deployments } from '../helpers/state.js';

const suffix = crypto.randomBytes(3).toString('hex');
const PASSWORD = `s3cr3t-${suffix}`;
const names = { daemon: `t-url-git-${suffix}`, http: `t-url-http-${suffix}`, ssh: `t-url-ssh-${suffix}`, stdin: `t-url-stdin-${suffix}`, env: `t-url-env-${suffix}` };
let dataDir: string;
let base: string;
let work: FixtureRepo;
let port: number;
let daemon: Peer;
let httpServer: Peer;
let sshd: SshPeer;
let bare: string;
const outputs: string[] = [];

async function cli(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<CliResult> {
  const res = await runCli(dataDir, args, env, input);
  outputs.push(res.stdout, res.stderr);
  return res;
}

/** Nothing of a failed clone may remain: no project row, no clone or temp dir. */
function expectNothingLeft(name: string): void {
  expect(fs.readdirSync(path.join(dataDir, 'repos'))).not.toContainEqual(expect.stringContaining(name));
  expect(fs.readdirSync(path.join(dataDir, 'repos')).filter((f) => f.startsWith('.clone-'))).toEqual([]);
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-served-'));
  port = await freePort();
  work = createFixtureRepo(port);
  bare = publishBare(work.dir, base, 'app');
  [daemon, httpServer, sshd] = await Promise.all([startGitDaemon(base), startHttpGitServer(base, 'otter', PASSWORD), startSshd()]);
});

afterAll(async () => {
  await Promise.all([daemon?.stop(), httpServer?.stop(), sshd?.stop()]);
  Object.values(names).forEach(purgeProject);
});

describe('projects from git URLs (real servers on 127.0.0.1)', () => {
  it('clones from git daemon and deploys; a new tag pushed later is deployable after the next fetch', async () => {
    const url = `git://127.0.0.1:${daemon.port}/app.git`;
    const add = await cli(['project', 'add', '--name', names.daemon, '--repo', url]);
    expect(add.code, add.stderr).toBe(0);
    const clone = path.join(dataDir, 'repos', names.daemon);
    expect(fs.statSync(clone).mode & 0o777).toBe(0o750);
    expect(git(clone, ['config', 'core.hooksPath'])).toBe('/dev/null');
    expect(git(clone, ['rev-parse', '--is-shallow-repository'])).toBe('false');
    expect((await cli(['deploy', names.daemon, '--ref', 'v1'])).code).toBe(0);
    expect(await httpGet(port)).toBe('v1');

    fs.writeFileSync(path.join(work.dir, 'compose.yaml'), appCompose({ port, version: 'v6' }));
    git(work.dir, ['commit', '-qam', 'v6']);
    git(work.dir, ['tag', 'v6']);
    git(work.dir, ['push', '-q', bare, 'main', 'v6']);
    const res = await cli(['deploy', names.daemon, '--ref', 'v6']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/fetch\s+fetching git:\/\/127\.0\.0\.1/);
    expect(await httpGet(port)).toBe('v6');
    // Branches resolve to the remote's, not the clone's stale local branch.
    const main = await cli(['deploy', names.daemon, '--ref', 'main', '--dry-run']);
    expect(main.stdout).toMatch(new RegExp(`main is ${git(work.dir, ['rev-parse', '--short=7', 'main'])}`));

    const show = await runJson<{ clone: { path: string; remote: string; lastFetchResult: string; localChanges: string[] } }>(dataDir, ['project', 'show', names.daemon]);
    expect(show.clone).toMatchObject({ path: clone, remote: url, lastFetchResult: 'ok', localChanges: [] });
  });

  it('detects hand edits in the managed clone; --force proceeds', async () => {
    const clone = path.join(dataDir, 'repos', names.daemon);
    fs.writeFileSync(path.join(clone, 'compose.yaml'), '# edited on the server\n');
    const res = await cli(['deploy', names.daemon, '--ref', 'feature']);
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/1 local change\(s\) in the managed clone .*M compose\.yaml.*discard them or pass --force/);
    const forced = await cli(['deploy', names.daemon, '--ref', 'feature', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/warning .*deploying anyway \(--force\)/);
    git(clone, ['checkout', '--', 'compose.yaml']);
    await cli(['project', 'remove', names.daemon, '--yes', '--cleanup', 'all']);
    expect(fs.existsSync(clone)).toBe(false);
  });

  it('clones over HTTP with user:password@ in the URL; the password is never stored or shown', async () => {
    const url = `http://otter:${PASSWORD}@127.0.0.1:${httpServer.port}/app.git`;
    const add = await cli(['project', 'add', '--name', names.http, '--repo', url]);
    expect(add.code, add.stderr).toBe(0);
    // Our own arguments showed the password to every local user: say so, and how to avoid it.
    expect(add.stderr).toMatch(/warning +the repository URL carries a password, which every local user can read .*--password-stdin or \$OTTERSTACK_GIT_PASSWORD/);
    const clone = path.join(dataDir, 'repos', names.http);
    expect(git(clone, ['remote', 'get-url', 'origin'])).toBe(`http://127.0.0.1:${httpServer.port}/app.git`);
    // Without the operator's credential helper, the next fetch cannot authenticate: clear message.
    const noHelper = await cli(['deploy', names.http, '--ref', 'v1']);
    expect(noHelper.code).toBe(5);
    expect(noHelper.stderr).toMatch(/^otterstack: fetch failed: authentication required by http:\/\/127\.0\.0\.1:\d+\/app\.git: configure a git credential helper/);
    // With one (the operator's, given here through git's environment config), deploys work.
    const helper = { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'credential.helper', GIT_CONFIG_VALUE_0: `!f() { echo username=otter; echo password=${PASSWORD}; }; f` };
    const dep = await cli(['deploy', names.http, '--ref', 'v1'], helper);
    expect(dep.code, dep.stderr).toBe(0);
    expect(await httpGet(port)).toBe('v1');
    for (const args of [['project', 'show', names.http], ['project', 'list', '--json'], ['status', '--json'], ['history', names.http], ['logs', names.http]]) await cli(args);

    const leaks: string[] = [];
    const scan = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) scan(full);
        else if (e.isFile() && fs.readFileSync(full).includes(PASSWORD)) leaks.push(full);
      }
    };
    scan(dataDir);
    expect(leaks).toEqual([]);
    expect(outputs.filter((o) => o.includes(PASSWORD))).toEqual([]);
    expect(deployments(dataDir, names.http).map((d) => d.status)).toContain('active');
    await cli(['project', 'remove', names.http, '--yes', '--cleanup', 'all']);
  });

  it('takes the password from stdin or $OTTERSTACK_GIT_PASSWORD, never from arguments; refuses it twice or for ssh', async () => {
    const url = `http://otter@127.0.0.1:${httpServer.port}/app.git`;
    const viaStdin = await cli(['project', 'add', '--name', names.stdin, '--repo', url, '--password-stdin'], {}, `${PASSWORD}\n`);
    expect(viaStdin.code, viaStdin.stderr).toBe(0);
    expect(viaStdin.stderr).not.toMatch(/carries a password/);
    const viaEnv = await cli(['project', 'add', '--name', names.env, '--repo', url], { OTTERSTACK_GIT_PASSWORD: PASSWORD });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    const wrong = await cli(['project', 'add', '--name', `${names.env}-x`, '--repo', url, '--password-stdin'], {}, 'wrong');
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toMatch(/^otterstack: authentication required by http:\/\/127\.0\.0\.1/m);
    const twice = await cli(['project', 'add', '--name', `${names.env}-x`, '--repo', `http://otter:${PASSWORD}@127.0.0.1:${httpServer.port}/app.git`, '--password-stdin'], {}, PASSWORD);
    expect([twice.code, twice.stderr.trim()]).toEqual([2, 'otterstack: a password was given twice (in the URL and apart from it): remove it from the URL']);
    const ssh = await cli(['project', 'add', '--name', `${names.env}-x`, '--repo', sshd.url(bare), '--password-stdin'], {}, PASSWORD);
    expect(ssh.code).toBe(2);
    expect(ssh.stderr).toMatch(/a password is only used with https:\/\/ URLs, not ssh/);
    expectNothingLeft(`${names.env}-x`);
    for (const n of [names.stdin, names.env]) await cli(['project', 'remove', n, '--yes', '--cleanup', 'all']);
  });

  it('clones and deploys over SSH with a generated key (BatchMode, never prompts)', async () => {
    const add = await cli(['project', 'add', '--name', names.ssh, '--repo', sshd.url(bare)], { GIT_SSH_COMMAND: sshd.sshCommand('good') });
    expect(add.code, add.stderr).toBe(0);
    const dep = await cli(['deploy', names.ssh, '--ref', 'feature'], { GIT_SSH_COMMAND: sshd.sshCommand('good') });
    expect(dep.code, dep.stderr).toBe(0);
    expect(await httpGet(port)).toBe('feature');
  });

  const failures: [string, () => { url: string; env: NodeJS.ProcessEnv }, RegExp][] = [
    ['wrong key', () => ({ url: sshd.url(bare), env: { GIT_SSH_COMMAND: sshd.sshCommand('wrong') } }), /^otterstack: SSH key rejected by ssh:\/\/.*: load a key the server accepts/],
    ['no key', () => ({ url: sshd.url(bare), env: { GIT_SSH_COMMAND: sshd.sshCommand('none'), SSH_AUTH_SOCK: '' } }), /^otterstack: SSH key rejected by/],
    ['nonexistent repository', () => ({ url: sshd.url(path.join(base, 'missing.git')), env: { GIT_SSH_COMMAND: sshd.sshCommand('good') } }), /^otterstack: repository ssh:\/\/.*missing\.git not found/],
    ['unreachable host', () => ({ url: `ssh://git@127.0.0.1:1/x.git`, env: {} }), /^otterstack: cannot reach ssh:\/\/git@127\.0\.0\.1:1\/x\.git/],
    ['nonexistent repository over git://', () => ({ url: `git://127.0.0.1:${daemon.port}/nope.git`, env: {} }), /^otterstack: repository git:\/\/.*nope\.git not found/],
    ['bad password over HTTP', () => ({ url: `https://otter:wrong@127.0.0.1:${httpServer.port}/app.git`.replace('https', 'http'), env: {} }), /^otterstack: authentication required by http:\/\/127\.0\.0\.1/],
  ];
  it.each(failures)('%s: one clear line, non-zero exit, nothing left behind', async (_label, make, message) => {
    const { url, env } = make();
    const name = `t-url-bad-${crypto.randomBytes(3).toString('hex')}`;
    const t0 = Date.now();
    const res = await cli(['project', 'add', '--name', name, '--repo', url], env);
    expect(res.code).toBe(5);
    // Progress lines go to stderr too; the error itself is exactly one line.
    const errors = res.stderr.split('\n').filter((l) => l.startsWith('otterstack:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expectNothingLeft(name);
    expect((await cli(['project', 'show', name])).code).toBe(3);
  });

  it('a server that never answers times out within the configured bound', async () => {
    const silent = await startSilentServer();
    try {
      const name = `t-url-slow-${suffix}`;
      const t0 = Date.now();
      const res = await cli(['--setting', 'fetchTimeoutSeconds=2', 'project', 'add', '--name', name, '--repo', `git://127.0.0.1:${silent.port}/x.git`]);
      expect(res.code).toBe(5);
      expect(res.stderr).toMatch(/did not answer within 2s/);
      expect(Date.now() - t0).toBeLessThan(15_000);
      expectNothingLeft(name);
    } finally {
      await silent.stop();
    }
  });
});
