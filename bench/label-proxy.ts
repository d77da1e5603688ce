import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';

/**
 * A stand-in for Traefik in the benchmark (Traefik's image cannot be pulled here). What it does,
 * exactly: every 200 ms it lists running containers labelled traefik.enable=true (docker ps +
 * docker inspect); a container is eligible when it is running and, if it has a healthcheck,
 * healthy (as Traefik's Docker provider does); among eligible containers it picks the one whose
 * `traefik.http.routers.*.priority` label is highest and forwards each request to its bridge IP
 * on `traefik.http.services.*.loadbalancer.server.port`. No retries: a failed upstream is a 502.
 */
interface Backend {
  ip: string;
  port: number;
  priority: number;
}

function discover(): Backend | null {
  const ids = execFileSync('docker', ['ps', '-q', '--filter', 'label=traefik.enable=true'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  if (ids.length === 0) return null;
  const info = JSON.parse(execFileSync('docker', ['inspect', ...ids], { encoding: 'utf8' })) as {
    State: { Running: boolean; Health?: { Status: string } };
    Config: { Labels: Record<string, string> };
    NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
  }[];
  let best: Backend | null = null;
  for (const c of info) {
    if (!c.State.Running || (c.State.Health && c.State.Health.Status !== 'healthy')) continue;
    const labels = c.Config.Labels;
    const priority = Math.max(0, ...Object.entries(labels).filter(([k]) => /^traefik\.http\.routers\.[^.]+\.priority$/.test(k)).map(([, v]) => Number(v)));
    const port = Number(Object.entries(labels).find(([k]) => /^traefik\.http\.services\.[^.]+\.loadbalancer\.server\.port$/.test(k))?.[1] ?? 80);
    const ip = Object.values(c.NetworkSettings.Networks)[0]?.IPAddress;
    if (ip && (!best || priority > best.priority)) best = { ip, port, priority };
  }
  return best;
}

export async function startLabelProxy(): Promise<{ port: number; stop(): Promise<void> }> {
  let backend: Backend | null = discover();
  const timer = setInterval(() => {
    try {
      backend = discover();
    } catch {
      /* keep the last view */
    }
  }, 200);
  const server = http.createServer((req, res) => {
    const b = backend;
    if (!b) {
      res.writeHead(502);
      return res.end();
    }
    const up = http.request({ host: b.ip, port: b.port, path: req.url, method: req.method, headers: req.headers, timeout: 2000 }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    up.on('timeout', () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    stop: () =>
      new Promise((r) => {
        clearInterval(timer);
        server.close(() => r());
      }),
  };
}
