import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { docker, freePort, purgeProject } from '../helpers/engine.js';
import { createHealthyRepo } from '../helpers/fixture-repo.js';
import { deployments } from '../helpers/state.js';

/**
 * The TUI's container keys headless (issue #15): `otterstack container restart|stop|start|inspect
 * <project> <service>` on the active release's container, found by service name.
 */
const name = `t-ccli-${crypto.randomBytes(3).toString('hex')}`;
const secret = `greeting-${crypto.randomBytes(6).toString('hex')}`;
let dataDir: string;

function webContainer(): string {
  const cp = deployments(dataDir, name).find((d) => d.status === 'active')!.compose_project;
  return docker(['ps', '-aq', '--no-trunc', '--filter', `label=com.docker.compose.project=${cp}`]).split('\n')[0]!;
}
const state = () => JSON.parse(docker(['inspect', '--format', '{{json .State}}', webContainer()])) as { Running: boolean; StartedAt: string };

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  expect((await runCli(dataDir, ['project', 'add', '--name', name, '--repo', createHealthyRepo(await freePort(), ['v1']).dir])).code).toBe(0);
  expect((await runCli(dataDir, ['env', 'set', name, `OTTER_GREETING=${secret}`, '--service', 'web'])).code).toBe(0);
  expect((await runCli(dataDir, ['deploy', name, '--ref', 'v1'])).code).toBe(0);
});

afterAll(() => purgeProject(name));

describe('otterstack container', () => {
  it('inspect prints the state and the resolved config with the secret masked', async () => {
    const res = await runCli(dataDir, ['container', 'inspect', name, 'web']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/state\s+running\s+health healthy/);
    expect(res.stdout).toMatch(/OTTER_GREETING: "?\*\*\*\*/);
    expect(res.stdout + res.stderr).not.toContain(secret);
  });

  it('stop, start and restart act on the service container', async () => {
    const before = state().StartedAt;
    expect((await runCli(dataDir, ['container', 'stop', name, 'web'])).stdout).toMatch(/^stopped otterstack-/);
    expect(state().Running).toBe(false);
    expect((await runCli(dataDir, ['container', 'start', name, 'web'])).stdout).toMatch(/^started otterstack-/);
    expect(state().Running).toBe(true);
    const started = state().StartedAt;
    expect(started).not.toBe(before);
    expect((await runCli(dataDir, ['container', 'restart', name, 'web'])).code).toBe(0);
    expect(state().StartedAt).not.toBe(started);
  });

  it('an unknown service is refused with the services there are', async () => {
    const res = await runCli(dataDir, ['container', 'restart', name, 'nope']);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/no container of service "nope"; its services: web/);
  });
});
