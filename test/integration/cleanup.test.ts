import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runJson } from '../helpers/cli.js';
import { containersOf, freePort, httpGet, purgeProject } from '../helpers/engine.js';
import { appCompose, createFixtureRepo } from '../helpers/fixture-repo.js';
import { instanceId, lockFiles } from '../helpers/state.js';
import { waitFor } from '../helpers/wait.js';

const suffix = crypto.randomBytes(3).toString('hex');
const project = `t-clean-${suffix}`;
const ghost = `t-ghost-${suffix}`;
const ghostCp = `otterstack-${ghost}-abcdef0`;
/** Same kind of orphan, but started by another OtterStack installation on this engine. */
const foreignCp = `otterstack-${ghost}-fedcba9`;
let dataDir: string;
let port: number;

interface Cleanup {
  dryRun: boolean;
  actions: { kind: string; target: string }[];
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  port = await freePort();
  const repo = createFixtureRepo(port);
  expect((await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo.dir])).code).toBe(0);
  expect((await runCli(dataDir, ['deploy', project, '--ref', 'v1'])).code).toBe(0);
  // A release of a project the database does not know (e.g. removed with --cleanup none).
  for (const [cp, instance] of [
    [ghostCp, instanceId(dataDir)],
    [foreignCp, 'another-installation'],
  ]) {
    const ghostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-ghost-'));
    const yaml = appCompose({ port: await freePort(), version: 'ghost' }).replace('  web:\n', `  web:\n    labels: ["io.otterstack.instance=${instance}"]\n`);
    fs.writeFileSync(path.join(ghostDir, 'compose.yaml'), yaml);
    execFileSync('docker-compose', ['-p', cp!, '-f', path.join(ghostDir, 'compose.yaml'), 'up', '-d'], { stdio: 'ignore' });
  }
  // A stray worktree folder and a lock left by a dead process.
  fs.mkdirSync(path.join(dataDir, 'worktrees', project, '0000000'), { recursive: true });
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  fs.writeFileSync(path.join(dataDir, 'locks', `${project}.lock`), JSON.stringify({ pid: dead, procStart: null, host: os.hostname(), operation: 'deploy', acquiredAt: 1, token: 't' }));
});

afterAll(() => {
  purgeProject(project);
  purgeProject(ghost);
});

describe('cleanup', () => {
  it('--dry-run lists what it would do and changes nothing', async () => {
    const res = await runJson<Cleanup>(dataDir, ['cleanup', '--dry-run']);
    expect(res.dryRun).toBe(true);
    expect(res.actions.map((a) => a.kind).sort()).toEqual(['remove_lock', 'remove_release', 'remove_worktree']);
    expect(containersOf(ghostCp)).toHaveLength(1);
    expect(fs.existsSync(path.join(dataDir, 'worktrees', project, '0000000'))).toBe(true);
    expect(lockFiles(dataDir)).toEqual([`${project}.lock`]);
  });

  it('removes unknown releases, stray worktrees and stale locks; leaves the active release serving', async () => {
    const res = await runCli(dataDir, ['cleanup']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`remove release ${ghostCp}: project ${ghost} is not registered`));
    expect(containersOf(ghostCp)).toEqual([]);
    expect(containersOf(foreignCp)).toHaveLength(1);
    expect(fs.existsSync(path.join(dataDir, 'worktrees', project, '0000000'))).toBe(false);
    expect(lockFiles(dataDir)).toEqual([]);
    expect(await httpGet(port)).toBe('v1');
    const again = await runJson<Cleanup>(dataDir, ['cleanup']);
    expect(again.actions).toEqual([]);
  });

  it('restarts an active release that was left stopped', async () => {
    const [c] = containersOf(`otterstack-${project}-${(await runJson<{ active: { git_sha: string } }[]>(dataDir, ['status', project]))[0]!.active.git_sha.slice(0, 7)}`);
    execFileSync('docker', ['stop', c!.id], { stdio: 'ignore' });
    expect(await httpGet(port)).toBeNull();
    const res = await runJson<Cleanup>(dataDir, ['cleanup', project]);
    expect(res.actions.map((a) => a.kind)).toEqual(['restart_active']);
    expect(await waitFor(() => httpGet(port), 'active release serving again')).toBe('v1');
  });

  it('an active release removed by hand reads missing (status --check exits 6) and cleanup recreates it', async () => {
    const cp = `otterstack-${project}-${(await runJson<{ active: { git_sha: string } }[]>(dataDir, ['status', project]))[0]!.active.git_sha.slice(0, 7)}`;
    execFileSync('docker', ['rm', '-f', ...containersOf(cp).map((c) => c.id)], { stdio: 'ignore' });
    expect((await runJson<{ health: string }[]>(dataDir, ['status', project]))[0]!.health).toBe('missing');
    const check = await runCli(dataDir, ['status', project, '--check']);
    expect(check.code).toBe(6);
    expect(check.stderr).toMatch(new RegExp(`not healthy: ${project} \\(missing\\); otterstack cleanup recreates a missing release`));
    const res = await runJson<Cleanup>(dataDir, ['cleanup', project]);
    expect(res.actions.map((a) => a.kind)).toEqual(['recreate_active']);
    expect(await waitFor(() => httpGet(port), 'recreated release serving')).toBe('v1');
    expect((await runCli(dataDir, ['status', project, '--check'])).code).toBe(0);
  });

  it("removes a network a killed compose up left without containers, never one a container uses", async () => {
    const orphan = `otterstack-${project}-0badc0d`;
    const used = `otterstack-${project}-0c0ffee`;
    for (const cp of [orphan, used]) execFileSync('docker', ['network', 'create', '--label', `com.docker.compose.project=${cp}`, `${cp}_default`], { stdio: 'ignore' });
    // A container of another installation (no instance label of ours) on the second network.
    execFileSync('docker', ['run', '-d', '--name', `${used}-other`, '--label', `com.docker.compose.project=${used}`, '--network', `${used}_default`, 'otterstack/busybox:local', 'sleep', '300'], { stdio: 'ignore' });
    try {
      const res = await runJson<Cleanup>(dataDir, ['cleanup', project]);
      expect(res.actions.filter((a) => a.kind === 'remove_network').map((a) => a.target)).toEqual([orphan]);
      const left = execFileSync('docker', ['network', 'ls', '--format', '{{.Name}}'], { encoding: 'utf8' });
      expect(left).not.toContain(`${orphan}_default`);
      expect(left).toContain(`${used}_default`);
    } finally {
      spawnSync('docker', ['rm', '-f', `${used}-other`], { stdio: 'ignore' });
      spawnSync('docker', ['network', 'rm', `${orphan}_default`, `${used}_default`], { stdio: 'ignore' });
    }
  });

  it('a busy project does not stop a global cleanup: everything else is reconciled, the busy one reported, exit 4', async () => {
    const busy = `t-busy-${suffix}`;
    expect((await runCli(dataDir, ['project', 'add', '--name', busy, '--repo', createFixtureRepo(await freePort()).dir])).code).toBe(0);
    // A deploy in progress elsewhere: its lock is held by a live process (this test's).
    const lock = path.join(dataDir, 'locks', `${busy}.lock`);
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, procStart: null, host: os.hostname(), operation: 'deploy', acquiredAt: Date.now(), token: 't' }));
    const stray = path.join(dataDir, 'worktrees', project, '1111111');
    fs.mkdirSync(stray, { recursive: true });
    try {
      const res = await runCli(dataDir, ['cleanup']);
      expect(res.code, res.stdout + res.stderr).toBe(4);
      expect(res.stdout).toMatch(new RegExp(`skipped: project ${busy} is busy`));
      expect(res.stderr).toMatch(/1 busy project\(s\) skipped: run cleanup again once they are done/);
      expect(fs.existsSync(stray)).toBe(false);
    } finally {
      fs.rmSync(lock, { force: true });
    }
  });
});

