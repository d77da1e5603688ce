import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './engine.js';
import { waitFor } from './wait.js';

/**
 * A real registry (Debian's docker-registry, distribution 2.8) on 127.0.0.1, storing in a temp dir.
 * The engine pulls from and pushes to 127.0.0.0/8 registries over plain HTTP by default. With
 * `auth`, it is password-protected (htpasswd) like a private registry.
 */
export interface LocalRegistry {
  /** host:port, the prefix of image references pushed to it. */
  host: string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** Require this user (distribution's htpasswd auth, bcrypt): every pull and push must log in. */
  auth?: { username: string; password: string };
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<LocalRegistry> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-registry-'));
  const config = path.join(dir, 'config.yml');
  let auth = '';
  if (opts.auth) {
    const file = path.join(dir, 'htpasswd');
    // htpasswd (apache2-utils, install-deps.sh) reads the password from stdin (-i) and writes bcrypt (-B), the only hash distribution accepts.
    fs.writeFileSync(file, execFileSync('htpasswd', ['-niB', opts.auth.username], { input: opts.auth.password, encoding: 'utf8' }));
    auth = `auth:\n  htpasswd: { realm: otterstack-test, path: ${file} }\n`;
  }
  fs.writeFileSync(
    config,
    `version: 0.1
log: { level: error }
storage:
  filesystem: { rootdirectory: ${path.join(dir, 'data')} }
  delete: { enabled: true }
http:
  addr: 127.0.0.1:${port}
${auth}`,
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += String(b)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    // With auth, /v2/ answers 401 until credentials are given: that too says it is up.
    const up = opts.auth ? 401 : 200;
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(2000) })).status === up, `registry on 127.0.0.1:${port}`, 30_000);
  } catch (err) {
    await stop();
    throw new Error(`${String(err)}\n${stderr}`);
  }
  return { host: `127.0.0.1:${port}`, stop };
}
