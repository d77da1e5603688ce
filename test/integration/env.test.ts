import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type CliResult } from '../helpers/cli.js';
import { docker, freePort, httpGet, purgeProject, releasesOf, TEST_IMAGE } from '../helpers/engine.js';
import { git } from '../helpers/fixture-repo.js';
import { deployments, worktreeDirs } from '../helpers/state.js';

/**
 * Issue #13: a release is code + config. Variables set on the project reach compose (and, scoped,
 * the container), are encrypted at rest, never appear in process arguments, files or output, and
 * come back with their release on rollback.
 */
const GREETING_A = `hello-a-${crypto.randomBytes(6).toString('hex')}`;
const GREETING_B = `hello-b-${crypto.randomBytes(6).toString('hex')}`;
const TOKEN = `tok-${crypto.randomBytes(12).toString('hex')}`;

function compose(port: number, tag: string): string {
  return `services:
  web:
    image: ${TEST_IMAGE}
    init: true
    command: ["sh", "-c", "test $$GREETING != broken && mkdir -p /www && echo ${tag}:$$GREETING > /www/index.html && exec httpd -f -p 8080 -h /www"]
    environment:
      GREETING: "\${GREETING}"
      LEAK: "\${LEAK:-not-leaked}"
    ports: ["127.0.0.1:${port}:8080"]
    healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"], interval: 1s, retries: 3 }
`;
}

describe('project configuration (env)', () => {
  const project = `t-env-${crypto.randomBytes(3).toString('hex')}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  const outputs: string[] = [];
  let port: number;
  let repo: string;
  const cli = async (args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<CliResult> => {
    const res = await runCli(dataDir, args, env, input);
    outputs.push(res.stdout, res.stderr);
    return res;
  };
  const webContainer = () => docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${activeCp()}`, '--filter', 'label=com.docker.compose.service=web']).trim();
  const activeCp = () => deployments(dataDir, project).find((d) => d.status === 'active')!.compose_project;

  beforeAll(async () => {
    port = await freePort();
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
    git(repo, ['init', '-q', '-b', 'main']);
    for (const tag of ['v1', 'v2']) {
      fs.writeFileSync(path.join(repo, 'compose.yaml'), compose(port, tag));
      git(repo, ['add', '-A']);
      git(repo, ['commit', '-q', '-m', tag]);
      git(repo, ['tag', tag]);
    }
    expect((await cli(['project', 'add', '--name', project, '--repo', repo])).code).toBe(0);
  });
  afterAll(() => purgeProject(project));

  it('a missing required variable: exit 2 naming it, nothing started or left behind', async () => {
    const res = await cli(['deploy', project, '--ref', 'v1'], { GREETING: 'from-the-callers-shell' });
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n').at(-1)).toBe(`otterstack: missing configuration for ${project}: GREETING — set them with: otterstack env set ${project} KEY=…`);
    expect(deployments(dataDir, project)).toEqual([]);
    expect(releasesOf(project)).toEqual([]);
    expect(worktreeDirs(dataDir, project)).toEqual([]);
  });

  it('values from --stdin reach compose and the scoped service; never in ps, files or output; the caller shell does not leak in', async () => {
    expect((await cli(['env', 'set', project, 'GREETING', '--stdin'], {}, `${GREETING_A}\n`)).code).toBe(0);
    const set = await cli(['env', 'set', project, 'API_TOKEN', '--stdin', '--service', 'web'], {}, TOKEN);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(new RegExp(`${project}: config v2: \\+API_TOKEN`));

    // Every process's arguments, sampled while the deploy runs.
    const seen: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
          try {
            const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
            if (args.includes(TOKEN) || args.includes(GREETING_A)) seen.push(args.replace(/\0/g, ' '));
          } catch {
            /* gone */
          }
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const run = startCli(dataDir, ['deploy', project, '--ref', 'v1'], { LEAK: 'leaked-from-shell', OTTERSTACK_STARTUP_GRACE_SECONDS: '1' });
    const res = await run.done;
    sampling = false;
    await sampler;
    outputs.push(res.stdout, res.stderr);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(seen).toEqual([]);
    expect(await httpGet(port)).toBe(`v1:${GREETING_A}`);
    const env = docker(['exec', webContainer(), 'env']);
    expect(env).toContain(`API_TOKEN=${TOKEN}`);
    expect(env).toContain('LEAK=not-leaked');

    const list = await cli(['env', 'list', project]);
    expect(list.stdout.trim()).toMatch(/^API_TOKEN {2}\*\*\*\*\w{2} {2}services: web\nGREETING {3}\*\*\*\*\w{2}$/);
    const revealed = await cli(['env', 'list', project, '--reveal', '--json']);
    expect(JSON.parse(revealed.stdout).vars.map((v: { value: string }) => v.value)).toEqual([TOKEN, GREETING_A]);
    outputs.splice(-2); // asked for in clear

    const leaks: string[] = [];
    const scan = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) scan(full);
        else if (e.isFile() && [TOKEN, GREETING_A].some((v) => fs.readFileSync(full).includes(v))) leaks.push(full);
      }
    };
    scan(dataDir);
    expect(leaks).toEqual([]);
    for (const args of [['history', project], ['status', '--json'], ['logs', project, '--tail', '50'], ['project', 'show', project]]) await cli(args);
    expect(outputs.filter((o) => o.includes(TOKEN) || o.includes(GREETING_A))).toEqual([]);
    expect(fs.statSync(path.join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
  });

  it('rollback brings back the code and the config it ran with; --current-config keeps today', async () => {
    expect((await cli(['env', 'set', project, `GREETING=${GREETING_B}`])).code).toBe(0);
    expect((await cli(['deploy', project, '--ref', 'v2'], { OTTERSTACK_STARTUP_GRACE_SECONDS: '1' })).code).toBe(0);
    expect(await httpGet(port)).toBe(`v2:${GREETING_B}`);
    expect((await cli(['history', project])).stdout).toMatch(/config v3: ~GREETING/);

    const back = await cli(['rollback', project], { OTTERSTACK_STARTUP_GRACE_SECONDS: '1' });
    expect(back.code, back.stderr).toBe(0);
    expect(await httpGet(port)).toBe(`v1:${GREETING_A}`);
    expect(back.stdout).toMatch(/configuration of v2 restored as v4: ~GREETING/);
    expect((await cli(['env', 'export', project, '--reveal'])).stdout).toContain(`GREETING=${GREETING_A}`);
    outputs.splice(-2);

    expect((await cli(['env', 'set', project, `GREETING=${GREETING_B}`])).code).toBe(0);
    const keep = await cli(['rollback', project, '--current-config'], { OTTERSTACK_STARTUP_GRACE_SECONDS: '1' });
    expect(keep.code, keep.stderr).toBe(0);
    expect(await httpGet(port)).toBe(`v2:${GREETING_B}`);
  });

  it('env set --deploy applies a change as a new release of the same code; a bad value is caught and the old one keeps serving', async () => {
    const before = activeCp();
    const res = await cli(['env', 'set', project, `GREETING=${GREETING_A}`, '--deploy'], { OTTERSTACK_STARTUP_GRACE_SECONDS: '1' });
    expect(res.code, res.stderr).toBe(0);
    expect(await httpGet(port)).toBe(`v2:${GREETING_A}`);
    // Same commit, other configuration: its own compose project, next to (then instead of) the old one.
    const applied = activeCp();
    expect(applied).toMatch(new RegExp(`^${before}-c\\d+$`));

    const bad = await cli(['env', 'set', project, 'GREETING=broken', '--deploy'], { OTTERSTACK_STARTUP_GRACE_SECONDS: '1', OTTERSTACK_HEALTH_TIMEOUT_SECONDS: '20' });
    expect(bad.code).toBe(6);
    expect(activeCp()).toBe(applied);
    expect(await httpGet(port)).toBe(`v2:${GREETING_A}`);
    expect(releasesOf(project)).not.toContainEqual(expect.stringMatching(new RegExp(`-c${Number(applied.split('-c').at(-1)) + 1}$`)));
    expect((await cli(['env', 'set', project, `GREETING=${GREETING_A}`])).code).toBe(0);
  });

  it('the database alone reveals nothing: without secret.key, a clear error naming the file', async () => {
    const key = path.join(dataDir, 'secret.key');
    fs.renameSync(key, `${key}.away`);
    try {
      for (const args of [['env', 'list', project], ['deploy', project, '--ref', 'v1']]) {
        const res = await cli(args);
        expect(res.code).toBe(5);
        expect(res.stderr.trim()).toBe(`otterstack: the key for project configuration, ${key}, is missing: restore it from your backup (values stay encrypted in the database until then)`);
      }
    } finally {
      fs.renameSync(`${key}.away`, key);
    }
    expect(await httpGet(port)).toBe(`v2:${GREETING_A}`);
  });

  it('--build variables become build args of build: services', async () => {
    const name = `${project}-build`;
    const built = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
    git(built, ['init', '-q', '-b', 'main']);
    fs.mkdirSync(path.join(built, 'app'));
    fs.writeFileSync(path.join(built, 'app', 'Dockerfile'), `FROM ${TEST_IMAGE}\nARG BUILD_LABEL\nRUN echo "label=$BUILD_LABEL" > /label\n`);
    fs.writeFileSync(path.join(built, 'compose.yaml'), `services:\n  app:\n    build: ./app\n    image: otterstack-test/${name}:latest\n    init: true\n    command: ["sleep", "600"]\n`);
    git(built, ['add', '-A']);
    git(built, ['commit', '-q', '-m', 'build']);
    try {
      expect((await cli(['project', 'add', '--name', name, '--repo', built])).code).toBe(0);
      expect((await cli(['env', 'set', name, 'BUILD_LABEL=from-otterstack', '--build'])).code).toBe(0);
      const res = await cli(['deploy', name, '--ref', 'main'], { OTTERSTACK_STARTUP_GRACE_SECONDS: '1' });
      expect(res.code, res.stdout + res.stderr).toBe(0);
      const cp = deployments(dataDir, name).at(-1)!.compose_project;
      const id = docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${cp}`]).trim();
      expect(docker(['exec', id, 'cat', '/label']).trim()).toBe('label=from-otterstack');
    } finally {
      purgeProject(name);
      try {
        docker(['image', 'rm', '-f', `otterstack-test/${name}:latest`]);
      } catch {
        /* not built */
      }
    }
  });

  it('env import reads a dotenv file; a bad line is named', async () => {
    const file = path.join(os.tmpdir(), `otter-env-${crypto.randomBytes(3).toString('hex')}`);
    fs.writeFileSync(file, '# app\nexport MODE=production\nQUOTED="a b"\nMULTI="one\ntwo"\n');
    expect((await cli(['env', 'import', project, file])).code).toBe(0);
    const exported = await cli(['env', 'export', project, '--reveal']);
    expect(exported.stdout).toContain('MODE=production\n');
    expect(exported.stdout).toContain('MULTI="one\\ntwo"');
    fs.writeFileSync(file, 'A=1\nnot a pair\n');
    const bad = await cli(['env', 'import', project, file]);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, `otterstack: ${file} line 2: expected KEY=VALUE`]);
    expect((await cli(['env', 'export', project])).code).toBe(2);
  });
});
