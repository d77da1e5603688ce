import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, runCli, startCli, type CliResult } from '../helpers/cli.js';
import { freePort, httpGet, purgeProject } from '../helpers/engine.js';
import { createHealthyRepo, type FixtureRepo } from '../helpers/fixture-repo.js';
import { deployments, lockFiles } from '../helpers/state.js';

/**
 * Faults of the state itself: a database another process holds locked, and a data dir mounted
 * read-only. Issue #11: a lock must never tear down a healthy release, errors say what to do
 * (exit 5), and read commands keep working on a read-only data dir.
 */

/** Another process holding `BEGIN EXCLUSIVE` on the state file (python's sqlite3, not ours) until released. */
async function holdExclusiveLock(dataDir: string): Promise<{ release(): Promise<void> }> {
  const script = [
    'import sqlite3, sys',
    'c = sqlite3.connect(sys.argv[1], isolation_level=None)',
    "c.execute('BEGIN EXCLUSIVE')",
    "print('locked', flush=True)",
    'sys.stdin.read()',
    "c.execute('COMMIT')",
  ].join('\n');
  const child: ChildProcessWithoutNullStreams = spawn('python3', ['-c', script, path.join(dataDir, 'otterstack.db')]);
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (b) => String(b).includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
  });
  return {
    release: () =>
      new Promise((resolve) => {
        child.on('exit', () => resolve());
        child.stdin.end();
      }),
  };
}

/** The CLI in a private mount namespace where the data dir is a read-only bind mount of itself. */
function runReadOnly(dataDir: string, args: string[]): Promise<CliResult> {
  const mountThenRun = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"';
  const child = spawn('unshare', ['-m', 'sh', '-c', mountThenRun, dataDir, process.execPath, MAIN, '--data-dir', dataDir, ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b) => (stdout += b));
  child.stderr.on('data', (b) => (stderr += b));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe('state faults', () => {
  const project = `t-state-${crypto.randomBytes(3).toString('hex')}`;
  let dataDir: string;
  let repo: FixtureRepo;
  let port: number;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
    port = await freePort();
    repo = createHealthyRepo(port, ['v1', 'v2', 'v3']);
    expect((await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo.dir])).code).toBe(0);
    const first = await runCli(dataDir, ['deploy', project, '--ref', 'v1']);
    expect(first.code, first.stderr).toBe(0);
  });
  afterAll(() => purgeProject(project));

  it('a database locked after the switch is waited for: the healthy release is recorded, never undone', async () => {
    const run = startCli(dataDir, ['deploy', project, '--ref', 'v2']);
    // From validation until the end, a deploy writes the database only to record the switch (it
    // reads, which a WAL database allows under another's write lock). Locking at validation, not at
    // the health wait, leaves the lock holder time to start even on a loaded machine.
    await run.waitForLine(/validate\s+validating compose file/);
    const lock = await holdExclusiveLock(dataDir);
    try {
      await run.waitForLine(/state database is locked by another process; retrying/, 90_000);
    } finally {
      await lock.release();
    }
    const res = await run.done;
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(await httpGet(port)).toBe('v2');
    expect(deployments(dataDir, project).filter((d) => d.status === 'active').map((d) => d.git_ref)).toEqual(['v2']);
  });

  it('a database locked throughout: writes exit 5 with what to do, reads still answer', async () => {
    const lock = await holdExclusiveLock(dataDir);
    try {
      const add = await runCli(dataDir, ['project', 'add', '--name', `${project}-b`, '--repo', repo.dir]);
      expect(add.code, add.stderr).toBe(5);
      expect(add.stderr.trim()).toMatch(/^otterstack: the state database is locked by another process .*then retry$/);
      const status = await runCli(dataDir, ['status', project]);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toContain('v2');
    } finally {
      await lock.release();
    }
    expect(lockFiles(dataDir)).toEqual([]);
  });

  it('a read-only data dir: status, history and doctor work, doctor says why, a deploy exits 5 and changes nothing', async () => {
    const before = deployments(dataDir, project);
    const status = await runReadOnly(dataDir, ['status', project, '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject([{ project: { name: project }, active: { git_ref: 'v2' }, health: 'healthy' }]);
    const history = await runReadOnly(dataDir, ['history', project]);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(/v2/);

    const doctor = await runReadOnly(dataDir, ['doctor']);
    expect(doctor.code).toBe(5);
    expect(doctor.stdout).toMatch(/data dir\s+FAIL\s+.*read-only file system: remount it read-write/);

    const deploy = await runReadOnly(dataDir, ['deploy', project, '--ref', 'v3']);
    expect(deploy.code, deploy.stderr).toBe(5);
    expect(deploy.stderr).toMatch(/the data dir is read-only .*remount it read-write/);
    expect(deployments(dataDir, project)).toEqual(before);
    expect(await httpGet(port)).toBe('v2');
    expect(lockFiles(dataDir)).toEqual([]);
  });

  it('many processes opening a fresh state file at once all succeed: one migrates, the others wait for it', async () => {
    // A few rounds: whether processes collide depends on start-up timing (it failed 1 round in 2 before the fix).
    for (let round = 0; round < 4; round++) {
      const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
      const names = Array.from({ length: 12 }, (_, i) => `${project}-first-${i}`);
      const results = await Promise.all(names.map((name) => runCli(fresh, ['project', 'add', '--name', name, '--repo', repo.dir])));
      for (const res of results) expect(res.code, res.stderr).toBe(0);
      const listed = await runCli(fresh, ['project', 'list', '--json']);
      expect((JSON.parse(listed.stdout) as { name: string }[]).map((p) => p.name).sort()).toEqual([...names].sort());
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });
});
