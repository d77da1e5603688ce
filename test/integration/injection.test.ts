import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Git } from '../../src/services/commands/git.js';
import { runCli } from '../helpers/cli.js';
import { freePort, purgeProject, releasesOf } from '../helpers/engine.js';
import { createFixtureRepo, type FixtureRepo } from '../helpers/fixture-repo.js';
import { deployments, worktreeDirs } from '../helpers/state.js';

const project = `t-inject-${crypto.randomBytes(3).toString('hex')}`;
// The data dir sits in a private parent, so "nothing escaped to ../x" is checked in a
// directory no other process writes to (a stray /tmp/x once failed this test on CI).
let root: string;
let dataDir: string;
let scratch: string;
let repo: FixtureRepo;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-inject-root-'));
  dataDir = path.join(root, 'data');
  fs.mkdirSync(dataDir);
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-inject-'));
  repo = createFixtureRepo(await freePort());
  expect((await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo.dir])).code).toBe(0);
});

afterAll(() => {
  purgeProject(project);
  fs.rmSync(root, { recursive: true, force: true });
});

describe('hostile input touches nothing', () => {
  it.each([
    (d: string) => `--upload-pack=touch ${d}/x`,
    (d: string) => `$(touch ${d}/y)`,
    () => '../../etc',
    (d: string) => `v1;touch ${d}/z`,
    () => '-h',
  ])('rejects ref %#', async (make) => {
    const ref = make(scratch);
    for (const args of [['deploy', project, '--ref', ref], ['deploy', project, `--ref=${ref}`], ['validate', project, '--ref', ref]]) {
      const res = await runCli(dataDir, args);
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(2);
      expect(res.stderr).toMatch(/invalid ref/);
    }
    expect(fs.readdirSync(scratch)).toEqual([]);
    expect(deployments(dataDir, project)).toEqual([]);
    expect(worktreeDirs(dataDir, project)).toEqual([]);
    expect(releasesOf(project)).toEqual([]);
  });

  it.each(['../x', 'A', 'a b', '-rf', 'x/../../y', ''])('rejects project name %j', async (name) => {
    const res = await runCli(dataDir, ['project', 'add', '--name', name, '--repo', repo.dir]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/invalid project name/);
    const dep = await runCli(dataDir, ['deploy', name, '--ref', 'v1']);
    expect(dep.code).not.toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'x'))).toBe(false);
    expect(fs.readdirSync(root)).toEqual(['data']);
  });

  it('git itself never takes a ref as an option (--end-of-options), even without our validation', async () => {
    const git = new Git();
    const marker = path.join(scratch, 'pwned');
    expect(await git.resolveCommit(repo.dir, `--output=${marker}`)).toBeNull();
    expect(await git.resolveCommit(repo.dir, '--all')).toBeNull();
    // `git log --output=FILE` would write FILE if the argument were parsed as an option.
    expect(await git.commitSubject(repo.dir, `--output=${marker}`)).toBe('');
    expect(fs.existsSync(marker)).toBe(false);
    expect(await git.resolveCommit(repo.dir, 'v1')).toBe(repo.shas.v1);
  });
});
