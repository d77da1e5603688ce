/**
 * Starts the label proxy (a stand-in for Traefik; bench/stand-in/label-proxy.mjs) in its container,
 * as Traefik runs: on a user-defined network of its own, with the Docker socket read-only, its web
 * (80) and API (8080) entrypoints published on loopback. Used by the tests and the benchmark.
 * OtterStack finds it as it finds Traefik: by `--providers.docker` on its command line.
 */
import crypto from 'node:crypto';
import { docker } from '../../test/helpers/engine.js';
import { waitFor } from '../../test/helpers/wait.js';

export const LABEL_PROXY_IMAGE = 'otterstack/label-proxy:local';

export interface LabelProxy {
  name: string;
  network: string;
  /** The web entrypoint, http://127.0.0.1:PORT. */
  url: string;
  port: number;
  /** The API (--api.insecure), http://127.0.0.1:PORT. */
  apiUrl: string;
  stop(): void;
}

function published(name: string, port: number): number {
  const out = docker(['port', name, `${port}/tcp`]);
  const m = /127\.0\.0\.1:(\d+)/.exec(out);
  if (!m) throw new Error(`label proxy ${name}: port ${port} not published (${out})`);
  return Number(m[1]);
}

export async function startLabelProxy(opts: { network?: string; args?: string[]; timeoutMs?: number } = {}): Promise<LabelProxy> {
  const suffix = crypto.randomBytes(3).toString('hex');
  const name = `t-label-proxy-${suffix}`;
  const ownNetwork = !opts.network;
  const network = opts.network ?? `t-proxy-${suffix}`;
  if (ownNetwork) docker(['network', 'create', network]);
  const stop = () => {
    try {
      docker(['rm', '-f', name]);
    } catch {
      /* never started */
    }
    if (ownNetwork) docker(['network', 'rm', network]);
  };
  try {
    docker(['run', '-d', '--name', name, '--network', network, '-v', '/var/run/docker.sock:/var/run/docker.sock:ro', '-p', '127.0.0.1::80', '-p', '127.0.0.1::8080', LABEL_PROXY_IMAGE, '--providers.docker=true', '--api.insecure=true', ...(opts.args ?? [])]);
    const port = published(name, 80);
    const apiUrl = `http://127.0.0.1:${published(name, 8080)}`;
    // Each probe bounded too: docker-proxy may accept the connection before node listens and hold it.
    await waitFor(async () => (await fetch(`${apiUrl}/api/http/routers`, { signal: AbortSignal.timeout(2000) })).ok, `label proxy ${name}'s API`, opts.timeoutMs ?? 30_000);
    return { name, network, url: `http://127.0.0.1:${port}`, port, apiUrl, stop };
  } catch (err) {
    const logs = (() => {
      try {
        return docker(['logs', name]);
      } catch {
        return '';
      }
    })();
    stop();
    throw new Error(`${String(err)}\n${logs}`);
  }
}
