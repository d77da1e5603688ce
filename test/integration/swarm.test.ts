/**
 * Swarm target (issue #20) with real parts: the engine as a single-node swarm manager
 * (scripts/swarm-setup.sh), a real registry (Debian's docker-registry on 127.0.0.1) that the built
 * images are pushed to, `docker stack deploy`, and a real Caddy on the stack's attachable overlay
 * network that the request loop goes through; then a project routed by the OtterStack proxy
 * (swarm-proxy.cases.ts). Two nodes: swarm-nodes.test.ts (run alone, after the rest). The v1 and
 * v2 runs of this file take turns (one swarm).
 */
import crypto from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runJson } from '../helpers/cli.js';
import { docker } from '../helpers/engine.js';
import { holdExclusive } from '../helpers/exclusive.js';
import { startRegistry, type LocalRegistry } from '../helpers/registry.js';
import { duringProbes } from '../helpers/request-loop.js';
import { commitSwarmApp, createSwarmRepo, ensureSwarm, get, removeStack, stackServices, startOverlayProxy } from '../helpers/swarm.js';
import { TmuxApp } from '../helpers/tmux.js';
import { parse } from 'yaml';
import { waitFor } from '../helpers/wait.js';
import { describeSwarmProxy } from './swarm-proxy.cases.js';

const version = process.env.OTTERSTACK_TEST_COMPOSE_VERSION ?? 'v2';
const project = `t-swarm-${version}-${crypto.randomBytes(2).toString('hex')}`;
const stack = `otterstack-${project}`;
let dataDir: string;
let repoDir: string;
let registry: LocalRegistry;
let release: () => void;
let proxy: { port: number; stop(): void } | null = null;
const shas: Record<string, string> = {};
const cli = (...args: string[]) => runCli(dataDir, args);
const tasksOf = (service: string) =>
  docker(['service', 'ps', `${stack}_${service}`, '--filter', 'desired-state=running', '--format', '{{.ID}} {{.CurrentState}}'])
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[0]!);

beforeAll(async () => {
  release = await holdExclusive('swarm', 20 * 60_000);
  ensureSwarm();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  registry = await startRegistry();
  repoDir = createSwarmRepo();
  shas.v1 = commitSwarmApp(repoDir, 'v1', { version: 'v1' });
  shas.v2 = commitSwarmApp(repoDir, 'v2', { version: 'v2', healthy: false });
  shas.v3 = commitSwarmApp(repoDir, 'v3', { version: 'v3' });
  shas.loose = commitSwarmApp(repoDir, 'loose', { version: 'loose', dbNode: null });
}, 20 * 60_000);

afterAll(async () => {
  proxy?.stop();
  await removeStack(stack).catch(() => undefined);
  spawnSync('docker', ['volume', 'rm', '-f', `otterstack-${project}_data`]);
  for (const key of Object.keys(shas)) spawnSync('docker', ['image', 'rm', '-f', `otterstack/${project}-web:${shas[key]!.slice(0, 7)}`, `${registry?.host}/${project}-web:${shas[key]!.slice(0, 7)}`]);
  await registry?.stop();
  release?.();
});

describe(`swarm target (compose ${version} renders)`, () => {
  it('checks --target and --registry before anything is written', async () => {
    const bad = await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repoDir, '--target', 'kubernetes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^otterstack: invalid --target "kubernetes": give compose .* or swarm/);
    const mixed = await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repoDir, '--target', 'swarm', '--traefik-routing']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/--target swarm does not combine with --traefik-routing/);
    const registryAlone = await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repoDir, '--registry', registry.host]);
    expect(registryAlone.code).toBe(2);
    expect(registryAlone.stderr).toMatch(/--registry is where a swarm project's built images are pushed: add --target swarm/);
    const badRegistry = await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repoDir, '--target', 'swarm', '--registry', '--upload-pack=x']);
    expect(badRegistry.code).toBe(2);
    expect((await runJson<unknown[]>(dataDir, ['project', 'list'])).length).toBe(0);

    const added = await cli('project', 'add', '--name', project, '--repo', repoDir, '--target', 'swarm', '--registry', registry.host);
    expect(added.code, added.stderr).toBe(0);
    const shown = await cli('project', 'show', project);
    expect(shown.stdout).toMatch(new RegExp(`target: +swarm \\(stack ${stack}; images pushed to ${registry.host.replace(/\./g, '\\.')}\\)`));
  });

  it('refuses a stateful service that is not pinned to a node, leaving nothing behind', async () => {
    // A dry run renders the stack too: the same refusal, and what a good release would be given.
    const dry = await cli('deploy', project, '--ref', 'loose', '--dry-run');
    expect(dry.code).toBe(2);
    expect(dry.stderr).toMatch(/service db keeps data \(volume data\).*pin it to one node/);
    const good = await cli('deploy', project, '--ref', 'v1', '--dry-run');
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(new RegExp(`dry run: would docker stack deploy ${stack} \\(${stack}-${shas.v1!.slice(0, 7)}\\) with services db, web`));
    const res = await cli('deploy', project, '--ref', 'loose');
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^otterstack: service db keeps data \(volume data\).*pin it to one node \(deploy\.placement\.constraints/);
    expect(stackServices(stack)).toEqual({});
    const history = await runJson<{ status: string }[]>(dataDir, ['history', project]);
    expect(history.map((h) => h.status)).toEqual(['failed']);
    expect(fs.readdirSync(path.join(dataDir, 'worktrees', project))).toEqual([]);
  });

  it('deploys v1 as a stack: images built and pushed, hook on the overlay network, healthy replicas, status', async () => {
    const res = await cli('deploy', project, '--ref', 'v1');
    expect(res.code, res.stderr + res.stdout).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`pushing ${registry.host.replace(/\./g, '\\.')}/${project}-web:${shas.v1!.slice(0, 7)}`));
    expect(res.stdout).toMatch(/\[pre_deploy\] migrating to v1/);
    expect(res.stdout).toMatch(/\[pre_deploy\] no db yet/);
    expect(res.stdout).toMatch(/web: 1\/1 running/);
    expect(stackServices(stack)).toEqual({ [`${stack}_db`]: '1/1', [`${stack}_web`]: '1/1' });
    // The registry really holds the release's image.
    const tags = (await (await fetch(`http://${registry.host}/v2/${project}-web/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toContain(shas.v1!.slice(0, 7));
    // The stack file: beside the worktree, readable by its owner only, never in the checkout.
    const file = path.join(dataDir, 'worktrees', project, `${shas.v1!.slice(0, 7)}.stack.yaml`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/version: "3\.8"/);
    expect(text).not.toMatch(/build:|x-otterstack/);
    const rendered = parse(text) as { services: Record<string, { deploy: { update_config: { order: string; failure_action: string } } }> };
    expect(rendered.services.web!.deploy.update_config).toMatchObject({ order: 'start-first', failure_action: 'rollback' });
    expect(rendered.services.db!.deploy.update_config).toMatchObject({ order: 'stop-first', failure_action: 'rollback' });
    const status = await runJson<{ health: string; swarm: { service: string; running: number; wanted: number; nodes: string[] }[] }[]>(dataDir, ['status', project, '--json']);
    expect(status[0]!.health).toBe('healthy');
    expect(status[0]!.swarm.map((s) => [s.service, s.running, s.wanted, s.nodes.length])).toEqual([
      ['db', 1, 1, 1],
      ['web', 1, 1, 1],
    ]);
    const plain = await cli('status', project);
    expect(plain.stdout).toMatch(/web: replicas 1\/1 on 1 node/);
    // Container logs of a swarm release: the swarm's own stream of every task.
    const logs = await cli('logs', project, '--containers', '--tail', '5');
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/^db +\| \S+ db started$/m);
    const doctor = await cli('doctor');
    expect(doctor.stdout).toMatch(/swarm +ok +manager; \d+\/\d+ node\(s\) ready/i);
    // This kernel has no IPVS: doctor says the mesh cannot work, rather than letting ports time out.
    if (!fs.existsSync('/proc/net/ip_vs')) expect(doctor.stdout).toMatch(/swarm routing mesh +warn +the kernel has no IPVS/i);
    // An unchanged redeploy is recognised as such.
    const again = await cli('deploy', project, '--ref', 'v1');
    expect(again.stdout).toMatch(/already the active, healthy release/);
    proxy = await startOverlayProxy(`${stack}-test-proxy`, `${stack}_default`);
    expect((await get(proxy.port))?.body).toBe('v1');
  }, 240_000);

  it('a failing v2 is rolled back by the swarm (exit 6, which service and why) while v1 serves every request', async () => {
    const db = tasksOf('db');
    const { loop, result } = await duringProbes(() => get(proxy!.port), () => cli('deploy', project, '--ref', 'v2', '--timeout', '90'));
    expect(result.code, result.stdout).toBe(6);
    expect(result.stderr).toMatch(/^otterstack: swarm service web: the swarm rolled the update back: .*task error: .*unhealthy/);
    expect(loop.failed).toBe(0);
    expect(Object.keys(loop.bodies)).toEqual(['v1']);
    expect(stackServices(stack)).toEqual({ [`${stack}_db`]: '1/1', [`${stack}_web`]: '1/1' });
    // The database's definition did not change: it kept running (never restarted for a release).
    expect(tasksOf('db')).toEqual(db);
    const history = await runJson<{ git_ref: string; status: string; error_message: string | null }[]>(dataDir, ['history', project]);
    expect(history.slice(0, 2).map((h) => [h.git_ref, h.status])).toEqual([
      ['v2', 'failed'],
      ['v1', 'active'],
    ]);
  }, 240_000);

  it('v3 replaces v1 start-first with no failed request; the hook reaches db over the overlay', async () => {
    const { loop, result } = await duringProbes(() => get(proxy!.port), () => cli('deploy', project, '--ref', 'v3'), { afterMs: 1000 });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/\[pre_deploy\] db started/);
    expect(result.stdout).toMatch(/\[pre_deploy\] reached db/);
    expect(loop.failed).toBe(0);
    expect(loop.bodies.v3).toBeGreaterThan(0);
    expect((await get(proxy!.port))?.body).toBe('v3');
  }, 240_000);

  it('rollback deploys the kept stack file of v1 (no checkout), with no failed request; data kept', async () => {
    const { loop, result } = await duringProbes(() => get(proxy!.port), () => cli('rollback', project), { afterMs: 1000 });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/deploying the kept stack file of otterstack-\S+-[0-9a-f]{7}/);
    expect(result.stdout).not.toMatch(/checking out/);
    expect(loop.failed).toBe(0);
    expect((await get(proxy!.port))?.body).toBe('v1');
    const history = await runJson<{ git_ref: string; action: string; status: string }[]>(dataDir, ['history', project]);
    expect(history.slice(0, 2).map((h) => [h.git_ref, h.action, h.status])).toEqual([
      ['v1', 'rollback', 'active'],
      ['v3', 'deploy', 'rolled_back'],
    ]);
  }, 240_000);

  it('prune removes old releases\' stack files and images, never the volume', async () => {
    const res = await cli('prune', project, '--keep', '1');
    expect(res.code, res.stderr).toBe(0);
    const files = fs.readdirSync(path.join(dataDir, 'worktrees', project));
    expect(files.filter((f) => f.endsWith('.stack.yaml'))).toEqual([`${shas.v1!.slice(0, 7)}.stack.yaml`]);
    expect(spawnSync('docker', ['image', 'inspect', `otterstack/${project}-web:${shas.v3!.slice(0, 7)}`]).status, res.stdout).not.toBe(0);
    const log = execFileSync('docker', ['run', '--rm', '-v', `otterstack-${project}_data:/data`, 'otterstack/busybox:local', 'cat', '/data/log'], { encoding: 'utf8' });
    expect(log).toMatch(/db started/);
  }, 120_000);

  it('the TUI shows the stack\'s services with replicas and nodes, and deploys from the keyboard', async () => {
    const app = TmuxApp.start(dataDir, { TERM: 'xterm-256color', LANG: 'C.UTF-8' }, { cols: 200, rows: 40 });
    try {
      await app.waitForScreen(/Services — t-swarm-\S+ .*\(swarm\)/, 'the services box of a swarm project');
      const screen = await app.waitForScreen(/web\s+1\/1\s+\S+/, 'web replicas');
      expect(screen).toMatch(/db\s+1\/1/);
      await app.press('d');
      await app.waitForScreen(/type a ref/, 'deploy picker');
      await app.press('Enter');
      await app.waitForScreen(/Ref \(tag, branch or SHA\)/, 'ref input');
      app.type('v3');
      await app.press('Enter');
      await app.waitForScreen(/Deploy .*v3/, 'confirmation');
      await app.press('Enter');
      await app.waitForScreen(/web: \d\/1 running/, 'task updates in the progress', 120_000);
      await app.waitForScreen(/is active \(v3\) as swarm stack/, 'deploy done', 120_000);
      await waitFor(() => /deployed v3 to t-swarm-/.test(app.screen().trimEnd().split('\n').at(-1) ?? ''), 'status bar: deployed', 60_000);
      app.keys('q');
      expect(await app.exitCode()).toBe(0);
    } finally {
      app.kill();
    }
    await waitFor(async () => (await get(proxy!.port))?.body === 'v3', 'v3 through the proxy', 30_000);
  }, 300_000);
});

describe(`swarm target, after the operator (compose ${version})`, () => {
  it('cleanup deploys the active release again when its stack was removed by hand', async () => {
    // The test's Caddy holds the stack's network: it goes first, as an operator's would be.
    proxy?.stop();
    proxy = null;
    await removeStack(stack);
    const status = await runJson<{ health: string }[]>(dataDir, ['status', project, '--json']);
    expect(status[0]!.health).toBe('missing');
    const res = await cli('cleanup');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout + res.stderr).toMatch(new RegExp(`redeploy stack ${stack}`));
    await waitFor(async () => (await runJson<{ health: string }[]>(dataDir, ['status', project, '--json']))[0]!.health === 'healthy', 'the stack back and healthy', 90_000);
    // Once in place, cleanup leaves it alone.
    expect((await cli('cleanup')).stdout).not.toMatch(/redeploy stack/);
  }, 180_000);
});

// The OtterStack proxy in front of a stack: inside this file's hold on the one swarm.
describeSwarmProxy();
