/**
 * Swarm target across two nodes (issue #20): a second dockerd in a network namespace made by
 * scripts/swarm-second-node.sh (own data-root, exec-root, containerd and bridge) joins the test
 * engine's swarm as a worker. A global web service runs on both nodes (docker node ps), the worker
 * pulling the release's image from a real registry (Debian's docker-registry on the host's
 * loopback, reached through the namespace's veth), and OtterStack run against the worker's engine
 * refuses to deploy. Run alone, after every other engine test (`npm test`'s second step): a second
 * engine starting and joining is machine-wide load and swarm traffic no other test should share.
 */
import crypto from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runJson } from '../helpers/cli.js';
import { docker } from '../helpers/engine.js';
import { holdExclusive } from '../helpers/exclusive.js';
import { startRegistry, type LocalRegistry } from '../helpers/registry.js';
import { commitSwarmApp, createSwarmRepo, ensureSwarm, forwardTcp, removeStack, stackServices } from '../helpers/swarm.js';

const project2 = `t-swarm-nodes-${crypto.randomBytes(2).toString('hex')}`;
let dataDir: string;
let registry: LocalRegistry;
let release: () => void;
const cli = (...args: string[]) => runCli(dataDir, args);

describe('swarm across two nodes', () => {
  let worker = '';
  const stack2 = `otterstack-${project2}`;
  let forward: net.Server | null = null;
  const script = path.resolve('scripts/swarm-second-node.sh');
  const env = () => ({ ...process.env, NODE2_FORWARD_PORTS: registry.host.split(':')[1]!, NODE2_DIR: path.join(os.tmpdir(), `otter-node2-${process.pid}`) });

  beforeAll(async () => {
    release = await holdExclusive('swarm', 20 * 60_000);
    ensureSwarm();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
    registry = await startRegistry();
    worker = execFileSync('bash', [script, 'up'], { encoding: 'utf8', env: env(), timeout: 120_000 }).trim();
    // The worker's 127.0.0.1:<registry port> arrives at the host side of its veth: on to the registry.
    forward = await forwardTcp('10.231.0.1', Number(registry.host.split(':')[1]));
  }, 180_000);

  afterAll(async () => {
    await removeStack(stack2).catch(() => undefined);
    spawnSync('docker', ['volume', 'rm', '-f', `otterstack-${project2}_data`]);
    spawnSync('bash', [script, 'down'], { env: env(), timeout: 180_000 });
    forward?.close();
    await registry?.stop();
    release?.();
  }, 240_000);

  it('runs web on both nodes (global mode), the worker pulling its image from the registry', async () => {
    expect(worker).toMatch(/^[a-z0-9]{25}$/);
    const repo2 = createSwarmRepo();
    const sha = commitSwarmApp(repo2, 'global', { version: 'global', global: true });
    expect((await cli('project', 'add', '--name', project2, '--repo', repo2, '--target', 'swarm', '--registry', registry.host)).code).toBe(0);
    const res = await cli('deploy', project2, '--ref', 'global');
    expect(res.code, res.stderr + res.stdout).toBe(0);
    const onWorker = docker(['node', 'ps', worker, '--filter', 'desired-state=running', '--format', '{{.Name}} {{.Image}} {{.CurrentState}}']);
    expect(onWorker).toMatch(new RegExp(`${stack2}_web\\.${worker}\\S* ${registry.host.replace(/\./g, '\\.')}/${project2}-web:${sha.slice(0, 7)}\\S* Running`));
    const onManager = docker(['node', 'ps', 'self', '--filter', 'desired-state=running', '--format', '{{.Name}}']);
    expect(onManager).toMatch(new RegExp(`${stack2}_web\\.`));
    expect(onManager).toMatch(new RegExp(`${stack2}_db\\.1`));
    const status = await runJson<{ swarm: { service: string; nodes: string[] }[] }[]>(dataDir, ['status', project2, '--json']);
    expect(status[0]!.swarm.find((s) => s.service === 'web')!.nodes).toHaveLength(2);
    expect((await cli('status', project2)).stdout).toMatch(/web: replicas 2\/2 on 2 nodes/);
  }, 300_000);

  it('on a worker node, doctor says so and a swarm deploy is refused before anything is recorded', async () => {
    const onWorker = { DOCKER_HOST: `unix://${env().NODE2_DIR}/docker.sock` };
    const doctor = await runCli(dataDir, ['doctor'], onWorker);
    expect(doctor.stdout).toMatch(/swarm +fail +this node is a swarm worker/i);
    const before = (await runJson<unknown[]>(dataDir, ['history', project2])).length;
    const res = await runCli(dataDir, ['deploy', project2, '--ref', 'global'], onWorker);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^otterstack: project \S+ deploys to a Docker Swarm, but this engine is a worker node: run OtterStack on a manager/);
    expect((await runJson<unknown[]>(dataDir, ['history', project2])).length).toBe(before);
  }, 120_000);

  it('project remove takes its stack down on every node', async () => {
    const res = await cli('project', 'remove', project2, '--yes');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout + res.stderr).toMatch(new RegExp(`removing swarm stack ${stack2}`));
    expect(stackServices(stack2)).toEqual({});
    expect(docker(['node', 'ps', worker, '--filter', 'desired-state=running', '--format', '{{.Name}}'])).not.toMatch(new RegExp(stack2));
  }, 120_000);
});
