/**
 * The managed proxy (#18, first part) with the real Caddy (otterstack/caddy:local, Debian's caddy):
 * install, status, a route to a real busybox httpd over HTTPS from Caddy's internal CA, a one-call
 * upstream switch, the admin API reachable only through the unix socket in the data dir (not from
 * the proxy network, not from the host's ports), restart, remove (certificates kept) and --purge.
 * Routes applied here by hand are no project's: a re-install, which regenerates the routes from
 * SQLite (proxy-deploy.test.ts), drops them.
 * Each compose project's run has its own proxy name (OTTERSTACK_PROXY_NAME), network, volume and
 * ports, so the v1 and v2 runs do not collide and no machine-wide `otterstack-proxy` is touched.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { docker, freePort, TEST_IMAGE } from '../helpers/engine.js';
import { waitFor } from '../helpers/wait.js';
import { openContext, type ServiceContext } from '../../src/services/context.js';
import { CaddyAdmin } from '../../src/services/proxy/caddy-admin.js';
import { routesOfConfig } from '../../src/services/proxy/caddy-config.js';
import { applyProxyConfig, readProxyConfig, switchUpstream } from '../../src/services/proxy/proxy-config.js';

const CADDY_IMAGE = 'otterstack/caddy:local';
/** Has node (scripts/build-label-proxy-image.sh): a client that resolves container names. */
const LABEL_PROXY_IMAGE = 'otterstack/label-proxy:local';
const sfx = `${process.env.OTTERSTACK_TEST_COMPOSE_VERSION ?? 'x'}-${crypto.randomBytes(3).toString('hex')}`;
const PROXY = `t-proxy-${sfx}`;
const env = { OTTERSTACK_PROXY_NAME: PROXY };
const domain = `web-${sfx}.test`;
const apps = [1, 2].map((n) => ({ name: `t-proxy-app${n}-${sfx}`, alias: `app${n}-${sfx}`, body: `release-${n}-${sfx}` }));
let dataDir: string;
let httpPort: number;
let httpsPort: number;
let ctx: ServiceContext;

const cli = (...args: string[]) => runCli(dataDir, ['proxy', ...args], env);
const installArgs = () => ['install', '--image', CADDY_IMAGE, '--http-port', String(httpPort), '--https-port', String(httpsPort)];
const exists = (kind: 'container' | 'network' | 'volume' | 'image', name: string) => {
  try {
    docker([kind, 'inspect', name]);
    return true;
  } catch {
    return false;
  }
};
const containerId = () => docker(['inspect', '-f', '{{.Id}}', PROXY]);
/** The container ports of `docker port` lines (one per host address: IPv4 and IPv6 give two). */
const portsOf = (lines: string[]) => [...new Set(lines.map((l) => l.split(' ')[0]!).filter(Boolean))].sort();
const admin = () => new CaddyAdmin(path.join(dataDir, 'proxy', 'admin', 'caddy.sock'));

/** GET / over plain HTTP with the site's Host header → status and Location. */
function httpGet(): Promise<{ status: number; location: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: httpPort, path: '/', headers: { host: domain }, timeout: 5000 }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: String(res.headers.location ?? '') });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
  });
}

/** GET / over HTTPS (SNI and Host = the site), trusting only Caddy's local CA root → body, or null. */
function httpsGet(ca: string): Promise<string | null> {
  return new Promise((resolve) => {
    const req = https.get({ host: '127.0.0.1', port: httpsPort, servername: domain, path: '/', headers: { host: domain }, ca, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (b) => (body += b));
      res.on('end', () => resolve(res.statusCode === 200 ? body.trim() : null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

async function localCaRoot(): Promise<string> {
  return ((await admin().getJson('/pki/ca/local')) as { root_certificate: string }).root_certificate;
}

/** Whether a TCP connection to host:port is accepted (within 2 s). */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port, timeout: 2000 }, () => {
      sock.destroy();
      resolve(true);
    });
    sock.on('timeout', () => {
      sock.destroy();
      resolve(false);
    });
    sock.on('error', () => resolve(false));
  });
}

/**
 * An HTTP GET from a throwaway container on the proxy network: true when anything answered, an error
 * status included (a 403 from Caddy's host check still means the admin API is reachable). Node from
 * the label proxy's image, not busybox: busybox-static cannot resolve container names (it segfaults
 * in glibc's static resolver), and the by-name check must really look the name up.
 */
function answersOnProxyNetwork(url: string): boolean {
  const probe = `require('http').get(${JSON.stringify(url)}, { timeout: 3000 }, (r) => { console.log('status', r.statusCode); process.exit(0); })` +
    `.on('timeout', function () { this.destroy(new Error('timeout')); }).on('error', (e) => { console.log('error', e.code || e.message); process.exit(1); });`;
  try {
    return /^status \d+/.test(docker(['run', '--rm', '--network', PROXY, '--entrypoint', 'node', LABEL_PROXY_IMAGE, '-e', probe]));
  } catch {
    return false;
  }
}

describe('managed Caddy proxy', () => {
  beforeAll(async () => {
    // Fail loudly (not with docker's pull error) when setup has not built it.
    if (!exists('image', CADDY_IMAGE)) throw new Error(`${CADDY_IMAGE} missing: run bash scripts/setup.sh (or scripts/build-caddy-image.sh)`);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-proxy-'));
    httpPort = await freePort();
    do httpsPort = await freePort();
    while (httpsPort === httpPort);
    ctx = await openContext({ dataDir });
  });

  afterAll(async () => {
    await ctx?.close();
    // One call each: a missing container must not keep the others (and then the network) alive.
    for (const args of [...[PROXY, ...apps.map((a) => a.name)].map((c) => ['rm', '-f', c]), ['network', 'rm', PROXY], ['volume', 'rm', '-f', `${PROXY}-data`]]) {
      try {
        docker(args);
      } catch {
        /* not created */
      }
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses bad flags with one line and exit 2, before anything is created', async () => {
    for (const [flag, value, message] of [
      ['--http-port', '0', /invalid --http-port "0"/],
      ['--https-port', '70000', /invalid --https-port "70000"/],
      ['--email', 'ops@', /invalid --email/],
      ['--acme-ca', 'ftp://ca.example.com/dir', /invalid --acme-ca/],
      ['--image', '--privileged', /invalid --image/],
    ] as const) {
      const res = await cli('install', flag, value);
      expect(res.code, `${flag} ${value}: ${res.stderr}`).toBe(2);
      expect(res.stderr).toMatch(message);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(exists('container', PROXY) || exists('network', PROXY) || exists('volume', `${PROXY}-data`)).toBe(false);
  });

  it('installs one container on its network with a certificates volume; admin only on a 0700 unix socket; a re-run changes nothing', async () => {
    const res = await cli(...installArgs());
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^proxy created: /);
    expect(docker(['inspect', '-f', '{{.HostConfig.RestartPolicy.Name}} {{json .NetworkSettings.Networks}}', PROXY])).toMatch(new RegExp(`^unless-stopped \\{"${PROXY}":`));
    expect(exists('volume', `${PROXY}-data`)).toBe(true);
    expect(fs.statSync(path.join(dataDir, 'proxy', 'admin')).mode & 0o777).toBe(0o700);
    const status = JSON.parse((await cli('status', '--json')).stdout);
    expect(status).toMatchObject({ installed: true, state: 'running', adminReachable: true, routes: 0, level: 'ok' });
    // Only the http and https ports are published: no admin port.
    expect(portsOf(status.ports)).toEqual([`${httpPort}/tcp`, `${httpsPort}/tcp`].sort());
    const doctor = JSON.parse((await runCli(dataDir, ['doctor', '--json'], env)).stdout) as { name: string; level: string; detail: string }[];
    expect(doctor.find((c) => c.name === 'proxy')).toMatchObject({ level: 'ok', detail: expect.stringMatching(/running, 0 route/) });

    const id = containerId();
    const again = await cli(...installArgs());
    expect(again.stdout).toMatch(/^proxy unchanged: /);
    expect(containerId()).toBe(id);
  });

  it('routes a domain to a container on the proxy network: HTTP redirects to HTTPS, HTTPS from the internal CA reaches it', async () => {
    for (const a of apps) {
      docker(['run', '-d', '--init', '--name', a.name, '--network', PROXY, '--network-alias', a.alias, TEST_IMAGE, 'sh', '-c', `mkdir -p /www && echo ${a.body} > /www/index.html && exec httpd -f -p 8080 -h /www`]);
    }
    await applyProxyConfig(ctx, [{ id: 'web', domains: [domain], upstream: `${apps[0]!.alias}:8080`, tls: 'internal' }]);
    expect(await httpGet()).toEqual({ status: 308, location: `https://${domain}:${httpsPort}/` });
    const ca = await localCaRoot();
    expect(await waitFor(() => httpsGet(ca), 'the first release over HTTPS', 20_000)).toBe(apps[0]!.body);
    const config = await readProxyConfig(ctx);
    expect(routesOfConfig(config)).toEqual([{ id: 'web', domains: [domain], upstreams: [`${apps[0]!.alias}:8080`] }]);
    // After /load the admin API is still (only) the unix socket.
    expect(config.admin).toMatchObject({ listen: 'unix//run/otterstack-admin/caddy.sock' });
  });

  it('switches the upstream in one admin call, confirmed by reading it back; the response changes', async () => {
    const sw = await switchUpstream(ctx, 'web', `${apps[1]!.alias}:8080`);
    expect(sw).toEqual({ routeId: 'web', previous: [`${apps[0]!.alias}:8080`], upstream: `${apps[1]!.alias}:8080` });
    // Bounded: the second app's httpd (started with the first, not awaited) may still be starting on a loaded machine.
    const ca = await localCaRoot();
    expect(await waitFor(async () => ((await httpsGet(ca)) === apps[1]!.body ? apps[1]!.body : null), 'the second release over HTTPS', 20_000)).toBe(apps[1]!.body);
    await expect(switchUpstream(ctx, 'nope', `${apps[1]!.alias}:8080`)).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('keeps the admin API off every network: not from a container on the proxy network, not on the host', async () => {
    const ip = docker(['inspect', '-f', `{{(index .NetworkSettings.Networks "${PROXY}").IPAddress}}`, PROXY]);
    // The control: that container reaches the app on the same network, so a refusal below is the admin API's.
    expect(answersOnProxyNetwork(`http://${apps[0]!.alias}:8080/`)).toBe(true);
    expect(answersOnProxyNetwork(`http://${PROXY}:2019/config/`)).toBe(false);
    expect(answersOnProxyNetwork(`http://${ip}:2019/config/`)).toBe(false);
    expect(await connects(ip, 2019)).toBe(false);
    expect(await connects('127.0.0.1', 2019)).toBe(false);
    expect(portsOf(docker(['port', PROXY]).split('\n'))).toEqual([`${httpPort}/tcp`, `${httpsPort}/tcp`].sort());
  });

  it('a restarted container serves the switched route again (it starts from the config OtterStack keeps)', async () => {
    docker(['restart', '--time', '2', PROXY]);
    const ca = await localCaRoot().catch(() => '');
    expect(await waitFor(async () => httpsGet(ca || (await localCaRoot())), 'the switched route after a restart', 20_000)).toBe(apps[1]!.body);
    const logs = await cli('logs', '--tail', '50');
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/admin endpoint started/);
  });

  it('recreates the container when an option changes, keeping the volume and its CA', async () => {
    const id = containerId();
    const ca = await localCaRoot();
    const res = await cli('install', '--email', 'ops@example.com');
    expect(res.stdout, res.stderr).toMatch(/^proxy recreated: /);
    expect(containerId()).not.toBe(id);
    expect(await localCaRoot()).toBe(ca);
    // The routes come from the projects in SQLite (none here): one applied by hand is not kept.
    expect(JSON.parse((await cli('status', '--json')).stdout)).toMatchObject({ routes: 0 });
    await applyProxyConfig(ctx, [{ id: 'web', domains: [domain], upstream: `${apps[1]!.alias}:8080`, tls: 'internal' }]);
    expect(await waitFor(() => httpsGet(ca), 'the route after recreating', 20_000)).toBe(apps[1]!.body);
  });

  it('remove keeps the certificates volume, re-install restores the site; --purge removes the volume', async () => {
    const ca = await localCaRoot();
    const removed = await cli('remove');
    expect(removed.code, removed.stderr).toBe(0);
    expect(exists('container', PROXY)).toBe(false);
    expect(exists('volume', `${PROXY}-data`)).toBe(true);
    const status = JSON.parse((await cli('status', '--json')).stdout);
    expect(status).toMatchObject({ installed: false, state: 'missing', level: 'ok' });

    expect((await cli(...installArgs())).stdout).toMatch(/^proxy created: /);
    expect(await localCaRoot()).toBe(ca);
    await applyProxyConfig(ctx, [{ id: 'web', domains: [domain], upstream: `${apps[1]!.alias}:8080`, tls: 'internal' }]);
    expect(await waitFor(() => httpsGet(ca), 'the site after re-installing, with the CA kept', 20_000)).toBe(apps[1]!.body);

    // The apps still on the network keep it; the volume goes.
    const purged = await cli('remove', '--purge');
    expect(purged.code, purged.stderr).toBe(0);
    expect(exists('container', PROXY)).toBe(false);
    expect(exists('volume', `${PROXY}-data`)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'proxy'))).toBe(false);
  });
});
