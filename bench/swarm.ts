/**
 * #20: failed requests during a swarm deploy, a failed swarm deploy (the swarm rolls it back) and a
 * swarm rollback (goal 0 each), measured over HTTPS through the OtterStack proxy (real Caddy,
 * `proxy install` under a name of the bench's own), which joins the stack's attachable overlay
 * network and routes the domain to the stack's service (with start-first on one node, two tasks
 * cannot share a host-mode port; this engine has no IPVS, so the service uses endpoint_mode dnsrr). And the deploy time of a new commit against
 * `docker stack deploy` of the same rendered file by hand, waited out the same way (every task of
 * the new spec running). Sets up the single-node swarm and a registry when missing and leaves the
 * engine as it found it (a swarm it initialized is left again). Compose v1 and v2 render.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../test/helpers/cli.js';
import { createTaggedRepo } from '../test/helpers/fixture-repo.js';
import { startRegistry } from '../test/helpers/registry.js';
import { freePort, removeProxyObjects } from '../test/helpers/engine.js';
import { duringRequests, httpsGet, type HttpsTarget } from '../test/helpers/request-loop.js';
import { removeStack, swarmAppCompose } from '../test/helpers/swarm.js';
import { median } from './stats.js';
import { COMPOSE_VERSIONS, type ComposeVersion, type Row } from './run.js';

const appCompose = (version: string, healthy = true) => swarmAppCompose({ version, healthy, replicas: 2, webOnly: true });

/** Every task of the stack running the spec its service now has (what the gate waits for, by hand). */
function converged(stack: string, replicas: number): boolean {
  const ids = spawnSync('docker', ['service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${stack}`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return false;
  const states = spawnSync('docker', ['service', 'inspect', '--format', '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}', ...ids], { encoding: 'utf8' }).stdout.trim();
  if (/updating|rollback/.test(states)) return false;
  const running = spawnSync('docker', ['stack', 'ps', stack, '--filter', 'desired-state=running', '--format', '{{.CurrentState}}'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.startsWith('Running'));
  return running.length === replicas;
}

async function byHand(stack: string, file: string): Promise<number> {
  const started = Date.now();
  execFileSync('docker', ['stack', 'deploy', '--with-registry-auth', '--prune', '-c', file, stack], { stdio: 'ignore' });
  for (let i = 0; i < 1200 && !converged(stack, 2); i++) await new Promise((r) => setTimeout(r, 250));
  return Date.now() - started;
}

async function benchOne(compose: ComposeVersion): Promise<Row[]> {
  const sfx = crypto.randomBytes(3).toString('hex');
  const project = `bench-swarm-${sfx}`;
  const stack = `otterstack-${project}`;
  const hand = `bench-hand-${sfx}`;
  const proxyName = `bench-proxy-${sfx}`;
  const domain = `${project}.test`;
  const env = { OTTERSTACK_COMPOSE_COMMAND: compose.setting, OTTERSTACK_PROXY_NAME: proxyName };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-bench-swarm-'));
  const dataDir = path.join(work, 'data');
  const repo = path.join(work, 'repo');
  fs.mkdirSync(repo);
  const tags: [string, string][] = [['v1', appCompose('v1')], ['v2', appCompose('v2')], ['bad', appCompose('bad', false)], ...[1, 2, 3].map((i): [string, string] => [`n${i}`, appCompose(`n${i}`)])];
  const shas = createTaggedRepo(repo, tags);
  const cli = async (...args: string[]) => runCli(dataDir, args, env);
  const registry = await startRegistry();
  const httpPort = await freePort();
  let httpsPort = await freePort();
  while (httpsPort === httpPort) httpsPort = await freePort();
  const target: HttpsTarget = { port: httpsPort, domain };
  try {
    for (const args of [
      ['proxy', 'install', '--image', 'otterstack/caddy:local', '--http-port', String(httpPort), '--https-port', String(httpsPort)],
      ['project', 'add', '--name', project, '--repo', repo, '--target', 'swarm', '--registry', registry.host, '--domain', domain, '--route', 'web:8080', '--tls', 'internal'],
      ['deploy', project, '--ref', 'v1'],
    ]) {
      const res = await cli(...args);
      if (res.code !== 0) throw new Error(`bench swarm: ${args.join(' ')}: ${res.stderr}`);
    }
    const detail = `of the requests (1 / 10 ms) over HTTPS through the OtterStack proxy on the stack's overlay network, web 2 replicas start-first, ${compose.label} renders`;
    const rows: Row[] = [];
    for (const step of [
      { metric: 'failed requests during swarm deploy', args: ['deploy', project, '--ref', 'v2'], code: 0, expect: 'v2' },
      { metric: 'failed requests during failed swarm deploy', args: ['deploy', project, '--ref', 'bad'], code: 6, expect: 'v2' },
      { metric: 'failed requests during swarm rollback', args: ['rollback', project], code: 0, expect: 'v1' },
    ]) {
      const { loop, result } = await duringRequests(target, () => cli(...step.args), { afterMs: 500 });
      if (result.code !== step.code) throw new Error(`bench swarm: ${step.args.join(' ')} exited ${result.code}: ${result.stderr}`);
      const now = (await httpsGet(target))?.body;
      if (now !== step.expect) throw new Error(`bench swarm: after ${step.args.join(' ')} the proxy answers ${now}, not ${step.expect}`);
      rows.push({ metric: `${step.metric} (${compose.label})`, value: loop.failed, unit: 'req', detail: `of ${loop.total} ${detail}`, goal: 0 });
    }
    // Deploy time of a new commit: OtterStack (fetch, worktree, validation, render, stack deploy, gate)
    // against the same rendered file deployed by hand and waited out the same way, alternating.
    const ours: number[] = [];
    const theirs: number[] = [];
    const files: string[] = [];
    for (const tag of ['n1', 'n2', 'n3']) {
      const started = Date.now();
      const res = await cli('deploy', project, '--ref', tag);
      if (res.code !== 0) throw new Error(`bench swarm: deploy ${tag}: ${res.stderr}`);
      ours.push(Date.now() - started);
      files.push(path.join(dataDir, 'worktrees', project, `${shas[tag]!.slice(0, 7)}.stack.yaml`));
    }
    // By hand: its own stack (same file, so the same spec changes), first deployed once to start from a running v1-like state.
    await byHand(hand, files[0]!);
    for (const file of [files[1]!, files[2]!, files[0]!]) theirs.push(await byHand(hand, file));
    const oursMs = median(ours);
    const handMs = median(theirs);
    rows.push({ metric: `swarm deploy of a new commit, otterstack (${compose.label})`, value: oursMs / 1000, unit: 's', detail: `median of ${ours.map((m) => (m / 1000).toFixed(1)).join(', ')} s: lock, fetch, worktree, compose config, render, stack deploy, health gate` });
    rows.push({ metric: `swarm deploy, plain docker stack deploy by hand (${compose.label})`, value: handMs / 1000, unit: 's', detail: `median of ${theirs.map((m) => (m / 1000).toFixed(1)).join(', ')} s: the same rendered files, waited until every task of the new spec runs (${(oursMs / handMs).toFixed(2)}× for otterstack)` });
    return rows;
  } finally {
    await removeStack(hand).catch(() => undefined);
    // The project's own removal takes the proxy off the stack's network first.
    await cli('project', 'remove', project, '--cleanup', 'all', '--yes').catch(() => undefined);
    await removeStack(stack).catch(() => undefined);
    removeProxyObjects(proxyName);
    await registry.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export async function benchSwarm(): Promise<Row[]> {
  const initialized = execFileSync('bash', ['scripts/swarm-setup.sh'], { encoding: 'utf8' }).trim() === 'initialized';
  try {
    const rows: Row[] = [];
    for (const compose of COMPOSE_VERSIONS) rows.push(...(await benchOne(compose)));
    return rows;
  } finally {
    // The engine as the bench found it.
    if (initialized) execFileSync('bash', ['scripts/swarm-setup.sh', '--leave'], { stdio: 'ignore' });
  }
}
