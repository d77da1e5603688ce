import { execFile, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { docker, purgeProject, TEST_IMAGE } from '../helpers/engine.js';
import { git } from '../helpers/fixture-repo.js';
import { startRegistry, type LocalRegistry } from '../helpers/registry.js';
import { deployments } from '../helpers/state.js';

/**
 * Private registries (#17) against a real password-protected registry (distribution 2.8, htpasswd)
 * on 127.0.0.1: without a login the deploy fails and says how to log in; `registry login` (password
 * on stdin, never in ps, output or any file but OtterStack's own 0600 config.json) lets docker pull
 * and compose pull; logout takes it away; the operator's HOME/.docker is never touched.
 */
const suffix = crypto.randomBytes(3).toString('hex');
const project = `t-reg-${suffix}`;
const USER = 'otter';
const PASSWORD = `pw-${crypto.randomBytes(12).toString('hex')}`;
/** What docker writes into config.json: must be nowhere else either. */
const AUTH = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
let registry: LocalRegistry;
let ref: string;
/** Pulled only by compose itself (`up` of a missing image), never by the pull stage. */
let composeOnlyRef: string;
let dataDir: string;
let repo: string;
/** The operator's HOME for every CLI run: its .docker must come out exactly as it went in. */
let home: string;
let homeBefore: string;
/** A docker config of the test's own, logged in, for pushing (pushes need credentials too). */
let pushConfig: string;
const images: Record<'a' | 'b', string> = { a: '', b: '' };
const env = () => ({ OTTERSTACK_STARTUP_GRACE_SECONDS: '0', HOME: home });

function makeImage(content: string): string {
  const name = `t-reg-build-${suffix}-${content}`;
  docker(['run', '--name', name, TEST_IMAGE, 'sh', '-c', `echo ${content} > /content`]);
  const id = docker(['commit', name]);
  docker(['rm', name]);
  return id;
}

/** Tags `image` as `target` and pushes it with the test's own credentials. */
function push(image: string, target: string): void {
  docker(['tag', image, target]);
  docker(['--config', pushConfig, 'push', target]);
}

function commit(rev: number, extra = false): void {
  const composeOnly = extra ? `  extra:\n    image: ${composeOnlyRef}\n    init: true\n    command: ["sh", "-c", "sleep 3600"]\n` : '';
  fs.writeFileSync(
    path.join(repo, 'compose.yaml'),
    `services:
  web:
    image: ${ref}
    init: true
    command: ["sh", "-c", "sleep 3600"]
    environment: { REV: "${rev}" }
${composeOnly}`,
  );
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-qm', `rev ${rev}`]);
  git(repo, ['tag', `c${rev}`]);
}

function activeImage(service: string): string {
  const cp = deployments(dataDir, project).find((d) => d.status === 'active')!.compose_project;
  const id = docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${cp}`, '--filter', `label=com.docker.compose.service=${service}`]);
  return docker(['inspect', '--format', '{{.Image}}', id]);
}

/** Every file under `dir` (symlinks as their target's name): path, mode, content. */
function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const file = path.join(d, name);
      const st = fs.lstatSync(file);
      if (st.isSymbolicLink()) out.push(`${file} -> ${fs.readlinkSync(file)}`);
      else if (st.isDirectory()) {
        out.push(`${file}/ ${(st.mode & 0o777).toString(8)}`);
        walk(file);
      } else out.push(`${file} ${(st.mode & 0o777).toString(8)} ${st.mtimeMs} ${fs.readFileSync(file, 'base64')}`);
    }
  };
  walk(dir);
  return out.join('\n');
}

/** Files under the data dir that hold the password or docker's encoding of it (the state file included). */
function filesHoldingSecret(): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d)) {
      const file = path.join(d, name);
      const st = fs.lstatSync(file);
      if (st.isDirectory()) walk(file);
      else if (st.isFile()) {
        const bytes = fs.readFileSync(file);
        if (bytes.includes(PASSWORD) || bytes.includes(AUTH)) found.push(path.relative(dataDir, file));
      }
    }
  };
  walk(dataDir);
  return found.sort();
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  registry = await startRegistry({ auth: { username: USER, password: PASSWORD } });
  ref = `${registry.host}/${project}/app:latest`;
  composeOnlyRef = `${registry.host}/${project}/extra:1`;
  pushConfig = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-push-config-'));
  execFileSync('docker', ['--config', pushConfig, 'login', '--username', USER, '--password-stdin', registry.host], { input: PASSWORD, stdio: ['pipe', 'ignore', 'pipe'] });
  images.a = makeImage('a');
  images.b = makeImage('b');
  push(images.a, ref);
  push(images.a, composeOnlyRef);
  // Only the registry has them now: a pull is needed, and a refused one fails the deploy.
  docker(['rmi', ref, composeOnlyRef]);

  home = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-home-'));
  // The operator's own docker config: a setting of theirs and the Compose v2 plugin in their plugin dir.
  fs.mkdirSync(path.join(home, '.docker', 'cli-plugins'), { recursive: true });
  fs.writeFileSync(path.join(home, '.docker', 'config.json'), '{"auths":{},"psFormat":"table {{.Names}}"}\n');
  fs.symlinkSync('/usr/libexec/docker/cli-plugins/docker-compose', path.join(home, '.docker', 'cli-plugins', 'docker-compose'));
  homeBefore = snapshot(home);

  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
  git(repo, ['init', '-q', '-b', 'main']);
  for (const rev of [1, 2, 3]) commit(rev);
  commit(4, true);
  commit(5, true);
  expect((await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo], env())).code).toBe(0);
}, 120_000);

afterAll(async () => {
  purgeProject(project);
  for (const image of [ref, composeOnlyRef, images.a, images.b]) {
    try {
      docker(['rmi', '-f', image]);
    } catch {
      /* gone */
    }
  }
  await registry?.stop();
  for (const dir of [repo, home, pushConfig]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('registry login for private registries (#17)', () => {
  it('without a login the deploy fails before anything starts, naming the registry and how to log in', async () => {
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'c1'], env());
    expect(res.code, res.stderr).toBe(6);
    expect(res.stderr).toMatch(new RegExp(`^otterstack: pulling ${escape(ref)} was refused by ${escape(registry.host)} .*log in with: otterstack registry login ${escape(registry.host)} --username USER --password-stdin$`, 'm'));
    expect(deployments(dataDir, project).filter((d) => d.status === 'active')).toEqual([]);
  });

  it('refuses bad input and a wrong password with one line each, storing nothing', async () => {
    const bad = await runCli(dataDir, ['registry', 'login', '--username', USER, '--password-stdin', '--', '--config=/etc'], env(), PASSWORD);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^otterstack: invalid registry "--config=\/etc": give the host as in image names/);
    const noStdin = await runCli(dataDir, ['registry', 'login', registry.host, '--username', USER], env(), PASSWORD);
    expect(noStdin.code).toBe(2);
    expect(noStdin.stderr.trim()).toMatch(/^otterstack: registry login reads the password from standard input only: printf %s "\$PASSWORD" \| otterstack registry login/);
    const empty = await runCli(dataDir, ['registry', 'login', registry.host, '--username', USER, '--password-stdin'], env(), '');
    expect(empty.code).toBe(2);
    expect(empty.stderr.trim()).toMatch(new RegExp(`^otterstack: no password given for ${escape(registry.host)}: pipe it in`));

    const wrong = await runCli(dataDir, ['registry', 'login', registry.host, '--username', USER, '--password-stdin'], env(), 'not-the-password\n');
    expect(wrong.code).toBe(5);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toMatch(new RegExp(`^otterstack: ${escape(registry.host)} refused the login of ${USER}: .*[Uu]nauthorized.*; nothing was stored$`, 'm'));
    expect(wrong.stderr).not.toContain('not-the-password');
    expect(fs.existsSync(path.join(dataDir, 'docker', 'config.json'))).toBe(false);
    expect((await runCli(dataDir, ['registry', 'list', '--json'], env())).stdout.trim()).toBe('[]');
  });

  it('logs in with the password on stdin: never in ps, the arguments docker gets, the output or any other file; 0600 in a 0700 dir', async () => {
    // A docker on PATH that records the arguments it is given and runs the real one.
    const shim = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-docker-argv-'));
    const argvLog = path.join(shim, 'argv.log');
    const realDocker = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim();
    fs.writeFileSync(path.join(shim, 'docker'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec '${realDocker}' "$@"\n`, { mode: 0o755 });

    const seen: string[] = [];
    let running = true;
    const poll = (async () => {
      while (running) {
        seen.push(await new Promise<string>((resolve) => execFile('ps', ['-eo', 'args'], { maxBuffer: 16 << 20 }, (_e, out) => resolve(String(out)))));
      }
    })();
    const login = await runCli(dataDir, ['registry', 'login', registry.host, '--username', USER, '--password-stdin'], { ...env(), PATH: `${shim}:${process.env.PATH}` }, `${PASSWORD}\n`);
    running = false;
    await poll;

    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(new RegExp(`^logged in to ${escape(registry.host)} as ${USER}`, 'm'));
    expect(login.stdout + login.stderr).not.toContain(PASSWORD);
    // ps was read while the login ran (the CLI's own command line is in it), and never held the password.
    expect(seen.some((s) => s.includes('registry login'))).toBe(true);
    expect(seen.filter((s) => s.includes(PASSWORD))).toEqual([]);
    const argv = fs.readFileSync(argvLog, 'utf8');
    expect(argv).toMatch(new RegExp(`login --username=${USER} --password-stdin -- ${escape(registry.host)}$`, 'm'));
    expect(argv).not.toContain(PASSWORD);
    fs.rmSync(shim, { recursive: true, force: true });

    const dir = path.join(dataDir, 'docker');
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, 'config.json')).mode & 0o777).toBe(0o600);
    expect(filesHoldingSecret()).toEqual(['docker/config.json']);
    // The operator's plugins are found through ours: `docker compose` does not disappear.
    expect(fs.readlinkSync(path.join(dir, 'cli-plugins', 'docker-compose'))).toBe(path.join(home, '.docker', 'cli-plugins', 'docker-compose'));
  });

  it('deploys pull with the login; a re-pushed :latest is picked up with always, not with --no-pull', async () => {
    const first = await runCli(dataDir, ['deploy', project, '--ref', 'c1'], env());
    expect(first.code, first.stderr).toBe(0);
    expect(activeImage('web')).toBe(images.a);

    // The registry moves on to b; this host keeps a under that name.
    push(images.b, ref);
    docker(['tag', images.a, ref]);
    const noPull = await runCli(dataDir, ['deploy', project, '--ref', 'c2', '--no-pull'], env());
    expect(noPull.code, noPull.stderr).toBe(0);
    expect(noPull.stdout).toMatch(/not pulling .*: --no-pull/);
    expect(activeImage('web')).toBe(images.a);

    const always = await runCli(dataDir, ['deploy', project, '--ref', 'c3'], env());
    expect(always.code, always.stderr).toBe(0);
    expect(activeImage('web')).toBe(images.b);
  });

  it('compose pulls a missing image with the login too (the pull stage skipped)', async () => {
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'c4', '--no-pull'], env());
    expect(res.code, res.stderr).toBe(0);
    expect(activeImage('extra')).toBe(images.a);
  });

  it('lists the login (host and user, never the credentials) and logs out', async () => {
    const list = await runCli(dataDir, ['registry', 'list'], env());
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${escape(registry.host)}\\s+${USER}$`, 'm'));
    const json = await runCli(dataDir, ['registry', 'list', '--json'], env());
    expect(JSON.parse(json.stdout)).toEqual([{ host: registry.host, username: USER }]);
    for (const out of [list.stdout, json.stdout]) {
      expect(out).not.toContain(PASSWORD);
      expect(out).not.toContain(AUTH);
    }

    const out = await runCli(dataDir, ['registry', 'logout', registry.host], env());
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse((await runCli(dataDir, ['registry', 'list', '--json'], env())).stdout)).toEqual([]);
    expect(filesHoldingSecret()).toEqual([]);
    const again = await runCli(dataDir, ['registry', 'logout', registry.host], env());
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/not logged in to .*: see otterstack registry list/);

    // Logged out, a pull the deploy insists on is refused again.
    const refused = await runCli(dataDir, ['deploy', project, '--ref', 'c5', '--pull'], env());
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(new RegExp(`was refused by ${escape(registry.host)}`));
  });

  it("never touched the operator's HOME/.docker", () => {
    expect(snapshot(home)).toBe(homeBefore);
  });
});
