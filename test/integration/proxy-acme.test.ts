/**
 * HTTPS end to end with a real ACME server (#18): Debian's pebble (the RFC 8555 test CA) listens on
 * the gateway of the proxy network this test's proxy creates (never beyond the machine), with
 * PEBBLE_VA_ALWAYS_VALID=1 (no challenge can reach a made-up domain). The proxy is pointed at it
 * with --acme-ca and --acme-ca-root (pebble's own HTTPS is served with a certificate this test
 * makes), a project with an ACME domain is deployed, and a client trusting only pebble's root gets
 * the app over HTTPS; plain HTTP redirects to HTTPS; `proxy status` reports the certificate's expiry.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { docker, freePort, purgeProject, removeProxyObjects } from '../helpers/engine.js';
import { createTaggedRepo, proxiedAppCompose } from '../helpers/fixture-repo.js';
import { waitFor } from '../helpers/wait.js';

const CADDY_IMAGE = 'otterstack/caddy:local';
const sfx = `${process.env.OTTERSTACK_TEST_COMPOSE_VERSION ?? 'x'}-${crypto.randomBytes(3).toString('hex')}`;
const PROXY = `t-acme-${sfx}`;
const project = `acme-${sfx}`;
const domain = `shop-${sfx}.test`;
const env = { OTTERSTACK_PROXY_NAME: PROXY, OTTERSTACK_DRAIN_SECONDS: '0' };
let dataDir: string;
let work: string;
let repo: string;
let httpPort: number;
let httpsPort: number;
let pebble: ChildProcess | null = null;
let gateway = '';
let pebblePorts: [number, number];

const cli = (...args: string[]) => runCli(dataDir, args, env);

/** GET over HTTPS trusting only `ca` (the certificate is checked: this is what a browser does). */
function trustedGet(url: string, ca: string): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = https.get({ host: u.hostname, port: u.port, path: u.pathname, ca, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

describe('automatic HTTPS through a real ACME server (pebble)', () => {
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-acme-'));
    dataDir = path.join(work, 'data');
    repo = path.join(work, 'repo');
    fs.mkdirSync(repo);
    createTaggedRepo(repo, [['shop', proxiedAppCompose('shop')]]);
    httpPort = await freePort();
    do httpsPort = await freePort();
    while (httpsPort === httpPort);
    pebblePorts = [await freePort(), await freePort()];
  });

  afterAll(async () => {
    pebble?.kill('SIGTERM');
    purgeProject(project);
    removeProxyObjects(PROXY);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('installs the proxy, then points it at pebble on its network gateway (recreated, same network)', async () => {
    const first = await cli('proxy', 'install', '--image', CADDY_IMAGE, '--http-port', String(httpPort), '--https-port', String(httpsPort));
    expect(first.stderr).toBe('');
    gateway = docker(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', PROXY]);
    expect(gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // pebble's own HTTPS certificate, for the gateway address; Caddy trusts it through --acme-ca-root.
    const pdir = path.join(work, 'pebble');
    fs.mkdirSync(pdir);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(pdir, 'key.pem'), '-out', path.join(pdir, 'cert.pem'), '-days', '2', '-subj', '/CN=pebble', '-addext', `subjectAltName=IP:${gateway}`], { stdio: 'ignore' });
    const [acmePort, mgmtPort] = pebblePorts;
    fs.writeFileSync(
      path.join(pdir, 'config.json'),
      JSON.stringify({ pebble: { listenAddress: `${gateway}:${acmePort}`, managementListenAddress: `${gateway}:${mgmtPort}`, certificate: path.join(pdir, 'cert.pem'), privateKey: path.join(pdir, 'key.pem'), httpPort: 5002, tlsPort: 5001, ocspResponderURL: '', externalAccountBindingRequired: false } }),
    );
    pebble = spawn('pebble', ['-config', path.join(pdir, 'config.json')], { env: { ...process.env, PEBBLE_VA_ALWAYS_VALID: '1', PEBBLE_WFE_NONCEREJECT: '0' }, stdio: 'ignore' });
    const ca = fs.readFileSync(path.join(pdir, 'cert.pem'), 'utf8');
    await waitFor(async () => (await trustedGet(`https://${gateway}:${acmePort}/dir`, ca))?.status === 200, 'pebble to serve its directory', 20_000);

    // A root that is no PEM certificate is refused before anything changes.
    const bad = await cli('proxy', 'install', '--acme-ca-root', path.join(pdir, 'key.pem'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/holds no PEM certificate/);

    const res = await cli('proxy', 'install', '--acme-ca', `https://${gateway}:${acmePort}/dir`, '--acme-ca-root', path.join(pdir, 'cert.pem'), '--email', 'ops@example.com');
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/proxy recreated/);
  }, 120_000);

  it('a project with an ACME domain gets a certificate from pebble: HTTPS trusted by pebble\'s root, HTTP redirected', async () => {
    expect((await cli('project', 'add', '--name', project, '--repo', repo, '--domain', domain, '--route', 'web:8080')).code).toBe(0);
    const deployed = await cli('deploy', project, '--ref', 'main');
    expect(deployed.stderr).toBe('');
    expect(deployed.code).toBe(0);
    const [, mgmtPort] = pebblePorts;
    const pebbleCa = fs.readFileSync(path.join(work, 'pebble', 'cert.pem'), 'utf8');
    // The root pebble signs issued certificates with (made at its start): from its management API.
    const root = (await trustedGet(`https://${gateway}:${mgmtPort}/roots/0`, pebbleCa))!.body;
    expect(root).toMatch(/BEGIN CERTIFICATE/);
    const rootFile = path.join(work, 'pebble', 'issuer-root.pem');
    fs.writeFileSync(rootFile, root);
    // As an operator checks it: curl trusting only pebble's root, the domain resolved to this machine.
    const curl = () => execFileSync('curl', ['-sS', '--max-time', '5', '--resolve', `${domain}:${httpsPort}:127.0.0.1`, '--cacert', rootFile, `https://${domain}:${httpsPort}/`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    const got = await waitFor(() => curl(), 'the app over HTTPS with a certificate pebble issued', 30_000);
    expect(got).toBe('shop');

    const redirect = await new Promise<{ status: number; location: string }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: httpPort, path: '/x', headers: { host: domain }, timeout: 5000 }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, location: String(res.headers.location ?? '') });
      }).on('error', reject);
    });
    expect(redirect.status).toBe(308);
    expect(redirect.location).toBe(`https://${domain}:${httpsPort}/x`);

    const status = await cli('proxy', 'status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`cert +${domain.replace(/\./g, '\\.')} \\(${project}\\): expires in \\d+ day\\(s\\) \\(\\d{4}-\\d\\d-\\d\\d\\), from .*Pebble`, 'i'));
  }, 120_000);
});
