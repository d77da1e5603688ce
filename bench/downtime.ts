import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../test/helpers/cli.js';
import { freePort, httpGet, purgeProject, TEST_IMAGE } from '../test/helpers/engine.js';
import { git } from '../test/helpers/fixture-repo.js';
import { startLabelProxy, type LabelProxy } from './stand-in/start.js';
import type { Row } from './run.js';

function app(version: string, hostPort: number | null): string {
  return `services:
  web:
    image: ${TEST_IMAGE}
    init: true
    command: ["sh", "-c", "mkdir -p /www && echo ${version} > /www/index.html && exec httpd -f -p 8080 -h /www"]
${hostPort ? `    ports: ["127.0.0.1:${hostPort}:8080"]\n` : ''}    labels:
      - traefik.enable=true
      - traefik.http.routers.web.rule=Host(\`bench.test\`)
      - traefik.http.services.web.loadbalancer.server.port=8080
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
      interval: 1s
      timeout: 3s
      retries: 2
`;
}

/** Steady request loop (every 20 ms, bounded) while `v1 -> v2` deploys; counts failed requests. */
async function measure(strategy: 'recreate' | 'blue-green', proxy: LabelProxy): Promise<{ total: number; failed: number }> {
  const hostPort = strategy === 'recreate' ? await freePort() : null;
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-bench-repo-'));
  git(repo, ['init', '-q', '-b', 'main']);
  for (const v of ['v1', 'v2']) {
    fs.writeFileSync(path.join(repo, 'compose.yaml'), app(v, hostPort));
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-qm', v]);
    git(repo, ['tag', v]);
  }
  const project = `bench-${strategy}-${crypto.randomBytes(2).toString('hex')}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-bench-'));
  const add = ['project', 'add', '--name', project, '--repo', repo, ...(strategy === 'blue-green' ? ['--traefik-routing'] : [])];
  await runCli(dataDir, add);
  // Blue-green is measured through the proxy (Host rule and all), recreate on the host port.
  const port = strategy === 'blue-green' ? proxy.port : hostPort!;
  const host = strategy === 'blue-green' ? 'bench.test' : undefined;
  try {
    if ((await runCli(dataDir, ['deploy', project, '--ref', 'v1'])).code !== 0) throw new Error('bench: v1 deploy failed');
    for (let i = 0; i < 100 && (await httpGet(port, 2000, host)) !== 'v1'; i++) await new Promise((r) => setTimeout(r, 100));
    let total = 0;
    let failed = 0;
    let done = false;
    const loop = (async () => {
      const deadline = Date.now() + 180_000;
      while (!done && Date.now() < deadline) {
        total++;
        if ((await httpGet(port, 1000, host)) === null) failed++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'v2'], { OTTERSTACK_DRAIN_SECONDS: '2' });
    // Keep measuring briefly after the switch, when a stopped upstream would show.
    await new Promise((r) => setTimeout(r, 1000));
    done = true;
    await loop;
    if (res.code !== 0) throw new Error(`bench: v2 deploy failed: ${res.stderr}`);
    return { total, failed };
  } finally {
    purgeProject(project);
  }
}

export async function benchDowntime(): Promise<Row[]> {
  // The label proxy (a stand-in for Traefik) in its container, on a network of its own, which the
  // routed services join; OtterStack finds it by --providers.docker on its command line, and it
  // routes only over that network, as Traefik would. Only traefik.enable=true containers: the
  // machine may be running other projects' labelled containers.
  const proxy = await startLabelProxy({ args: ['--providers.docker.exposedbydefault=false'] });
  try {
    const rows: Row[] = [];
    for (const strategy of ['recreate', 'blue-green'] as const) {
      const r = await measure(strategy, proxy);
      rows.push({ metric: `failed requests during deploy, ${strategy}`, value: r.failed, unit: 'req', detail: `of ${r.total} (1 request / 20 ms)${strategy === 'blue-green' ? '; through the label proxy (a stand-in for Traefik, in a container)' : '; host port'}` });
    }
    return rows;
  } finally {
    proxy.stop();
  }
}
