import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runJson } from '../helpers/cli.js';
import { containersOf, docker, freePort, httpGet, purgeProject, releasesOf } from '../helpers/engine.js';
import { createFixtureRepo, type FixtureRepo } from '../helpers/fixture-repo.js';
import { deployments, worktreeDirs } from '../helpers/state.js';

const project = `t-rollback-${crypto.randomBytes(3).toString('hex')}`;
let dataDir: string;
let repo: FixtureRepo;
let port: number;
const cp = (sha: string) => `otterstack-${project}-${sha.slice(0, 7)}`;
const readData = (sha: string) => docker(['exec', containersOf(cp(sha))[0]!.id, 'cat', '/data/keep.txt']);

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  port = await freePort();
  repo = createFixtureRepo(port);
  expect((await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo.dir])).code).toBe(0);
});

afterAll(() => purgeProject(project));

describe('rollback, history, prune, logs', () => {
  it('refuses to roll back with no previous release, clearly', async () => {
    let res = await runCli(dataDir, ['rollback', project]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/^otterstack: no previous release to roll back to: deploy a ref instead/);
    expect((await runCli(dataDir, ['deploy', project, '--ref', 'v1'])).code).toBe(0);
    res = await runCli(dataDir, ['rollback', project]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/no previous release to roll back to \(only \w{7} was ever deployed successfully\)/);
    expect(await httpGet(port)).toBe('v1');
  });

  it('v1 -> feature -> rollback: v1 serves again from its stopped containers, data intact', async () => {
    docker(['exec', containersOf(cp(repo.shas.v1!))[0]!.id, 'sh', '-c', 'echo precious > /data/keep.txt']);
    const v1Container = containersOf(cp(repo.shas.v1!))[0]!.id;
    expect((await runCli(dataDir, ['deploy', project, '--ref', 'feature'])).code).toBe(0);
    expect(await httpGet(port)).toBe('feature');

    const res = await runCli(dataDir, ['rollback', project]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/rolling back to v1/);
    expect(res.stdout).toMatch(/starting the kept containers of/);
    expect(await httpGet(port)).toBe('v1');
    // Same container, started again: rollback did not recreate it.
    expect(containersOf(cp(repo.shas.v1!))).toEqual([{ id: v1Container, state: 'running' }]);
    expect(readData(repo.shas.v1!)).toBe('precious');
    const history = await runJson<{ git_ref: string; status: string; action: string; durationMs: number }[]>(dataDir, ['history', project]);
    expect(history.map((h) => [h.git_ref, h.action, h.status])).toEqual([
      ['v1', 'rollback', 'active'],
      ['feature', 'deploy', 'rolled_back'],
      ['v1', 'deploy', 'inactive'],
    ]);
    expect(history.every((h) => h.durationMs > 0)).toBe(true);
  });

  it('rollback --to a SHA prefix, and clear errors for unknown or malformed prefixes', async () => {
    const res = await runCli(dataDir, ['rollback', project, '--to', repo.shas.feature!.slice(0, 8)]);
    expect(res.code, res.stderr).toBe(0);
    expect(await httpGet(port)).toBe('feature');
    const unknown = await runCli(dataDir, ['rollback', project, '--to', 'ffffffff']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/no earlier good release matches ffffffff/);
    const failed = await runCli(dataDir, ['rollback', project, '--to', repo.shas.v2!.slice(0, 7)]);
    expect(failed.code).toBe(3);
    const bad = await runCli(dataDir, ['rollback', project, '--to', '--upload-pack=x']);
    expect(bad.code).toBe(2);
  });

  it('prune keeps only the active release but never volumes; rollback then recreates the pruned release', async () => {
    // A network a killed `compose up` left (no container uses it) goes with the pruned releases.
    const stray = `otterstack-${project}-0badc0d`;
    docker(['network', 'create', '--label', `com.docker.compose.project=${stray}`, `${stray}_default`]);
    // --dry-run names what prune would remove and removes nothing.
    const plan = await runJson<{ releases: string[]; networks: { composeProject: string }[]; worktrees: string[] }>(dataDir, ['prune', project, '--keep', '1', '--dry-run']);
    expect(plan.releases).toEqual([cp(repo.shas.v1!)]);
    expect(plan.networks.map((n) => n.composeProject)).toContain(stray);
    expect(plan.worktrees.map((w) => path.basename(w))).toEqual([repo.shas.v1!.slice(0, 7)]);
    expect(releasesOf(project).sort()).toEqual([cp(repo.shas.v1!), cp(repo.shas.feature!)].sort());
    const res = await runJson<{ removedReleases: string[]; keptReleases: string[] }>(dataDir, ['prune', project, '--keep', '1']);
    expect(res.removedReleases).toEqual([cp(repo.shas.v1!)]);
    expect(releasesOf(project)).toEqual([cp(repo.shas.feature!)]);
    expect(worktreeDirs(dataDir, project)).toEqual([repo.shas.feature!.slice(0, 7)]);
    expect(docker(['volume', 'ls', '-q', '--filter', `name=otterstack-${project}_data`])).toBe(`otterstack-${project}_data`);
    expect(docker(['network', 'ls', '-q', '--filter', `name=${stray}_default`])).toBe('');

    const back = await runCli(dataDir, ['rollback', project, '--to', repo.shas.v1!.slice(0, 7)]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/checking out \w{7} into/);
    expect(await httpGet(port)).toBe('v1');
    expect(readData(repo.shas.v1!)).toBe('precious');
  });

  it('a corrupt or missing old worktree breaks neither status, history nor rollback', async () => {
    const featureWt = path.join(dataDir, 'worktrees', project, repo.shas.feature!.slice(0, 7));
    fs.rmSync(featureWt, { recursive: true, force: true });
    fs.mkdirSync(featureWt);
    fs.writeFileSync(path.join(featureWt, 'compose.yaml'), 'garbage: [');
    expect((await runCli(dataDir, ['status', project])).code).toBe(0);
    expect((await runCli(dataDir, ['history', project])).code).toBe(0);
    const res = await runCli(dataDir, ['rollback', project]);
    expect(res.code, res.stderr).toBe(0);
    expect(await httpGet(port)).toBe('feature');

    // Without kept containers the release is rebuilt from its worktree: a garbage one is replaced.
    expect((await runCli(dataDir, ['prune', project, '--keep', '1'])).code).toBe(0);
    const v1Wt = path.join(dataDir, 'worktrees', project, repo.shas.v1!.slice(0, 7));
    fs.mkdirSync(v1Wt);
    fs.writeFileSync(path.join(v1Wt, 'compose.yaml'), 'garbage: [');
    const rebuilt = await runCli(dataDir, ['rollback', project, '--to', repo.shas.v1!.slice(0, 7)]);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toMatch(/checking out \w{7} into/);
    expect(await httpGet(port)).toBe('v1');
    expect((await runCli(dataDir, ['rollback', project])).code).toBe(0);
    expect(await httpGet(port)).toBe('feature');
  });

  it('logs: the operation log of a deployment, and the active release container logs, secrets masked', async () => {
    const [latest] = await runJson<{ id: number }[]>(dataDir, ['history', project, '--limit', '1']);
    const log = await runCli(dataDir, ['logs', project, '--deployment', String(latest!.id)]);
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toMatch(/\[health\] waiting up to/);
    expect(log.stdout).toMatch(/\[success\]/);
    const containers = await runCli(dataDir, ['logs', project, '--containers', '--tail', '20']);
    expect(containers.code, containers.stderr).toBe(0);
    expect(containers.stdout).toMatch(/^web \| \S+ serving feature API_TOKEN=\*\*\*\*$/m);
    expect(containers.stdout).not.toMatch(/supersecret/);
    const missing = await runCli(dataDir, ['logs', project, '--deployment', '999999']);
    expect(missing.code).toBe(3);
  });

  it('history retention trims old rows but keeps the releases still on disk', async () => {
    const before = deployments(dataDir, project).length;
    const res = await runCli(dataDir, ['prune', project], { OTTERSTACK_HISTORY_RETENTION: '2' });
    expect(res.code, res.stderr).toBe(0);
    const after = deployments(dataDir, project);
    expect(before).toBeGreaterThan(2);
    expect(after).toHaveLength(2);
    expect(after.filter((r) => r.status === 'active')).toHaveLength(1);
    // The other kept release is still a rollback target.
    const back = await runCli(dataDir, ['rollback', project]);
    expect(back.code, back.stderr).toBe(0);
    expect(await httpGet(port)).toBe('v1');
  });
});
