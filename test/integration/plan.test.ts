import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { docker, freePort, purgeProject, TEST_IMAGE } from '../helpers/engine.js';
import { appCompose, git } from '../helpers/fixture-repo.js';
import { deployments } from '../helpers/state.js';

/**
 * #17's plan: what a deploy would change against the active release, without starting anything —
 * here a change that adds a service (with a new, empty volume and a published port), builds an
 * image and needs a configuration name the running release did not have.
 */
const suffix = crypto.randomBytes(3).toString('hex');
const project = `t-plan-${suffix}`;
let dataDir: string;
let repo: string;
let port: number;
let extraPort: number;
const sha: Record<string, string> = {};

function commit(tag: string, compose: string, files: Record<string, string> = {}): void {
  fs.writeFileSync(path.join(repo, 'compose.yaml'), compose);
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, f)), { recursive: true });
    fs.writeFileSync(path.join(repo, f), text);
  }
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-qm', `${tag}: the ${tag} change`]);
  git(repo, ['tag', tag]);
  sha[tag] = git(repo, ['rev-parse', 'HEAD']);
}

const worktreeEntries = () => fs.readdirSync(path.join(dataDir, 'worktrees', project)).sort();

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
  port = await freePort();
  extraPort = await freePort();
  git(repo, ['init', '-q', '-b', 'main']);
  commit('v1', appCompose({ port, version: 'v1' }));
  const v2 =
    appCompose({ port, version: 'v2' }).replace(
      'volumes:\n  data: {}\n',
      `  worker:
    build: ./worker
    init: true
    command: ["sh", "-c", "echo $$WORKER_QUEUE; exec sleep 3600"]
    environment: ["WORKER_QUEUE=\${WORKER_QUEUE}"]
    ports: ["127.0.0.1:${extraPort}:9000"]
    volumes: ["cache:/cache"]
volumes:
  data: {}
  cache: {}
`,
    );
  commit('v2', v2, { 'worker/Dockerfile': `FROM ${TEST_IMAGE}\nRUN echo ${suffix} > /worker\n` });
  expect((await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo])).code).toBe(0);
  expect((await runCli(dataDir, ['env', 'set', project, 'OLD_FLAG=1'])).code).toBe(0);
  const res = await runCli(dataDir, ['deploy', project, '--ref', 'v1']);
  expect(res.code, res.stderr).toBe(0);
});

afterAll(() => {
  purgeProject(project);
  fs.rmSync(repo, { recursive: true, force: true });
});

describe('plan (#17)', () => {
  it('lists what a change adds — service, empty volume, port, build, configuration — and starts nothing', async () => {
    // The configuration the target will run with: one name more, one less than the running release's.
    expect((await runCli(dataDir, ['env', 'set', project, 'WORKER_QUEUE=jobs'])).code).toBe(0);
    expect((await runCli(dataDir, ['env', 'unset', project, 'OLD_FLAG'])).code).toBe(0);
    const before = worktreeEntries();
    const containersBefore = docker(['ps', '-aq', '--filter', `label=io.otterstack.project=${project}`]);
    const res = await runCli(dataDir, ['plan', project, '--ref', 'v2']);
    expect(res.code, res.stderr).toBe(0);
    const out = res.stdout;
    expect(out).toContain(`plan ${project}: v2 (${sha.v2!.slice(0, 7)})`);
    expect(out).toContain(`running now: v1 (${sha.v1!.slice(0, 7)})`);
    expect(out).toMatch(/^\s+\+ service worker$/m);
    expect(out).not.toMatch(/service web/);
    expect(out).toMatch(new RegExp(`^\\s+image build worker: otterstack/${project}-worker:${sha.v2!.slice(0, 7)}$`, 'm'));
    expect(out).toMatch(new RegExp(`^\\s+image use web: ${TEST_IMAGE.replace(/[/.]/g, '\\$&')} — exists only on this host`, 'm'));
    expect(out).toMatch(new RegExp(`^\\s+WARNING: volume otterstack-${project}_cache does not exist and will be created EMPTY$`, 'm'));
    expect(out).not.toMatch(/volume otterstack-.*_data/);
    expect(out).toMatch(new RegExp(`^\\s+\\+ port worker 127\\.0\\.0\\.1:${extraPort}->9000/tcp$`, 'm'));
    expect(out).toMatch(/^\s+\+ config WORKER_QUEUE$/m);
    expect(out).toMatch(/^\s+- config OLD_FLAG$/m);
    expect(out).not.toContain('jobs');
    expect(out).toMatch(new RegExp(`^\\s+\\+ ${sha.v2!.slice(0, 7)} v2: the v2 change$`, 'm'));
    // Nothing started, built or left behind: no scratch worktree, no generated file, no image.
    expect(worktreeEntries()).toEqual(before);
    expect(docker(['ps', '-aq', '--filter', `label=io.otterstack.project=${project}`])).toBe(containersBefore);
    expect(docker(['image', 'ls', '-q', `otterstack/${project}-worker`])).toBe('');
    expect(docker(['volume', 'ls', '-q', '--filter', `name=otterstack-${project}_cache`])).toBe('');
    expect(deployments(dataDir, project).map((d) => d.status)).toEqual(['active']);

    const json = JSON.parse((await runCli(dataDir, ['plan', project, '--ref', 'v2', '--json'])).stdout) as { release: { comparedWith: string; emptyVolumes: string[]; changes: { servicesAdded: string[]; configAdded: string[] } } };
    expect(json.release.comparedWith).toBe('recorded');
    expect(json.release.changes.servicesAdded).toEqual(['worker']);
    expect(json.release.emptyVolumes).toEqual([`otterstack-${project}_cache`]);
  });

  it('once deployed, the same ref plans no change; an invalid ref is a one-line error', async () => {
    const dep = await runCli(dataDir, ['deploy', project, '--ref', 'v2']);
    expect(dep.code, dep.stderr).toBe(0);
    const res = await runCli(dataDir, ['plan', project, '--ref', 'v2']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('this is the running release');
    expect(res.stdout).toContain('same services, ports, volumes and configuration names as the running release');
    expect(res.stdout).toMatch(/image reuse worker: .* — built for this release before/);
    const bad = await runCli(dataDir, ['plan', project, '--ref', '--upload-pack=touch /tmp/x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
