import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../test/helpers/cli.js';
import { freePort, httpGet, purgeProject, TEST_IMAGE } from '../test/helpers/engine.js';
import { git } from '../test/helpers/fixture-repo.js';
import { startLabelProxy, type LabelProxy } from './stand-in/start.js';
import type { Row } from './run.js';

/** The app; `header` is its middleware's configuration (a release that changes it changes only that). */
function app(version: string, hostPort: number | null, header = 'blue'): string {
  return `services:
  web:
    image: ${TEST_IMAGE}
    init: true
    command: ["sh", "-c", "mkdir -p /www && echo ${version} > /www/index.html && exec httpd -f -p 8080 -h /www"]
${hostPort ? `    ports: ["127.0.0.1:${hostPort}:8080"]\n` : ''}    labels:
      - traefik.enable=true
      - traefik.http.routers.web.rule=Host(\`bench.test\`)
      - traefik.http.routers.web.middlewares=tag
      - traefik.http.middlewares.tag.headers.customresponseheaders.X-Release=${header}
      - traefik.http.services.web.loadbalancer.server.port=8080
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
      interval: 1s
      timeout: 3s
      retries: 2
`;
}

interface Target {
  port: number;
  host?: string;
}

/** A steady request loop (every 20 ms) while `op` runs and 1 s after it (a stopped upstream would show then). */
async function duringOperation(target: Target, op: () => Promise<{ code: number | null; stderr: string }>, what: string): Promise<{ total: number; failed: number }> {
  let total = 0;
  let failed = 0;
  let done = false;
  const loop = (async () => {
    const deadline = Date.now() + 180_000;
    while (!done && Date.now() < deadline) {
      total++;
      if ((await httpGet(target.port, 1000, target.host)) === null) failed++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const res = await op();
  await new Promise((r) => setTimeout(r, 1000));
  done = true;
  await loop;
  if (res.code !== 0) throw new Error(`bench: ${what} failed: ${res.stderr}`);
  return { total, failed };
}

async function serving(target: Target, version: string): Promise<void> {
  for (let i = 0; i < 100 && (await httpGet(target.port, 2000, target.host)) !== version; i++) await new Promise((r) => setTimeout(r, 100));
}

/**
 * One project through `steps` (each an otterstack command after which `expect` serves), counting
 * failed requests during each. Blue-green is measured through the proxy (Host rule and all), recreate
 * on the host port.
 */
async function measure(strategy: 'recreate' | 'blue-green', proxy: LabelProxy, steps: { metric: string; args: (p: string) => string[]; expect: string }[]): Promise<Row[]> {
  const hostPort = strategy === 'recreate' ? await freePort() : null;
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-bench-repo-'));
  git(repo, ['init', '-q', '-b', 'main']);
  for (const [tag, text] of [['v1', app('v1', hostPort)], ['v2', app('v2', hostPort)], ['mw', app('mw', hostPort, 'green')]] as const) {
    fs.writeFileSync(path.join(repo, 'compose.yaml'), text);
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-qm', tag]);
    git(repo, ['tag', tag]);
  }
  const project = `bench-${strategy}-${crypto.randomBytes(2).toString('hex')}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-bench-'));
  await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo, ...(strategy === 'blue-green' ? ['--traefik-routing'] : [])]);
  const target: Target = strategy === 'blue-green' ? { port: proxy.port, host: 'bench.test' } : { port: hostPort! };
  const detail = strategy === 'blue-green' ? '; through the label proxy (a stand-in for Traefik, in a container, with its API)' : '; host port';
  try {
    if ((await runCli(dataDir, ['deploy', project, '--ref', 'v1'])).code !== 0) throw new Error('bench: v1 deploy failed');
    await serving(target, 'v1');
    const rows: Row[] = [];
    for (const step of steps) {
      const r = await duringOperation(target, () => runCli(dataDir, step.args(project), { OTTERSTACK_DRAIN_SECONDS: '2' }), step.metric);
      await serving(target, step.expect);
      rows.push({ metric: step.metric, value: r.failed, unit: 'req', detail: `of ${r.total} (1 request / 20 ms)${detail}`, ...(strategy === 'blue-green' ? { goal: 0 } : {}) });
    }
    return rows;
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
    rows.push(...(await measure('recreate', proxy, [{ metric: 'failed requests during deploy, recreate', args: (p) => ['deploy', p, '--ref', 'v2'], expect: 'v2' }])));
    rows.push(
      ...(await measure('blue-green', proxy, [
        { metric: 'failed requests during deploy, blue-green', args: (p) => ['deploy', p, '--ref', 'v2'], expect: 'v2' },
        { metric: 'failed requests during rollback, blue-green', args: (p) => ['rollback', p], expect: 'v1' },
        // Only the middleware's configuration changes: with shared names Traefik would drop it for both releases.
        { metric: 'failed requests during middleware change, blue-green', args: (p) => ['deploy', p, '--ref', 'mw'], expect: 'mw' },
      ])),
    );
    return rows;
  } finally {
    proxy.stop();
  }
}
