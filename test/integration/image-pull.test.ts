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

const suffix = crypto.randomBytes(3).toString('hex');
const project = `t-pull-${suffix}`;
let registry: LocalRegistry;
let ref: string;
let dataDir: string;
let repo: string;
const images: Record<'a' | 'b', string> = { a: '', b: '' };
/** Pushed for the prune --images pulled test; removed by that prune, or here when it failed. */
let oldRef = '';
const env = { OTTERSTACK_STARTUP_GRACE_SECONDS: '0' };

/** An image of its own content (committed from a container), so the one a release runs can be told apart. */
function makeImage(content: string): string {
  const name = `t-pull-build-${suffix}-${content}`;
  docker(['run', '--name', name, TEST_IMAGE, 'sh', '-c', `echo ${content} > /content`]);
  const id = docker(['commit', name]);
  docker(['rm', name]);
  return id;
}

function commit(rev: number, image = ref): void {
  fs.writeFileSync(
    path.join(repo, 'compose.yaml'),
    `services:
  web:
    image: ${image}
    init: true
    command: ["sh", "-c", "sleep 3600"]
    environment: { REV: "${rev}" }
  side:
    image: ${TEST_IMAGE}
    init: true
    command: ["sh", "-c", "sleep 3600"]
`,
  );
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-qm', `rev ${rev}`]);
  git(repo, ['tag', `c${rev}`]);
}

/** The image ID the active release's web container runs. */
function activeWebImage(): string {
  const cp = deployments(dataDir, project).find((d) => d.status === 'active')!.compose_project;
  const id = docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${cp}`, '--filter', 'label=com.docker.compose.service=web']);
  return docker(['inspect', '--format', '{{.Image}}', id]);
}

beforeAll(async () => {
  registry = await startRegistry();
  ref = `${registry.host}/${project}/app:latest`;
  images.a = makeImage('a');
  images.b = makeImage('b');
  docker(['tag', images.a, ref]);
  docker(['push', ref]);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
  git(repo, ['init', '-q', '-b', 'main']);
  for (const rev of [1, 2, 3, 4, 5]) commit(rev);
  expect((await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo])).code).toBe(0);
}, 120_000);

afterAll(async () => {
  purgeProject(project);
  for (const image of [ref, images.a, images.b, oldRef].filter(Boolean)) {
    try {
      docker(['rmi', '-f', image]);
    } catch {
      /* gone */
    }
  }
  await registry?.stop();
  fs.rmSync(repo, { recursive: true, force: true });
});

describe('the pull stage against a real registry (#17)', () => {
  it('runs what the registry has; a :latest re-pushed meanwhile is picked up (always), not with never; a local-only image is never pulled', async () => {
    const first = await runCli(dataDir, ['deploy', project, '--ref', 'c1'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(activeWebImage()).toBe(images.a);
    expect(first.stdout).toMatch(new RegExp(`pull\\s+pulling ${ref.replace(/[.]/g, '\\.')}`));
    expect(first.stdout).toMatch(/not pulling otterstack\/busybox:local: exists only on this host \(no registry digest\)/);

    // The registry moves on to b; this host still has a under the same name.
    docker(['tag', images.b, ref]);
    docker(['push', ref]);
    docker(['tag', images.a, ref]);

    expect((await runCli(dataDir, ['project', 'set', project, '--pull-policy', 'never'])).code).toBe(0);
    const never = await runCli(dataDir, ['deploy', project, '--ref', 'c2'], env);
    expect(never.code, never.stderr).toBe(0);
    expect(never.stdout).toMatch(/not pulling .*: pullPolicy never/);
    expect(activeWebImage()).toBe(images.a);

    expect((await runCli(dataDir, ['project', 'set', project, '--pull-policy', 'always'])).code).toBe(0);
    const always = await runCli(dataDir, ['deploy', project, '--ref', 'c3'], env);
    expect(always.code, always.stderr).toBe(0);
    expect(activeWebImage()).toBe(images.b);
  });

  it('prune --images pulled removes a registry image only pruned releases ran; never a local-only one or one still in use; plain prune none', async () => {
    // Pushed, then removed here: the deploy pulls it (it gets a registry digest).
    oldRef = `${registry.host}/${project}/old:1`;
    docker(['tag', makeImage('old'), oldRef]);
    docker(['push', oldRef]);
    docker(['rmi', oldRef]);
    commit(6, oldRef);
    commit(7);
    for (const tag of ['c6', 'c7']) {
      const res = await runCli(dataDir, ['deploy', project, '--ref', tag], env);
      expect(res.code, res.stderr).toBe(0);
    }
    const present = (image: string) => docker(['image', 'ls', '-q', image]) !== '';
    expect(present(oldRef)).toBe(true);
    // By default prune removes only what was built: the pulled image stays with the release gone.
    const plain = await runCli(dataDir, ['prune', project, '--keep', '1', '--dry-run', '--images', 'built']);
    expect(plain.stdout).not.toContain(oldRef);
    const dry = await runCli(dataDir, ['prune', project, '--keep', '1', '--dry-run', '--images', 'pulled']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`image ${oldRef} (pulled; only releases that go use it)`);
    expect(dry.stdout).not.toContain(`image ${ref}`);
    expect(dry.stdout).not.toContain(`image ${TEST_IMAGE}`);
    const res = await runCli(dataDir, ['prune', project, '--keep', '1', '--images', 'pulled', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as { removedImages: string[]; reclaimedBytes: number };
    expect(report.removedImages).toEqual([oldRef]);
    expect(report.reclaimedBytes).toBeGreaterThan(0);
    expect(present(oldRef)).toBe(false);
    expect(present(ref)).toBe(true);
    expect(present(TEST_IMAGE)).toBe(true);
    const bad = await runCli(dataDir, ['prune', project, '--images', 'everything']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid --images "everything": use built \(the default\) or pulled/);
  });

  it('with the registry down: a present image warns and deploys; --pull fails before anything starts, the old release serving', async () => {
    await registry.stop();
    docker(['tag', images.a, ref]);
    const warned = await runCli(dataDir, ['deploy', project, '--ref', 'c4'], env);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stdout + warned.stderr).toMatch(new RegExp(`pulling ${ref.replace(/[.]/g, '\\.')} from ${registry.host.replace(/[.]/g, '\\.')} failed: .*; going on with the image already here`));
    expect(activeWebImage()).toBe(images.a);
    const before = deployments(dataDir, project).find((d) => d.status === 'active')!;

    const strict = await runCli(dataDir, ['deploy', project, '--ref', 'c5', '--pull'], env);
    expect(strict.code).toBe(6);
    expect(strict.stderr).toMatch(new RegExp(`^otterstack: pulling ${ref.replace(/[.]/g, '\\.')} from ${registry.host.replace(/[.]/g, '\\.')} failed`, 'm'));
    const after = deployments(dataDir, project);
    expect(after.find((d) => d.status === 'active')!.id).toBe(before.id);
    expect(after.filter((d) => d.status === 'deploying')).toEqual([]);
    expect(docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=otterstack-${project}-${git(repo, ['rev-parse', '--short=7', 'c5'])}`])).toBe('');
  });

  it('rejects an unknown pull policy before changing anything', async () => {
    const res = await runCli(dataDir, ['project', 'set', project, '--pull-policy', 'sometimes']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/invalid pull policy "sometimes": use always, missing or never/);
  });
});
