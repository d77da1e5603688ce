/**
 * Deploys through the OtterStack proxy (#18, strategy `proxy`) with the real Caddy
 * (otterstack/caddy:local) and real releases: a request loop (1 request / 10 ms) through the proxy's
 * HTTPS port, with the domain as SNI and Host, counts failed requests during a deploy, a failed
 * deploy, a deploy refused before the switch (wrong port) and a rollback (0 each); a proxy that lost
 * its routes is restored by `cleanup` and by `proxy install` from SQLite; `project remove` takes the
 * routes away. Each compose version's run has its own proxy (OTTERSTACK_PROXY_NAME) and ports.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { docker, freePort, purgeProject, removeProxyObjects } from '../helpers/engine.js';
import { createTaggedRepo, proxiedAppCompose } from '../helpers/fixture-repo.js';
import { TmuxApp } from '../helpers/tmux.js';
import { deployWithoutFailures, duringRequests, httpsGet, type HttpsTarget } from '../helpers/request-loop.js';
import { waitFor } from '../helpers/wait.js';
import { openContext, type ServiceContext } from '../../src/services/context.js';
import { CaddyAdmin } from '../../src/services/proxy/caddy-admin.js';
import { readProxyRoutes } from '../../src/services/proxy/proxy-config.js';

const CADDY_IMAGE = 'otterstack/caddy:local';
const sfx = `${process.env.OTTERSTACK_TEST_COMPOSE_VERSION ?? 'x'}-${crypto.randomBytes(3).toString('hex')}`;
const PROXY = `t-pxd-${sfx}`;
const project = `pxd-${sfx}`;
const domain = `app-${sfx}.test`;
const env = { OTTERSTACK_PROXY_NAME: PROXY, OTTERSTACK_DRAIN_SECONDS: '1' };
let dataDir: string;
let repo: string;
let target: HttpsTarget;
let httpPort: number;
let httpsPort: number;
let ctx: ServiceContext;
const shas: Record<string, string> = {};

const cli = (...args: string[]) => runCli(dataDir, args, env);
const upstreamOf = (tag: string) => `web-${shas[tag]!.slice(0, 7)}:8080`;


/** Until the proxy answers for the domain with `body` from `upstream`. */
async function serves(body: string, upstream: string): Promise<void> {
  await waitFor(async () => {
    const a = await httpsGet(target);
    return a?.status === 200 && a.body === body && a.upstream === upstream;
  }, `the proxy to serve ${body} from ${upstream}`, 20_000);
}

/** The routes the running Caddy has, read back over its admin socket. */
async function liveRoutes(): Promise<{ id: string; domains: string[]; upstreams: string[] }[]> {
  return readProxyRoutes(ctx);
}

describe('deploys through the OtterStack proxy (strategy proxy)', () => {
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-pxd-'));
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-pxd-repo-'));
    Object.assign(shas, createTaggedRepo(repo, [['v1', proxiedAppCompose('v1')], ['v2', proxiedAppCompose('v2')], ['bad', proxiedAppCompose('bad', false)]]));
    httpPort = await freePort();
    do httpsPort = await freePort();
    while (httpsPort === httpPort);
    target = { port: httpsPort, domain };
    ctx = await openContext({ dataDir });
    const added = await cli('project', 'add', '--name', project, '--repo', repo, '--domain', domain, '--route', 'web:8080', '--tls', 'internal');
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
  });

  afterAll(async () => {
    await ctx?.close();
    purgeProject(project);
    removeProxyObjects(PROXY);
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(repo, { recursive: true, force: true });
  });

  it('refuses to deploy while the proxy is not installed: one line, nothing started, nothing left deploying', async () => {
    const res = await cli('deploy', project, '--ref', 'v1');
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/not installed: run otterstack proxy install/);
    expect(docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=otterstack-${project}-${shas.v1!.slice(0, 7)}`])).toBe('');
    const rows = await ctx.store.deployments.all((await ctx.store.projects.byName(project))!.id);
    expect(rows.filter((r) => r.status === 'deploying')).toEqual([]);
  }, 60_000);

  it('first deploy: the release joins the proxy network and the domain is routed to it over HTTPS', async () => {
    const install = await cli('proxy', 'install', '--image', CADDY_IMAGE, '--http-port', String(httpPort), '--https-port', String(httpsPort));
    expect(install.stderr).toBe('');
    const res = await cli('deploy', project, '--ref', 'v1');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/the proxy routes to otterstack-[\w-]+ \(confirmed in \d+ ms/);
    await serves('v1', upstreamOf('v1'));
    expect(await liveRoutes()).toEqual([{ id: `${project}.web.8080`, domains: [domain], upstreams: [upstreamOf('v1')] }]);
  }, 120_000);

  it('deploy: the route moves to the healthy new release with 0 failed requests, then the old release stops', async () => {
    await deployWithoutFailures(target, () => cli('deploy', project, '--ref', 'v2'), 'v1', 'v2');
    await serves('v2', upstreamOf('v2'));
    const old = docker(['ps', '-q', '--filter', `label=com.docker.compose.project=otterstack-${project}-${shas.v1!.slice(0, 7)}`]);
    expect(old).toBe('');
  }, 120_000);

  it('a release that never gets healthy fails with exit 6 and never touches the route: 0 failed requests', async () => {
    const { loop, result } = await duringRequests(target, () => cli('deploy', project, '--ref', 'bad'));
    expect(result.code).toBe(6);
    expect(result.stderr).toMatch(/unhealthy/);
    expect(loop.failed).toBe(0);
    expect(Object.keys(loop.bodies)).toEqual(['v2']);
    expect((await liveRoutes())[0]!.upstreams).toEqual([upstreamOf('v2')]);
  }, 120_000);

  it('a route to a port the release does not listen on is refused before the switch: exit 6, 0 failed requests', async () => {
    expect((await cli('project', 'set', project, '--route', 'web:9090')).code).toBe(0);
    try {
      const { loop, result } = await duringRequests(target, () => cli('deploy', project, '--ref', 'v1'));
      expect(result.code).toBe(6);
      expect(result.stderr).toMatch(/the proxy cannot reach web-[0-9a-f]{7}:9090 .*refused.*is 9090 the port web listens on/i);
      expect(result.stderr).toMatch(/the routes were not switched/);
      expect(loop.failed).toBe(0);
      expect(Object.keys(loop.bodies)).toEqual(['v2']);
      expect(await liveRoutes()).toEqual([{ id: `${project}.web.8080`, domains: [domain], upstreams: [upstreamOf('v2')] }]);
    } finally {
      expect((await cli('project', 'set', project, '--route', 'web:8080')).code).toBe(0);
    }
  }, 120_000);

  it('interrupted after the switch (while the old release drains): the routes go back to it, 0 failed requests', async () => {
    const { loop, result } = await duringRequests(target, async () => {
      // A long drain, so the interrupt lands in it: the new release serves, the old one still runs.
      const run = startCli(dataDir, ['deploy', project, '--ref', 'v1'], { ...env, OTTERSTACK_DRAIN_SECONDS: '60' });
      await run.waitForLine(/the proxy routes to .*draining 60s/, 90_000);
      await serves('v1', upstreamOf('v1'));
      run.kill('SIGINT');
      return run.done;
    });
    expect(result.code).toBe(130);
    expect(result.stdout).toMatch(/switching the proxy's routes back/);
    expect(loop.failed).toBe(0);
    expect(loop.bodies.v1).toBeGreaterThan(0);
    expect(await liveRoutes()).toEqual([{ id: `${project}.web.8080`, domains: [domain], upstreams: [upstreamOf('v2')] }]);
    await serves('v2', upstreamOf('v2'));
    expect(docker(['ps', '-q', '--filter', `label=com.docker.compose.project=otterstack-${project}-${shas.v1!.slice(0, 7)}`])).toBe('');
  }, 180_000);

  it('rollback takes the same path: 0 failed requests', async () => {
    const { loop, result } = await duringRequests(target, () => cli('rollback', project));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(loop.failed).toBe(0);
    expect(loop.bodies.v1).toBeGreaterThan(0);
    await serves('v1', upstreamOf('v1'));
  }, 120_000);

  it('the TUI shows the project\'s domain, and warns in its title when the proxy is down', async () => {
    docker(['stop', PROXY]);
    const app = TmuxApp.start(dataDir, { ...env, TERM: 'xterm-256color', LANG: 'C.UTF-8' }, { cols: 200, rows: 40 });
    try {
      await app.waitForScreen(new RegExp(`https://${domain.replace(/\./g, '\\.')}`), 'the domain in the containers box');
      await app.waitForScreen(new RegExp(`proxy: ${PROXY} is exited`), 'the proxy warning in the title');
      app.keys('q');
      expect(await app.exitCode()).toBe(0);
    } finally {
      app.kill();
      docker(['start', PROXY]);
    }
    await serves('v1', upstreamOf('v1'));
  }, 120_000);

  it('a proxy that lost its routes gets them back from SQLite: by cleanup, by a running watch, and by proxy install', async () => {
    const admin = new CaddyAdmin(path.join(dataDir, 'proxy', 'admin', 'caddy.sock'));
    // As a proxy restarted from an empty config would be: the admin socket and nothing else.
    const emptied = async () => {
      const res = await admin.request('POST', '/load', { admin: { listen: 'unix//run/otterstack-admin/caddy.sock', config: { persist: false } } });
      expect(res.status).toBe(200);
      await waitFor(async () => (await httpsGet(target)) === null || (await httpsGet(target))?.status !== 200, 'the proxy to stop serving the domain', 10_000);
    };
    await emptied();
    const cleaned = await cli('cleanup');
    expect(cleaned.code).toBe(0);
    expect(cleaned.stdout).toMatch(/reload proxy/);
    await serves('v1', upstreamOf('v1'));
    // Once in place, cleanup leaves the proxy alone.
    expect((await cli('cleanup')).stdout).not.toMatch(/reload proxy/);

    // A running watch finds it within one poll.
    await emptied();
    const watcher = startCli(dataDir, ['watch'], { ...env, OTTERSTACK_WATCH_POLL_SECONDS: '1' });
    try {
      await serves('v1', upstreamOf('v1'));
      await watcher.waitForLine(/proxy: it had lost routes; reloaded 1 route/);
    } finally {
      watcher.kill('SIGTERM');
      await watcher.done;
    }

    await emptied();
    const install = await cli('proxy', 'install', '--image', CADDY_IMAGE, '--http-port', String(httpPort), '--https-port', String(httpsPort));
    expect(install.code).toBe(0);
    await serves('v1', upstreamOf('v1'));
  }, 120_000);

  it('project remove takes its routes out of the proxy', async () => {
    const res = await cli('project', 'remove', project, '--yes');
    expect(res.code).toBe(0);
    expect(await liveRoutes()).toEqual([]);
    const after = await httpsGet(target);
    expect(after === null || after.status !== 200).toBe(true);
  }, 120_000);
});
