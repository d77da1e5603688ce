/**
 * The label proxy (a stand-in for Traefik) in its container, against real containers: it finds them
 * through the Docker socket, dials them on their networks, and — like Traefik — cannot reach a
 * container that shares no network with it (Docker isolates bridge networks). That is defect 1
 * reproduced: the router looks fine in the API, yet every request is a 502.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, TEST_IMAGE } from '../helpers/engine.js';
import { holdExclusive } from '../helpers/exclusive.js';
import { startLabelProxy, type LabelProxy } from '../helpers/label-proxy.js';
import { waitFor } from '../helpers/wait.js';

const sfx = crypto.randomBytes(3).toString('hex');
const other = `t-other-${sfx}`;
const reachable = `t-lp-reach-${sfx}`;
const isolated = `t-lp-iso-${sfx}`;
let proxy: LabelProxy;

/** A busybox httpd answering `body`, labelled for a router `<router>` on Host(`<router>.test`). */
function runApp(name: string, network: string, router: string, body: string, extra: string[] = [], alsoOn?: string): void {
  docker(['create', '--init', '--name', name, '--network', network, ...extra,
    '-l', 'traefik.enable=true',
    '-l', `traefik.http.routers.${router}.rule=Host(\`${router}.test\`)`,
    '-l', `traefik.http.services.${router}.loadbalancer.server.port=8080`,
    TEST_IMAGE, 'sh', '-c', `mkdir -p /www && echo ${body} > /www/index.html && exec httpd -f -p 8080 -h /www`]);
  // Connected before it starts: the proxy (like Traefik) rebuilds on container events, not network ones.
  if (alsoOn) docker(['network', 'connect', alsoOn, name]);
  docker(['start', name]);
}

/** GET / through the proxy with a Host header → status and body (bounded). */
function get(host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${proxy.url}/`, { headers: { host }, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (b) => (body += b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
  });
}

async function apiJson(path: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`${proxy.apiUrl}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, json: await res.json() };
}

const ipOn = (container: string, network: string) => docker(['inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container]);

describe('label proxy (a stand-in for Traefik) in its container', () => {
  let releaseExclusive = () => {};
  beforeAll(async () => {
    // A running `--providers.docker` container is what OtterStack takes for Traefik: blue-green tests
    // elsewhere (either compose version) must not see this one.
    releaseExclusive = await holdExclusive('traefik');
    // Only labelled containers: the machine may run other suites' containers at the same time.
    proxy = await startLabelProxy({ args: ['--providers.docker.exposedbydefault=false'] });
    docker(['network', 'create', other]);
    // As OtterStack attaches a release: on its own network (listed first: t-other < t-proxy) and on
    // the proxy's, labelled traefik.docker.network so the proxy dials it there.
    runApp(reachable, other, `reach-${sfx}`, 'reachable', ['-l', `traefik.docker.network=${proxy.network}`], proxy.network);
    runApp(isolated, other, `iso-${sfx}`, 'isolated');
    // Waiting for the other Traefik tests to let go of the lock is by design.
  }, 660_000);

  afterAll(() => {
    for (const c of [reachable, isolated]) {
      try {
        docker(['rm', '-f', c]);
      } catch {
        /* not created */
      }
    }
    try {
      docker(['network', 'rm', other]);
    } catch {
      /* not created */
    }
    proxy?.stop();
    releaseExclusive();
  });

  it('routes to a container on its network (by traefik.docker.network), and the API shows the router and its server on that network', async () => {
    const router = await waitFor(async () => {
      const r = await apiJson(`/api/http/routers/reach-${sfx}@docker`);
      return r.status === 200 && r.json;
    }, 'the router of the reachable container in the API');
    expect(router).toMatchObject({ name: `reach-${sfx}@docker`, provider: 'docker', rule: `Host(\`reach-${sfx}.test\`)`, service: `reach-${sfx}`, status: 'enabled', entryPoints: ['web'], using: ['web'] });
    const service = await apiJson(`/api/http/services/reach-${sfx}@docker`);
    expect(service.json.loadBalancer.servers).toEqual([{ url: `http://${ipOn(reachable, proxy.network)}:8080` }]);
    expect(service.json.usedBy).toEqual([`reach-${sfx}@docker`]);
    const res = await waitFor(async () => {
      const r = await get(`reach-${sfx}.test`);
      return r.status === 200 && r;
    }, 'a 200 through the proxy');
    expect(res.body).toBe('reachable');
    expect((await get(`nobody-${sfx}.test`)).status).toBe(404);
    expect(await apiJson(`/api/http/routers/nobody-${sfx}@docker`)).toEqual({ status: 404, json: { message: `router not found: nobody-${sfx}@docker` } });
  });

  it('lists a container on another network only, but cannot reach it: 502 (defect 1 reproduces)', async () => {
    const router = await waitFor(async () => {
      const r = await apiJson(`/api/http/routers/iso-${sfx}@docker`);
      return r.status === 200 && r.json;
    }, 'the router of the isolated container in the API');
    expect(router.status).toBe('enabled');
    const service = await apiJson(`/api/http/services/iso-${sfx}@docker`);
    expect(service.json.loadBalancer.servers).toEqual([{ url: `http://${ipOn(isolated, other)}:8080` }]);
    // No retries and a 2 s connect timeout: one bounded request is enough to see it fail.
    expect((await get(`iso-${sfx}.test`)).status).toBe(502);
  });
});
