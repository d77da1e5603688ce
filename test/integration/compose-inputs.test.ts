import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runJson } from '../helpers/cli.js';
import { docker, purgeProject, releasesOf, TEST_IMAGE } from '../helpers/engine.js';
import { git } from '../helpers/fixture-repo.js';
import { deployments, lockFiles, worktreeDirs } from '../helpers/state.js';

/*
 * Issue #17: several compose files (merged in order), profiles and env files from the repository,
 * on the real engine under Compose v1 and v2.
 */
const project = `t-inputs-${crypto.randomBytes(3).toString('hex')}`;
let dataDir: string;
let repo: string;
const shas: Record<string, string> = {};
const fast = ['--setting', 'startupGraceSeconds=1'];

const BASE = `services:
  web:
    image: ${TEST_IMAGE}
    init: true
    command: ["sh", "-c", "echo base > /tmp/variant && exec sleep 3600"]
    environment:
      GREETING: \${GREETING}
      FROM_FILE: \${FROM_FILE}
  extra:
    image: ${TEST_IMAGE}
    init: true
    command: ["sleep", "3600"]
    profiles: [extra]
`;

// The second file overrides web's command and adds to its environment, and adds a service.
const PROD = `services:
  web:
    command: ["sh", "-c", "echo prod > /tmp/variant && exec sleep 3600"]
    environment:
      MODE: prod
  worker:
    image: ${TEST_IMAGE}
    init: true
    command: ["sleep", "3600"]
`;

function commit(tag: string): void {
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', tag]);
  git(repo, ['tag', tag]);
  shas[tag] = git(repo, ['rev-parse', 'HEAD']);
}

/** service -> container id of a release's running containers. */
function running(cp: string): Record<string, string> {
  const out = docker(['ps', '--filter', `label=com.docker.compose.project=${cp}`, '--format', '{{.ID}} {{.Label "com.docker.compose.service"}}']);
  return Object.fromEntries(out.split('\n').filter(Boolean).map((l) => l.split(' ').reverse() as [string, string]));
}

function active(): { compose_project: string; git_ref: string } {
  const row = deployments(dataDir, project).find((r) => r.status === 'active');
  expect(row).toBeTruthy();
  return row!;
}

/** Nothing half-done: no deploying row, no lock, only worktrees and containers of recorded releases. */
function expectNoLeftovers(): void {
  const rows = deployments(dataDir, project);
  expect(rows.filter((r) => r.status === 'deploying')).toEqual([]);
  expect(lockFiles(dataDir).filter((f) => f.startsWith(project))).toEqual([]);
  const kept = rows.filter((r) => ['active', 'inactive', 'rolled_back'].includes(r.status));
  expect(worktreeDirs(dataDir, project)).toEqual([...new Set(kept.map((r) => r.git_sha.slice(0, 7)))].sort());
  expect(releasesOf(project)).toEqual([...new Set(kept.map((r) => r.compose_project))].sort());
}

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
  git(repo, ['init', '-q', '-b', 'main']);
  fs.writeFileSync(path.join(repo, 'compose.yaml'), BASE);
  fs.writeFileSync(path.join(repo, 'compose.prod.yaml'), PROD);
  fs.mkdirSync(path.join(repo, 'env'));
  fs.writeFileSync(path.join(repo, 'env', 'common.env'), 'GREETING=from-common-file\nFROM_FILE=common\n');
  fs.writeFileSync(path.join(repo, 'env', 'prod.env'), '# later file wins\nFROM_FILE=prod\n');
  commit('v1');
  // v2: a compose file and an env file that are symlinks out of the checkout.
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-outside-'));
  fs.writeFileSync(path.join(outside, 'x.yaml'), 'services:\n  web:\n    environment:\n      LEAK: "yes"\n');
  fs.writeFileSync(path.join(outside, 'x.env'), 'FROM_FILE=leaked\n');
  fs.symlinkSync(path.join(outside, 'x.yaml'), path.join(repo, 'evil.yaml'));
  fs.symlinkSync(path.join(outside, 'x.env'), path.join(repo, 'env', 'evil.env'));
  commit('v2');
});

afterAll(() => {
  purgeProject(project);
});

describe('compose inputs: several files, profiles, env files', () => {
  it('project add keeps the lists in order and shows them', async () => {
    const add = await runCli(dataDir, [
      'project', 'add', '--name', project, '--repo', repo,
      '--compose-file', 'compose.yaml', '--compose-file', 'compose.prod.yaml',
      '--profile', 'extra',
      '--compose-env-file', 'env/common.env', '--compose-env-file', 'env/prod.env',
    ]);
    expect(add.code, add.stderr).toBe(0);
    const shown = await runJson<{ composeInputs: unknown }>(dataDir, ['project', 'show', project]);
    expect(shown.composeInputs).toEqual({ files: ['compose.yaml', 'compose.prod.yaml'], profiles: ['extra'], envFiles: ['env/common.env', 'env/prod.env'] });
    const text = await runCli(dataDir, ['project', 'show', project]);
    expect(text.stdout).toMatch(/compose files: compose\.yaml \+ compose\.prod\.yaml\nprofiles: +extra\nenv files: +env\/common\.env \+ env\/prod\.env/);
    const set = await runCli(dataDir, ['env', 'set', project, 'GREETING=from-project']);
    expect(set.code, set.stderr).toBe(0);
  });

  it('deploys the merged project with the profile: override applied, env files merged, project config on top', async () => {
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'v1', ...fast]);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    const cp = active().compose_project;
    const c = running(cp);
    expect(Object.keys(c).sort()).toEqual(['extra', 'web', 'worker']);
    expect(docker(['exec', c.web!, 'cat', '/tmp/variant'])).toBe('prod');
    const env = docker(['exec', c.web!, 'env']);
    expect(env).toMatch(/^MODE=prod$/m);
    expect(env).toMatch(/^FROM_FILE=prod$/m);
    expect(env).toMatch(/^GREETING=from-project$/m);
    expectNoLeftovers();
  });

  it('without the profile the profiled service does not run', async () => {
    const set = await runCli(dataDir, ['project', 'set', project, '--profile', '']);
    expect(set.code, set.stderr).toBe(0);
    // v2 has the same compose files (plus two unused symlinks out of the checkout).
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'v2', ...fast]);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    expect(active().git_ref).toBe('v2');
    const c = running(active().compose_project);
    expect(Object.keys(c).sort()).toEqual(['web', 'worker']);
    expect(docker(['exec', c.web!, 'cat', '/tmp/variant'])).toBe('prod');
    expectNoLeftovers();
  });

  it('rollback brings the previous release back with the inputs it ran with (profile extra)', async () => {
    const res = await runCli(dataDir, ['rollback', project, ...fast]);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    expect(Object.keys(running(active().compose_project)).sort()).toEqual(['extra', 'web', 'worker']);
    // The project's own settings are left as they are.
    const shown = await runJson<{ composeInputs: { profiles: string[] } }>(dataDir, ['project', 'show', project]);
    expect(shown.composeInputs.profiles).toEqual([]);
  });

  it('refuses compose and env files that escape the checkout, with one line, before anything changes', async () => {
    for (const [flag, value] of [['--compose-file', '../x.yaml'], ['--compose-file', '/etc/hostname'], ['--compose-env-file', '../x.env'], ['--compose-env-file', '-x.env']] as const) {
      const res = await runCli(dataDir, ['project', 'set', project, flag, value]);
      expect(res.code, `${flag} ${value}`).toBe(2);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(/invalid (compose|env) file .*relative to the repository root/);
    }
    const bad = await runCli(dataDir, ['project', 'add', '--name', `${project}-x`, '--repo', repo, '--compose-file', '../x.yaml']);
    expect(bad.code).toBe(2);
    expect((await runJson<{ name: string }[]>(dataDir, ['project', 'list'])).map((p) => p.name)).toEqual([project]);
    const badProfile = await runCli(dataDir, ['project', 'set', project, '--profile', '--oops']);
    expect(badProfile.code).toBe(2);
    expect(badProfile.stderr).toMatch(/invalid profile "--oops"/);
  });

  it('refuses a compose file or env file that is a symlink out of the checkout at deploy; the running release stays', async () => {
    const before = active().compose_project;
    const cases: [string[], RegExp][] = [
      [['--compose-file', 'compose.yaml', '--compose-file', 'evil.yaml'], /compose file evil\.yaml at v2 \(\w{7}\) resolves outside the repository checkout/],
      [['--compose-file', 'compose.yaml', '--compose-env-file', 'env/common.env', '--compose-env-file', 'env/evil.env'], /env file env\/evil\.env at v2 \(\w{7}\) resolves outside the repository checkout/],
    ];
    for (const [flags, message] of cases) {
      const set = await runCli(dataDir, ['project', 'set', project, ...flags]);
      expect(set.code, set.stderr).toBe(0);
      const res = await runCli(dataDir, ['deploy', project, '--ref', 'v2', ...fast]);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(message);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(active().compose_project).toBe(before);
      expect(Object.keys(running(before)).sort()).toEqual(['extra', 'web', 'worker']);
      expectNoLeftovers();
    }
    // The refused release (v2 with other inputs: its own `-c1` name) left no generated file behind either.
    expect(fs.readdirSync(path.join(dataDir, 'worktrees', project)).filter((f) => f.startsWith(`${shas.v2!.slice(0, 7)}-c`))).toEqual([]);
  });
});
