import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { docker, freePort, TEST_IMAGE } from './engine.js';
import { waitFor } from './wait.js';

/**
 * Swarm test parts (issue #20): the engine as a single-node swarm manager (scripts/swarm-setup.sh,
 * idempotent; compose is unaffected), a repository of swarm releases, a real Caddy on the stack's
 * overlay network that the request loop goes through (this engine has no IPVS, so neither a
 * service's virtual IP nor the ingress mesh answers: services use endpoint_mode dnsrr), and a
 * second dockerd in a network namespace joined as a worker (scripts/swarm-second-node.sh).
 */
export function ensureSwarm(): string {
  return execFileSync('bash', ['scripts/swarm-setup.sh'], { encoding: 'utf8' }).trim();
}

function git(dir: string, args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).trim();
}

export interface SwarmAppOptions {
  version: string;
  healthy?: boolean;
  /** Web replicas (default 1: a start-first update is what keeps it answering). */
  replicas?: number;
  /** db pinned to this node (default: this machine's hostname); null: no constraint (refused). */
  dbNode?: string | null;
  /** web in global mode: one task on every node. */
  global?: boolean;
  /** Only web, from the local image (no build, no db, no hook): the bench's plain app. */
  webOnly?: boolean;
}

/**
 * web builds (so its image is pushed to the project's registry) and serves its version; db keeps
 * data in a named volume, pinned to one node, and serves its log on 8081; a pre_deploy hook
 * reaches db over the stack's overlay network.
 */
export function swarmAppCompose(o: SwarmAppOptions): string {
  const check = o.healthy === false ? '["CMD", "false"]' : '["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]';
  const node = o.dbNode === undefined ? os.hostname() : o.dbNode;
  const web = o.webOnly
    ? `    image: ${TEST_IMAGE}\n    init: true\n    command: ["sh", "-c", "mkdir -p /www && echo ${o.version} > /www/index.html && exec httpd -f -p 8080 -h /www"]`
    : '    build: ./web\n    init: true\n    command: ["sh", "-c", "mkdir -p /www && cp /version.txt /www/index.html && exec httpd -f -p 8080 -h /www"]';
  const rest = `  db:
    image: ${TEST_IMAGE}
    init: true
    command: ["sh", "-c", "echo db started | tee -a /data/log; exec httpd -f -p 8081 -h /data"]
    volumes: ["data:/data"]
    deploy:
      endpoint_mode: dnsrr${node ? `\n      placement:\n        constraints: ["node.hostname == ${node}"]` : ''}
volumes:
  data: {}
x-otterstack:
  hooks:
    pre_deploy:
      service: web
      command: "echo migrating to ${o.version}; wget -q -O- http://db:8081/log && echo reached db || echo no db yet"
`;
  return `services:
  web:
${web}
    stop_grace_period: 2s
    deploy:
      ${o.global ? 'mode: global' : `replicas: ${o.replicas ?? 1}`}
      endpoint_mode: dnsrr
    healthcheck:
      test: ${check}
      interval: 1s
      timeout: 3s
      retries: 2
${o.webOnly ? '' : rest}`;
}

export function commitSwarmApp(dir: string, tag: string, o: SwarmAppOptions): string {
  fs.mkdirSync(path.join(dir, 'web'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'web', 'Dockerfile'), `FROM ${TEST_IMAGE}\nCOPY version.txt /version.txt\n`);
  fs.writeFileSync(path.join(dir, 'web', 'version.txt'), `${o.version}\n`);
  fs.writeFileSync(path.join(dir, 'compose.yaml'), swarmAppCompose(o));
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', tag]);
  git(dir, ['tag', tag]);
  return git(dir, ['rev-parse', 'HEAD']);
}

export function createSwarmRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-swarm-repo-'));
  git(dir, ['init', '-q', '-b', 'main']);
  return dir;
}

/**
 * A real Caddy (otterstack/caddy:local) attached to the stack's overlay network, proxying
 * 127.0.0.1:<port> to web:8080 of the stack (dnsrr: every running task's address; a refused
 * connection is retried on the next for up to 5 s, as any production proxy in front of a swarm is set).
 */
export async function startOverlayProxy(name: string, network: string): Promise<{ port: number; stop(): void }> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-swarm-proxy-'));
  const config = {
    apps: {
      http: {
        servers: {
          s: {
            listen: [':8088'],
            routes: [{ handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: 'web:8080' }], load_balancing: { try_duration: '5s', try_interval: '100ms' } }] }],
          },
        },
      },
    },
  };
  fs.writeFileSync(path.join(dir, 'caddy.json'), JSON.stringify(config));
  docker(['run', '-d', '--name', name, '--network', network, '-p', `127.0.0.1:${port}:8088`, '-v', `${dir}/caddy.json:/etc/caddy/caddy.json:ro`, 'otterstack/caddy:local']);
  await waitFor(async () => (await get(port))?.status === 200, `caddy ${name} to answer through ${network}`, 60_000);
  return {
    port,
    stop() {
      spawnSync('docker', ['rm', '-f', name]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** GET http://127.0.0.1:port/ → status and trimmed body, or null for no answer. */
export function get(port: number, timeoutMs = 3000): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.on('data', (b) => (body += b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/** The stack's services, as `docker stack services` names them, with replicas "running/wanted". */
export function stackServices(stack: string): Record<string, string> {
  const out = spawnSync('docker', ['stack', 'services', stack, '--format', '{{.Name}} {{.Replicas}}'], { encoding: 'utf8' }).stdout;
  return Object.fromEntries(out.split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
}

/** Removes a test stack and waits (bounded) for its networks, so the next test finds none. */
export async function removeStack(stack: string): Promise<void> {
  spawnSync('docker', ['stack', 'rm', stack]);
  await waitFor(() => spawnSync('docker', ['network', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${stack}`], { encoding: 'utf8' }).stdout.trim() === '', `stack ${stack} networks removed`, 60_000);
}

/**
 * A TCP forwarder host→loopback, for a second node in a namespace that pulls from the test's
 * registry on 127.0.0.1 (the node's own 127.0.0.1:port is sent to `listenHost` by the script).
 */
export function forwardTcp(listenHost: string, port: number): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, listenHost, () => resolve(server));
  });
}
