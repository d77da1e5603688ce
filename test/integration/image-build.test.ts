import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { docker, purgeProject, TEST_IMAGE } from '../helpers/engine.js';
import { git } from '../helpers/fixture-repo.js';
import { deployments } from '../helpers/state.js';
import { waitFor } from '../helpers/wait.js';

const suffix = crypto.randomBytes(3).toString('hex');
const project = `t-build-${suffix}`;
const repository = `otterstack/${project}-web`;
let dataDir: string;
let repo: string;
const sha7: Record<string, string> = {};
const env = { OTTERSTACK_STARTUP_GRACE_SECONDS: '0' };

function commit(tag: string, dockerfile: string): void {
  fs.mkdirSync(path.join(repo, 'app'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'app', 'Dockerfile'), dockerfile);
  fs.writeFileSync(path.join(repo, 'compose.yaml'), 'services:\n  web:\n    build: ./app\n    init: true\n    command: ["sh", "-c", "sleep 3600"]\n');
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-qm', tag]);
  git(repo, ['tag', tag]);
  sha7[tag] = git(repo, ['rev-parse', '--short=7', 'HEAD']);
}

/** Tags of the project's built images on the engine, sorted. */
const builtTags = () => docker(['image', 'ls', '--format', '{{.Tag}}', '--filter', `reference=${repository}`]).split('\n').filter(Boolean).sort();

function activeContainer(): { id: string; image: string } {
  const cp = deployments(dataDir, project).find((d) => d.status === 'active')!.compose_project;
  const id = docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${cp}`]);
  return { id, image: docker(['inspect', '--format', '{{.Config.Image}}', id]) };
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
  git(repo, ['init', '-q', '-b', 'main']);
  // Each release's layer holds 300 kB of its own: what removing its image must give back.
  for (const r of ['r1', 'r2', 'r3', 'r4', 'r5']) commit(r, `FROM ${TEST_IMAGE}\nRUN echo ${r} > /rev && head -c 300000 /dev/urandom > /blob\n`);
  // A step that succeeds (the classic builder commits an image for it), then one that fails.
  commit('bad', `FROM ${TEST_IMAGE}\nRUN echo ${suffix}-first-step > /a\nRUN echo about to fail && exit 3\n`);
  commit('roomy', `FROM ${TEST_IMAGE}\nRUN echo roomy-${suffix} > /a\n`);
  // Unique per run: a build cache from an earlier run would finish it at once.
  commit('slow', `FROM ${TEST_IMAGE}\nRUN echo ${suffix} && sleep 45\n`);
  expect((await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo])).code).toBe(0);
});

afterAll(() => {
  purgeProject(project);
  fs.rmSync(repo, { recursive: true, force: true });
});

describe('the build stage (#17)', () => {
  it('builds each release into its own tag before up; prune leaves exactly the images of the releases it keeps', async () => {
    for (const r of ['r1', 'r2', 'r3', 'r4', 'r5']) {
      const res = await runCli(dataDir, ['deploy', project, '--ref', r], env);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(new RegExp(`build\\s+building web as ${repository}:${sha7[r]}`));
      expect(res.stdout.indexOf(' build ')).toBeLessThan(res.stdout.indexOf(' start '));
      const c = activeContainer();
      expect(c.image).toBe(`${repository}:${sha7[r]}`);
      expect(docker(['exec', c.id, 'cat', '/rev'])).toBe(r);
    }
    // Each deploy prunes to worktreeRetention (3) releases: their images went with them.
    expect(builtTags()).toEqual(['r3', 'r4', 'r5'].map((r) => sha7[r]!).sort());
    const dry = await runCli(dataDir, ['prune', project, '--keep', '2', '--dry-run']);
    expect(dry.stdout).toContain(`image ${repository}:${sha7.r3} (built for a release that goes)`);
    expect(builtTags()).toHaveLength(3);
    // What r3's image alone holds: all of it but the base it was built FROM.
    const size = (ref: string) => Number(docker(['image', 'inspect', '--format', '{{.Size}}', ref]));
    const own = size(`${repository}:${sha7.r3}`) - size(TEST_IMAGE);
    expect(own).toBeGreaterThan(300_000);
    const pruned = await runCli(dataDir, ['prune', project, '--keep', '2', '--json']);
    expect(pruned.code, pruned.stderr).toBe(0);
    const report = JSON.parse(pruned.stdout) as { removedImages: string[]; reclaimedBytes: number };
    expect(report.removedImages).toEqual([`${repository}:${sha7.r3}`]);
    // Docker reports sizes to 4 significant digits.
    expect(Math.abs(report.reclaimedBytes - own) / own).toBeLessThan(0.001);
    expect(builtTags()).toEqual([sha7.r4!, sha7.r5!].sort());
  });

  it('a rollback finds its release\'s image and builds nothing', async () => {
    const res = await runCli(dataDir, ['rollback', project], env);
    expect(res.code, res.stderr).toBe(0);
    expect(activeContainer().image).toBe(`${repository}:${sha7.r4}`);
    expect(res.stdout).not.toMatch(/building web/);
  });

  it('below half of minFreeDiskGiB a deploy that builds refuses to start; doctor warns below it', async () => {
    const before = activeContainer();
    const tight = { ...env, OTTERSTACK_MIN_FREE_DISK_GIB: '1000000' };
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'roomy'], tight);
    expect(res.code).toBe(5);
    expect(res.stderr).toMatch(/^otterstack: only [\d.]+ GiB free on the data dir \(.*\): a deploy that builds needs 500000\.0 GiB \(half of minFreeDiskGiB 1000000\)/m);
    expect(activeContainer().id).toBe(before.id);
    expect(builtTags()).not.toContain(sha7.roomy);
    expect(deployments(dataDir, project).filter((d) => d.status === 'deploying')).toEqual([]);
    const doctor = await runCli(dataDir, ['doctor'], tight);
    expect(doctor.stdout).toMatch(/disk space \(data dir\)\s+WARN\s+only [\d.]+ GiB free on the data dir/);
    expect(doctor.stdout).toMatch(/disk space \(Docker root\)\s+WARN\s+only [\d.]+ GiB free on the Docker root \(\/var\/lib\/docker\)/);
    expect((await runCli(dataDir, ['doctor'])).stdout).toMatch(/disk space \(Docker root\)\s+ok\s+/i);
  });

  it('a failing build fails the deploy (exit 6) with its last lines; nothing of it starts, the old release serves on', async () => {
    const before = activeContainer();
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'bad'], env);
    expect(res.code).toBe(6);
    expect(res.stderr).toMatch(/^otterstack: building web failed: .*(exit|returned a non-zero code|code: 3)/m);
    expect(activeContainer().id).toBe(before.id);
    expect(docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=otterstack-${project}-${sha7.bad}`])).toBe('');
    expect(builtTags()).not.toContain(sha7.bad);
    // Nothing of the failed build stays: no step container, no image of the step that succeeded.
    expect(docker(['ps', '-a', '--no-trunc', '--format', '{{.Command}}'])).not.toContain('about to fail');
    const images = docker(['image', 'ls', '-a', '-q']).split('\n').filter(Boolean);
    expect(docker(['image', 'inspect', ...images])).not.toContain(`${suffix}-first-step`);
  });

  it('a build past buildTimeoutSeconds is stopped and the deploy fails, saying so', async () => {
    const before = activeContainer();
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'slow'], { ...env, OTTERSTACK_BUILD_TIMEOUT_SECONDS: '3' });
    expect(res.code).toBe(6);
    expect(res.stderr).toMatch(/building web took longer than 3s \(buildTimeoutSeconds\) and was stopped/);
    expect(activeContainer().id).toBe(before.id);
    // Stopped, not left running in the engine (classic builder: a container; BuildKit: its runc process).
    await waitFor(() => !/sleep 45/.test(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })), 'the build step to be gone', 30_000);
    expect(builtTags()).not.toContain(sha7.slow);
  });

  it('project remove --cleanup all removes every image built for the project', async () => {
    const res = await runCli(dataDir, ['project', 'remove', project, '--yes', '--cleanup', 'all']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/2 image\(s\) \(\d+(\.\d)? kB reclaimed\)/);
    expect(builtTags()).toEqual([]);
  });
});
