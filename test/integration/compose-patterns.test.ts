import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { docker, freePort, httpGet, purgeProject, TEST_IMAGE } from '../helpers/engine.js';
import { git } from '../helpers/fixture-repo.js';

/**
 * Issue #12: the patterns real compose files use, in one repository deployed on the real engine
 * (Compose v1 and v2), plus the bind-mount decisions that must refuse or explain.
 */
const v1 = process.env.OTTERSTACK_TEST_COMPOSE_VERSION === 'v1';

function stack(port: number): Record<string, string> {
  return {
    // The obsolete version key, YAML anchors and merge keys, extends, env_file, secrets and configs
    // with file:, a profile, an init container, a restart: always worker without a healthcheck.
    'compose.yaml': `version: "3.8"
x-base: &base
  image: ${TEST_IMAGE}
  init: true
services:
  seed:
    <<: *base
    command: ["sh", "-c", "echo seeded > /data/seed"]
    volumes: ["./data:/data"]
  web:
    extends: { file: common.yaml, service: httpd }
    env_file: [app.env]
    ports: ["127.0.0.1:${port}:8080"]
    volumes: ["./site:/www", "./data:/data", "./nginx/default.conf:/etc/app/default.conf"]
    secrets: [api_key]
    configs: [{ source: motd, target: /etc/motd }]
    depends_on:
      seed: { condition: service_completed_successfully }
  worker:
    <<: *base
    restart: always
    command: ["sh", "-c", "while true; do sleep 1; done"]
  debug:
    <<: *base
    profiles: [debug]
    command: ["sh", "-c", "exit 3"]
secrets:
  api_key: { file: ./secrets/api_key.txt }
configs:
  motd: { file: ./motd.txt }
`,
    'common.yaml': `services:
  httpd:
    image: ${TEST_IMAGE}
    init: true
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"], interval: 1s, retries: 3 }
`,
    'app.env': 'GREETING=hello-from-env-file\n',
    'site/index.html': 'release content\n',
    'data/.gitkeep': '',
    'secrets/api_key.txt': 'k-123\n',
    'motd.txt': 'message of the day\n',
    'nginx/default.conf': 'server { listen 8080; }\n',
  };
}

function makeRepo(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
  git(dir, ['init', '-q', '-b', 'main']);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'init']);
  return dir;
}

describe('real-world compose patterns', () => {
  const suffix = crypto.randomBytes(3).toString('hex');
  const names = { stack: `t-pat-stack-${suffix}`, data: `t-pat-data-${suffix}`, include: `t-pat-inc-${suffix}`, profiles: `t-pat-prof-${suffix}` };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  const cli = (args: string[]) => runCli(dataDir, args, { OTTERSTACK_STARTUP_GRACE_SECONDS: '1' });
  let port: number;
  let repo: string;

  beforeAll(async () => {
    port = await freePort();
    repo = makeRepo(stack(port));
  });
  afterAll(() => Object.values(names).forEach(purgeProject));

  it('a .gitkeep data folder must be persistent: refused with the exact command, then deployed', async () => {
    expect((await cli(['project', 'add', '--name', names.stack, '--repo', repo])).code).toBe(0);
    const refused = await cli(['validate', names.stack, '--ref', 'main']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`mounts ./data, which is not in the release .*: run otterstack project set ${names.stack} --persistent ./data \\(or --auto-persist\\)`));

    expect((await cli(['project', 'set', names.stack, '--persistent', './data'])).code).toBe(0);
    const res = await cli(['deploy', names.stack, '--ref', 'main']);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toMatch(/validate +service web mounts \.\/site from the release \(tracked in git\): writes there stay with this release/);
    expect(await httpGet(port)).toBe('release content');

    const cp = `otterstack-${names.stack}-${git(repo, ['rev-parse', '--short=7', 'HEAD'])}`;
    const container = docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${cp}`, '--filter', 'label=com.docker.compose.service=web']).trim();
    const exec = (cmd: string) => docker(['exec', container, 'sh', '-c', cmd]).trim();
    expect(exec('echo $GREETING')).toBe('hello-from-env-file');
    expect(exec('cat /run/secrets/api_key')).toBe('k-123');
    // A tracked config file mounted writable, as public stacks do (no :ro): the release's own copy.
    expect(exec('cat /etc/app/default.conf')).toBe('server { listen 8080; }');
    expect(res.stdout).toMatch(/service web mounts \.\/nginx\/default\.conf from the release \(tracked in git\)/);
    // Compose v1 ignores `configs` outside swarm (it says so); v2 mounts the file.
    if (!v1) expect(exec('cat /etc/motd')).toBe('message of the day');
    // The init container ran to completion (exit 0) before web, into the persistent folder.
    expect(fs.readFileSync(path.join(dataDir, 'shared', names.stack, 'data', 'seed'), 'utf8').trim()).toBe('seeded');
    expect(exec('cat /data/seed')).toBe('seeded');
    const services = docker(['ps', '-a', '--filter', `label=com.docker.compose.project=${cp}`, '--format', '{{.Label "com.docker.compose.service"}}']).split('\n').filter(Boolean).sort();
    expect(services).toEqual(['seed', 'web', 'worker']);
  });

  it('a tracked path is refused as persistent unless --force, then warned about', async () => {
    const refused = await cli(['project', 'set', names.stack, '--persistent', './data', './site']);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe(
      "otterstack: ./site is tracked in git (at HEAD), so each release already mounts its own copy; as persistent it would keep its first release's content and stop following new releases: leave it out, or add --force",
    );
    expect((await cli(['project', 'set', names.stack, '--persistent', './data', './site', '--force'])).code).toBe(0);
    const validated = await cli(['validate', names.stack, '--ref', 'main']);
    expect(validated.code, validated.stderr).toBe(0);
    expect(validated.stdout).toMatch(/warning +service web mounts \.\/site, tracked in git but listed persistent: it keeps the content it was created with/);
  });

  it('an untracked ./uploads: refused; with --auto-persist mapped to a persistent folder and said so', async () => {
    const data = makeRepo({ 'compose.yaml': `services:\n  app:\n    image: ${TEST_IMAGE}\n    command: ["sleep", "60"]\n    volumes: ["./uploads:/uploads"]\n` });
    expect((await cli(['project', 'add', '--name', names.data, '--repo', data])).code).toBe(0);
    const refused = await cli(['validate', names.data, '--ref', 'main']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/mounts \.\/uploads, which is not in the release \(not tracked in git\), so it holds data that a prune would delete/);
    expect((await cli(['project', 'set', names.data, '--auto-persist'])).code).toBe(0);
    const ok = await cli(['validate', names.data, '--ref', 'main']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`service app mounts ./uploads, which is not in the release: kept as persistent data in ${dataDir}/shared/${names.data}/uploads \\(--auto-persist\\)`));
  });

  it("profiles are enabled by the project's COMPOSE_PROFILES variable, never the caller's shell", async () => {
    const prof = makeRepo({
      'compose.yaml': `services:\n  app:\n    image: ${TEST_IMAGE}\n    command: ["sleep", "60"]\n  extra:\n    image: ${TEST_IMAGE}\n    profiles: [extra]\n    command: ["sleep", "60"]\n`,
    });
    expect((await cli(['project', 'add', '--name', names.profiles, '--repo', prof])).code).toBe(0);
    const plain = await runCli(dataDir, ['validate', names.profiles, '--ref', 'main'], { COMPOSE_PROFILES: 'extra' });
    expect(plain.stdout).toMatch(/is valid: services app$/m);
    expect((await cli(['env', 'set', names.profiles, 'COMPOSE_PROFILES=extra'])).code).toBe(0);
    const enabled = await cli(['validate', names.profiles, '--ref', 'main']);
    expect(enabled.stdout).toMatch(/is valid: services app, extra$/m);
  });

  it('include: works on Compose v2; Compose v1 says it needs v2', async () => {
    const inc = makeRepo({
      'compose.yaml': `include: [db.yaml]\nservices:\n  app:\n    image: ${TEST_IMAGE}\n    command: ["sleep", "60"]\n`,
      'db.yaml': `services:\n  db:\n    image: ${TEST_IMAGE}\n    command: ["sleep", "60"]\n`,
    });
    expect((await cli(['project', 'add', '--name', names.include, '--repo', inc])).code).toBe(0);
    const res = await cli(['validate', names.include, '--ref', 'main']);
    if (v1) {
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/compose.yaml at main \(\w{7}\) needs Compose v2 \(it uses top-level include:\): install the docker compose plugin, or set composeCommand/);
    } else {
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/app, db|db, app/);
    }
  });
});
