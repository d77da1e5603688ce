import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { freePort, httpGet, purgeProject } from '../helpers/engine.js';
import { createFixtureRepo } from '../helpers/fixture-repo.js';
import { deployments, lockFiles } from '../helpers/state.js';

const suffix = crypto.randomBytes(3).toString('hex');
const a = `t-lock-a-${suffix}`;
const b = `t-lock-b-${suffix}`;
let dataDir: string;
const ports: Record<string, number> = {};

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  for (const name of [a, b]) {
    ports[name] = await freePort();
    const repo = createFixtureRepo(ports[name]!);
    const add = await runCli(dataDir, ['project', 'add', '--name', name, '--repo', repo.dir]);
    expect(add.code, add.stderr).toBe(0);
  }
});

afterAll(() => {
  purgeProject(a);
  purgeProject(b);
});

describe('locks', () => {
  it('two deploys of the same project at once: exactly one proceeds, the other names the holder', async () => {
    const results = await Promise.all([runCli(dataDir, ['deploy', a, '--ref', 'v1']), runCli(dataDir, ['deploy', a, '--ref', 'feature'])]);
    const codes = results.map((r) => r.code).sort();
    expect(codes).toEqual([0, 4]);
    const loser = results.find((r) => r.code === 4)!;
    expect(loser.stderr).toMatch(new RegExp(`^otterstack: project ${a} is busy: deploy by PID \\d+ on .+ since .+; wait for it`));
    expect(deployments(dataDir, a).map((r) => r.status)).toEqual(['active']);
    expect(lockFiles(dataDir).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  it('a lock left by a dead process is taken over automatically', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    const lock = path.join(dataDir, 'locks', `${a}.lock`);
    fs.writeFileSync(lock, JSON.stringify({ pid: dead, procStart: null, host: os.hostname(), operation: 'deploy', acquiredAt: 1, token: 'x' }));
    const res = await runCli(dataDir, ['deploy', a, '--ref', 'feature']);
    expect(res.code, res.stderr).toBe(0);
    expect(await httpGet(ports[a]!)).toBe('feature');
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('the global parallel-deploy limit queues a second project instead of failing', async () => {
    const env = { OTTERSTACK_MAX_PARALLEL_DEPLOYS: '1' };
    const [ra, rb] = await Promise.all([runCli(dataDir, ['deploy', a, '--ref', 'v1'], env), runCli(dataDir, ['deploy', b, '--ref', 'v1'], env)]);
    expect([ra.code, rb.code], ra.stderr + rb.stderr).toEqual([0, 0]);
    expect(ra.stdout + rb.stdout).toMatch(/waiting for a free deploy slot \(1 deploys already running\)/);
    expect(await httpGet(ports[a]!)).toBe('v1');
    expect(await httpGet(ports[b]!)).toBe('v1');
  });
});

describe('concurrent project add of one name', () => {
  it('exactly one wins; every other says "already exists" with exit 4, never a database error', async () => {
    const name = `t-race-${suffix}`;
    const repo = createFixtureRepo(await freePort());
    const results = await Promise.all(Array.from({ length: 8 }, () => runCli(dataDir, ['project', 'add', '--name', name, '--repo', repo.dir])));
    expect(results.filter((r) => r.code === 0)).toHaveLength(1);
    for (const r of results.filter((r) => r.code !== 0)) {
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr.trim()).toBe(`otterstack: project ${name} already exists: pick another name or remove it first`);
    }
  });
});
