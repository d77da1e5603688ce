import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './engine.js';
import { waitFor } from './wait.js';

/**
 * A real registry (Debian's docker-registry, distribution 2.8) on 127.0.0.1, storing in a temp dir.
 * The engine pulls from and pushes to 127.0.0.0/8 registries over plain HTTP by default.
 */
export interface LocalRegistry {
  /** host:port, the prefix of image references pushed to it. */
  host: string;
  stop(): Promise<void>;
}

export async function startRegistry(): Promise<LocalRegistry> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-registry-'));
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(
    config,
    `version: 0.1
log: { level: error }
storage:
  filesystem: { rootdirectory: ${path.join(dir, 'data')} }
  delete: { enabled: true }
http:
  addr: 127.0.0.1:${port}
`,
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
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(2000) })).status === 200, `registry on 127.0.0.1:${port}`, 30_000);
  } catch (err) {
    await stop();
    throw new Error(`${String(err)}\n${stderr}`);
  }
  return { host: `127.0.0.1:${port}`, stop };
}
