import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runJson } from '../helpers/cli.js';
import { containersOf, docker, freePort, httpGet, purgeProject, releasesOf } from '../helpers/engine.js';
import { createFixtureRepo, type FixtureRepo } from '../helpers/fixture-repo.js';
import { deployments, lockFiles, worktreeDirs } from '../helpers/state.js';
import { waitFor } from '../helpers/wait.js';

const project = `t-deploy-${crypto.randomBytes(3).toString('hex')}`;
let dataDir: string;
let repo: FixtureRepo;
let port: number;

const cp = (sha: string) => `otterstack-${project}-${sha.slice(0, 7)}`;

/** Nothing half-done: no deploying row, no lock, and only worktrees/containers of recorded releases. */
function expectNoLeftovers(): void {
  const rows = deployments(dataDir, project);
  expect(rows.filter((r) => r.status === 'deploying')).toEqual([]);
  expect(lockFiles(dataDir).filter((f) => f.startsWith(project))).toEqual([]);
  const kept = rows.filter((r) => r.status === 'active' || r.status === 'inactive');
  expect(worktreeDirs(dataDir, project)).toEqual([...new Set(kept.map((r) => r.git_sha.slice(0, 7)))].sort());
  expect(releasesOf(project)).toEqual([...new Set(kept.map((r) => r.compose_project))].sort());
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  port = await freePort();
  repo = createFixtureRepo(port);
  const add = await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo.dir]);
  expect(add.code, add.stderr).toBe(0);
});

afterAll(() => {
  purgeProject(project);
});

describe('deploy against the real engine', () => {
  it('deploys v1: active, healthy and serving on its port', async () => {
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'v1']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/health\s+web: running, healthy/);
    expect(await httpGet(port)).toBe('v1');
    const [row] = deployments(dataDir, project);
    expect(row).toMatchObject({ status: 'active', git_ref: 'v1', git_sha: repo.shas.v1, compose_project: cp(repo.shas.v1!) });
    const status = await runJson<{ health: string; containers: { service: string; health: string }[] }[]>(dataDir, ['status', project]);
    expect(status[0]).toMatchObject({ health: 'healthy', containers: [{ service: 'web', health: 'healthy' }] });
    expectNoLeftovers();
  });

  it('writes data into the pinned named volume', () => {
    const [c] = containersOf(cp(repo.shas.v1!));
    docker(['exec', c!.id, 'sh', '-c', 'echo precious > /data/keep.txt']);
    const mounts = docker(['inspect', '--format', '{{range .Mounts}}{{.Name}}{{end}}', c!.id]);
    expect(mounts).toBe(`otterstack-${project}_data`);
  });

  it('v2 fails its healthcheck: recorded failed, v1 serves again, nothing of v2 left', async () => {
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'v2', '--timeout', '60s']);
    expect(res.code).toBe(6);
    expect(res.stderr).toMatch(/failed: service web is unhealthy/);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    const rows = deployments(dataDir, project);
    expect(rows.map((r) => [r.git_ref, r.status])).toEqual([
      ['v1', 'active'],
      ['v2', 'failed'],
    ]);
    expect(rows[1]!.error_message).toMatch(/unhealthy/);
    expect(await waitFor(() => httpGet(port), 'v1 serving again')).toBe('v1');
    expect(containersOf(cp(repo.shas.v2!))).toEqual([]);
    expectNoLeftovers();
  });

  it('v3 without a compose file: clear error, nothing created', async () => {
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'v3']);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/^otterstack: no compose file at v3 \(\w{7}\) \(looked for compose\.yaml.*\): add one/);
    expect(containersOf(cp(repo.shas.v3!))).toEqual([]);
    expectNoLeftovers();
  });

  it('v4 with invalid YAML: clear error, nothing created', async () => {
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'v4']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^otterstack: invalid compose file compose\.yaml at v4/);
    expect(containersOf(cp(repo.shas.v4!))).toEqual([]);
    expectNoLeftovers();
  });

  it('an unknown ref: clear error, no row at all', async () => {
    const before = deployments(dataDir, project).length;
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'no-such-tag']);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/unknown ref "no-such-tag"/);
    expect(deployments(dataDir, project)).toHaveLength(before);
    expectNoLeftovers();
  });

  it('dry run validates without starting anything', async () => {
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'feature', '--dry-run']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/dry run: would start/);
    expect(releasesOf(project)).toEqual([cp(repo.shas.v1!)]);
    const bad = await runCli(dataDir, ['validate', project, '--ref', 'v4']);
    expect(bad.code).toBe(2);
    expectNoLeftovers();
  });

  it('deploys a branch; the named volume keeps v1 data', async () => {
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'feature']);
    expect(res.code, res.stderr).toBe(0);
    expect(await httpGet(port)).toBe('feature');
    const [c] = containersOf(cp(repo.shas.feature!));
    expect(docker(['exec', c!.id, 'cat', '/data/keep.txt'])).toBe('precious');
    // The previous release is stopped, not removed, so rollback can start it again.
    expect(containersOf(cp(repo.shas.v1!)).map((x) => x.state)).toEqual(['exited']);
    expectNoLeftovers();
  });

  it('deploys a raw SHA', async () => {
    const res = await runCli(dataDir, ['deploy', project, '--ref', repo.shas.v5!]);
    expect(res.code, res.stderr).toBe(0);
    expect(await httpGet(port)).toBe('v5');
    const active = deployments(dataDir, project).filter((r) => r.status === 'active');
    expect(active.map((r) => r.git_sha)).toEqual([repo.shas.v5]);
    expectNoLeftovers();
  });

  it('redeploying the active healthy SHA is a no-op', async () => {
    const before = deployments(dataDir, project).length;
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'main']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/already the active, healthy release/);
    expect(deployments(dataDir, project)).toHaveLength(before);
  });
});
