import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { freePort, httpGet, purgeProject, TEST_IMAGE } from '../helpers/engine.js';
import { git } from '../helpers/fixture-repo.js';

/**
 * Issue #11.6: persistent folders for a container that does not run as root. Created 0750 once,
 * never reset; `project set --persistent P --owner U:G` hands them to the container's user.
 */
function composeFor(port: number, version: string, mounts: string[]): string {
  const writes = mounts.map((m) => `echo ${version}-by-$$(id -u) > /${m}/probe`).join(' && ');
  return `services:
  web:
    image: ${TEST_IMAGE}
    init: true
    user: "65534:65534"
    command: ["sh", "-c", "${writes} && mkdir -p /tmp/www && echo ${version} > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"]
    ports: ["127.0.0.1:${port}:8080"]
    volumes: [${mounts.map((m) => `"./${m}:/${m}"`).join(', ')}]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
      interval: 1s
      retries: 3
`;
}

describe('persistent folders for a non-root container', () => {
  const project = `t-owner-${crypto.randomBytes(3).toString('hex')}`;
  let dataDir: string;
  let repo: string;
  let port: number;
  const shared = (p: string) => path.join(dataDir, 'shared', project, p);
  const cli = (args: string[]) => runCli(dataDir, args);

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
    port = await freePort();
    git(repo, ['init', '-q', '-b', 'main']);
    for (const [tag, mounts] of [['v1', ['data']], ['v2', ['data']], ['v3', ['data', 'cache']]] as const) {
      fs.writeFileSync(path.join(repo, 'compose.yaml'), composeFor(port, tag, [...mounts]));
      git(repo, ['add', '-A']);
      git(repo, ['commit', '-q', '-m', tag]);
      git(repo, ['tag', tag]);
    }
    expect((await cli(['project', 'add', '--name', project, '--repo', repo, '--persistent', './data'])).code).toBe(0);
  });
  afterAll(() => purgeProject(project));

  it('without an owner the folder is ours (0750 root) and the container cannot write it', async () => {
    const res = await cli(['deploy', project, '--ref', 'v1']);
    expect(res.code, res.stdout).toBe(6);
    expect(fs.statSync(shared('data'))).toMatchObject({ uid: 0, gid: 0 });
    expect(fs.statSync(shared('data')).mode & 0o777).toBe(0o750);
  });

  it('bad --owner values and --owner without --persistent exit 2 and change nothing', async () => {
    for (const args of [['--persistent', './data', '--owner', 'nobody'], ['--persistent', './data', '--owner', '1:'], ['--owner', '65534:65534']]) {
      const res = await cli(['project', 'set', project, ...args]);
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr.trim()).toMatch(/^otterstack: (invalid --owner|--owner applies to the folders given with --persistent)/);
    }
    expect(fs.statSync(shared('data')).uid).toBe(0);
  });

  it('--owner hands an existing folder over at once; the next deploy writes as that user', async () => {
    const set = await cli(['project', 'set', project, '--persistent', './data', '--owner', '65534:65534']);
    expect(set.code, set.stderr).toBe(0);
    expect(fs.statSync(shared('data'))).toMatchObject({ uid: 65534, gid: 65534 });
    expect((await cli(['project', 'show', project])).stdout).toMatch(/persistent: +\.\/data \(owner 65534:65534\)/);
    const res = await cli(['deploy', project, '--ref', 'v1']);
    expect(res.code, res.stderr).toBe(0);
    expect(fs.readFileSync(path.join(shared('data'), 'probe'), 'utf8').trim()).toBe('v1-by-65534');
  });

  it("an operator's mode and owner survive later deploys; a new persistent folder is created with the owner", async () => {
    fs.chmodSync(shared('data'), 0o770);
    expect((await cli(['deploy', project, '--ref', 'v2'])).code).toBe(0);
    expect(fs.statSync(shared('data')).mode & 0o777).toBe(0o770);
    expect(fs.statSync(shared('data')).uid).toBe(65534);

    expect((await cli(['project', 'set', project, '--persistent', './data', './cache', '--owner', '65534:65534'])).code).toBe(0);
    expect(fs.existsSync(shared('cache'))).toBe(false);
    const res = await cli(['deploy', project, '--ref', 'v3']);
    expect(res.code, res.stderr).toBe(0);
    expect(fs.statSync(shared('cache'))).toMatchObject({ uid: 65534, gid: 65534 });
    expect(fs.statSync(shared('cache')).mode & 0o777).toBe(0o750);
    // The folders above the persistent path stay ours.
    expect(fs.statSync(path.join(dataDir, 'shared', project)).uid).toBe(0);
    expect(fs.readFileSync(path.join(shared('cache'), 'probe'), 'utf8').trim()).toBe('v3-by-65534');
    expect(await httpGet(port)).toBe('v3');
  });
});
