/**
 * A swarm project routed by the OtterStack proxy (#20 with #18's strategy), with real parts: the
 * engine as a single-node swarm manager, `docker stack deploy`, and the real Caddy
 * (otterstack/caddy:local) installed by `otterstack proxy install`. The proxy joins the stack's
 * overlay network and routes the domain to the stack's service name; a request loop (1 request /
 * 10 ms) over HTTPS through the proxy counts failed requests during a start-first update and a
 * failed deploy. This engine has no IPVS: services use endpoint_mode dnsrr (docs/swarm.md).
 * Run by swarm.test.ts, inside its hold on the one swarm (a file of its own would sit in a test
 * worker waiting for that hold, idle, while other files could run).
 */
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { docker, freePort, removeProxyObjects } from '../helpers/engine.js';
import { deployWithoutFailures, duringRequests, httpsGet, type HttpsTarget } from '../helpers/request-loop.js';
import { commitSwarmApp, createSwarmRepo, removeStack } from '../helpers/swarm.js';
import { waitFor } from '../helpers/wait.js';
import { openContext, type ServiceContext } from '../../src/services/context.js';
import { readProxyRoutes } from '../../src/services/proxy/proxy-config.js';

const sfx = `${process.env.OTTERSTACK_TEST_COMPOSE_VERSION ?? 'x'}-${crypto.randomBytes(2).toString('hex')}`;
const PROXY = `t-spx-${sfx}`;
const project = `t-spx-${sfx}`;
const stack = `otterstack-${project}`;
const domain = `swarm-${sfx}.test`;
const upstream = `${stack}_web:8080`;
const env = { OTTERSTACK_PROXY_NAME: PROXY };
let dataDir: string;
let repoDir: string;
let ctx: ServiceContext;
let target: HttpsTarget;
const cli = (...args: string[]) => runCli(dataDir, args, env);
const proxyNetworks = () => Object.keys(JSON.parse(docker(['inspect', '--format', '{{json .NetworkSettings.Networks}}', PROXY])) as object);

/** The cases, in a describe of their own: the caller holds the swarm and has set it up. */
export function describeSwarmProxy(): void {
  describe('a swarm project behind the OtterStack proxy', () => {
    beforeAll(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-spx-'));
      repoDir = createSwarmRepo();
      // web only, from the local image: one node, nothing to build or push.
      commitSwarmApp(repoDir, 'v1', { version: 'v1', webOnly: true });
      commitSwarmApp(repoDir, 'v2', { version: 'v2', webOnly: true });
      commitSwarmApp(repoDir, 'bad', { version: 'bad', webOnly: true, healthy: false });
      const httpPort = await freePort();
      let httpsPort = await freePort();
      while (httpsPort === httpPort) httpsPort = await freePort();
      target = { port: httpsPort, domain };
      ctx = await openContext({ dataDir });
      const install = await cli('proxy', 'install', '--image', 'otterstack/caddy:local', '--http-port', String(httpPort), '--https-port', String(httpsPort));
      expect(install.stderr).toBe('');
      const added = await cli('project', 'add', '--name', project, '--repo', repoDir, '--target', 'swarm', '--domain', domain, '--route', 'web:8080', '--tls', 'internal');
      expect(added.stderr).toBe('');
      expect(added.code).toBe(0);
    }, 20 * 60_000);

    afterAll(async () => {
      await ctx?.close();
      await removeStack(stack).catch(() => undefined);
      removeProxyObjects(PROXY);
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(repoDir, { recursive: true, force: true });
    });

    it("first deploy: the proxy joins the stack's network and routes the domain to the stack's service over HTTPS", async () => {
      const res = await cli('deploy', project, '--ref', 'v1');
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(res.stdout).toContain(`connecting the proxy (${PROXY}) to the stack's network ${stack}_default`);
      expect(res.stdout).toMatch(new RegExp(`the proxy routes ${domain.replace(/\./g, '\\.')} to ${upstream} \\(confirmed in \\d+ ms\\)`));
      expect(proxyNetworks()).toContain(`${stack}_default`);
      expect(await httpsGet(target)).toMatchObject({ status: 200, body: 'v1', upstream });
      expect(await readProxyRoutes(ctx)).toEqual([{ id: `${project}.web.8080`, domains: [domain], upstreams: [upstream] }]);
    }, 240_000);

    it('a new release: the swarm swaps the task behind the same route with 0 failed requests', async () => {
      const result = await deployWithoutFailures(target, () => cli('deploy', project, '--ref', 'v2'), 'v1', 'v2');
      // Already joined, already routed there: nothing to connect, the request confirms it.
      expect(result.stdout).not.toContain('connecting the proxy');
      expect(result.stdout).toContain(`to ${upstream} (confirmed in`);
    }, 240_000);

    it('a proxy created anew (other options) joins the stack again: the route answers', async () => {
      const res = await cli('proxy', 'install', '--email', 'ops@example.test');
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/recreated/);
      expect(proxyNetworks()).toContain(`${stack}_default`);
      await waitFor(async () => (await httpsGet(target))?.upstream === upstream, `the new proxy to route ${domain} to ${upstream}`, 30_000);
    }, 120_000);

    it('cleanup deploys a stack removed by hand again, and the route answers from it', async () => {
      spawnSync('docker', ['stack', 'rm', stack]);
      // Nothing of it left running (a stopping task could still answer through the proxy).
      const left = (kind: string) => spawnSync('docker', [kind, 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${stack}`], { encoding: 'utf8' }).stdout.trim();
      await waitFor(() => left('service') === '' && left('container') === '', `stack ${stack} services and containers removed`, 60_000);
      // No answer (Caddy retries the dial for 5 s, longer than this request waits) or the proxy's own 502.
      expect((await httpsGet(target))?.status ?? null).not.toBe(200);
      const res = await cli('cleanup');
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout + res.stderr).toMatch(new RegExp(`redeploy stack ${stack}`));
      await waitFor(async () => (await httpsGet(target))?.body === 'v2', `the route to answer v2 from the redeployed stack`, 60_000);
      expect(proxyNetworks()).toContain(`${stack}_default`);
    }, 180_000);

    it('a release that never gets healthy fails with exit 6; the swarm rolls back and the route never stops answering', async () => {
      const { loop, result } = await duringRequests(target, () => cli('deploy', project, '--ref', 'bad', '--timeout', '60s'));
      expect(result.code).toBe(6);
      expect(result.stderr).toMatch(/web/);
      expect(loop.failed).toBe(0);
      expect(Object.keys(loop.bodies)).toEqual(['v2']);
      expect((await readProxyRoutes(ctx))[0]!.upstreams).toEqual([upstream]);
    }, 240_000);

    it("project remove takes the proxy off the stack's network, so the stack and its network go, and the route with them", async () => {
      const res = await cli('project', 'remove', project, '--cleanup', 'all', '--yes');
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr).toContain(`removing swarm stack ${stack}`);
      expect(res.stderr).not.toMatch(/warning|error/i);
      expect(proxyNetworks()).not.toContain(`${stack}_default`);
      await waitFor(() => spawnSync('docker', ['network', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${stack}`], { encoding: 'utf8' }).stdout.trim() === '', `stack ${stack} networks removed`, 60_000);
      expect(await readProxyRoutes(ctx)).toEqual([]);
    }, 240_000);
  });
}
