#!/usr/bin/env node
// Label proxy (a stand-in for Traefik): Traefik's image cannot be pulled here, so tests and the
// benchmark run this instead. It reads the same labels through the Docker Engine API and routes
// like Traefik's docker provider for the subset in label-rules.mjs. It is NOT Traefik and never
// says it is. Node ≥ 20 built-ins only, so the image is node + these two files.
import http from 'node:http';
import { containerConfig, createThrottle, eligible, mergeConfigurations, middlewareOf, parseFlags, providerOptions, routerJson, runtime, selectRouter, serviceNameOf, serviceOf } from './label-rules.mjs';

const NAME = 'label proxy (a stand-in for Traefik)';
const log = (msg) => process.stdout.write(`${new Date().toISOString()} ${NAME}: ${msg}\n`);
const opts = providerOptions(parseFlags(process.argv.slice(2)));
if (!opts.docker) {
  log('--providers.docker=true is required');
  process.exit(2);
}
const SOCKET = process.env.DOCKER_SOCKET ?? '/var/run/docker.sock';

/** GET on the engine API → parsed JSON. */
function engine(path) {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: SOCKET, path, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (b) => (body += b));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${path}: HTTP ${res.statusCode} ${body.trim()}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`${path}: timeout`)));
    req.on('error', reject);
  });
}

/** Running containers, inspected, in the shape label-rules.mjs expects. */
async function discover() {
  const list = await engine('/containers/json');
  const inspected = await Promise.all(list.map((c) => engine(`/containers/${c.Id}/json`).catch(() => null)));
  return inspected.filter(Boolean).map((c) => ({
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    labels: c.Config?.Labels ?? {},
    running: c.State?.Running === true,
    health: c.State?.Health?.Status ?? '',
    networks: Object.fromEntries(Object.entries(c.NetworkSettings?.Networks ?? {}).map(([n, v]) => [n, v.IPAddress])),
    ports: Object.keys(c.NetworkSettings?.Ports ?? c.Config?.ExposedPorts ?? {}).map((p) => Number.parseInt(p, 10)).filter(Number.isFinite),
  }));
}

// A container's problems are logged when they first appear, not on every rebuild (each event rebuilds all).
let reported = new Set();

/** The merged configuration of everything eligible now (Traefik: built on each event, then throttled). */
async function build() {
  const byContainer = {};
  const problems = new Set();
  for (const c of await discover()) {
    if (!eligible(c, opts)) continue;
    const r = containerConfig(c, opts, (w) => problems.add(`warning: container ${c.name}: ${w}`));
    if (r.error) problems.add(`error: container ${c.name}: ${r.error}`);
    else byContainer[`${serviceNameOf(c)}-${c.id}`] = r.conf; // Traefik's key: its merge order
  }
  for (const p of problems) if (!reported.has(p)) log(p);
  reported = problems;
  return mergeConfigurations(byContainer);
}

let merged = { routers: {}, services: {}, middlewares: {}, dropped: [] };
let rt = runtime(merged, opts.api ? ['web', 'traefik'] : ['web']);
let lastApplied = '';
const throttle = createThrottle(opts.throttleMs, { now: Date.now, setTimeout, clearTimeout }, (next) => {
  const text = JSON.stringify(next);
  if (text === lastApplied) return; // Traefik skips an unchanged configuration too.
  lastApplied = text;
  merged = next;
  rt = runtime(merged, opts.api ? ['web', 'traefik'] : ['web']);
  const on = rt.routers.filter((r) => r.status === 'enabled').map((r) => r.name);
  const off = rt.routers.filter((r) => r.status !== 'enabled').map((r) => `${r.name} (${r.error.join('; ')})`);
  const dropped = next.dropped.map((d) => `${d.kind.slice(0, -1)} ${d.name} defined multiple times with different configurations (${d.containers.join(', ')})`);
  log(`configuration applied: enabled [${on.join(', ')}]; disabled [${off.join(', ')}]; dropped [${dropped.join('; ')}]`);
});

// Builds are serialised so an older view never lands after a newer one.
let chain = Promise.resolve();
const reload = (why) =>
  (chain = chain.then(() => build().then((c) => throttle.push(c), (err) => log(`reload (${why}) failed: ${err.message}`))));

/** The event stream, reconnected (and everything re-listed) whenever it drops. */
function watch() {
  const filters = encodeURIComponent(JSON.stringify({ type: ['container'] }));
  const req = http.get({ socketPath: SOCKET, path: `/events?filters=${filters}` }, (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        let action = '';
        try {
          action = String(JSON.parse(line).Action ?? '');
        } catch {
          continue;
        }
        if (action === 'start' || action === 'die' || action.startsWith('health_status')) reload(action);
      }
    });
    res.on('end', again);
    res.on('error', again);
  });
  req.on('error', again);
  let retried = false;
  function again(err) {
    if (retried) return;
    retried = true;
    log(`event stream dropped${err?.message ? `: ${err.message}` : ''}; reconnecting`);
    setTimeout(() => (watch(), reload('reconnect')), 1000).unref?.();
  }
}

// ---- the web entrypoint -------------------------------------------------------------------------

const rr = new Map();
function proxy(req, res) {
  const host = req.headers.host ?? '';
  const router = selectRouter(rt, { host, path: req.url, method: req.method });
  if (!router) return end(res, 404, '404 page not found\n');
  let path = req.url;
  const extra = {};
  for (const ref of router.middlewares ?? []) {
    const m = middlewareOf(merged, ref) ?? {};
    for (const [h, v] of Object.entries(m.headers ?? {})) {
      const hm = /^customresponseheaders\.(.+)$/.exec(h);
      if (hm) extra[hm[1]] = v;
    }
    const prefixes = String(m.stripprefix?.prefixes ?? '').split(',').map((p) => p.trim()).filter(Boolean);
    const hit = prefixes.find((p) => path.startsWith(p));
    if (hit) {
      path = path.slice(hit.length);
      if (!path.startsWith('/')) path = `/${path}`;
      req.headers['x-forwarded-prefix'] = hit;
    }
  }
  const svc = serviceOf(merged, router.service);
  const i = rr.get(router.service) ?? 0;
  rr.set(router.service, i + 1);
  const target = new URL(svc.servers[i % svc.servers.length].url);
  const headers = { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '', 'x-forwarded-host': host, 'x-forwarded-proto': 'http' };
  // No retries, as Traefik without a retry middleware: a failed upstream is a 502.
  const up = http.request({ host: target.hostname, port: target.port, path, method: req.method, headers }, (r) => {
    const out = { ...r.headers };
    for (const [k, v] of Object.entries(extra)) if (v === '') delete out[k.toLowerCase()];
    else out[k] = v;
    res.writeHead(r.statusCode ?? 502, out);
    r.pipe(res);
  });
  up.on('socket', (s) => {
    const t = setTimeout(() => up.destroy(new Error('connect timeout')), 2000);
    s.once('connect', () => clearTimeout(t));
    s.once('close', () => clearTimeout(t));
  });
  up.on('error', () => (res.headersSent ? res.destroy() : end(res, 502, 'Bad Gateway')));
  req.pipe(up);
}

const end = (res, code, body) => {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
};

// ---- the API on the traefik entrypoint ----------------------------------------------------------

function api(req, res) {
  const json = (code, v) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(v));
  };
  const url = new URL(req.url, 'http://x');
  const m = /^\/api\/http\/(routers|services|middlewares)(?:\/([^/]+))?$/.exec(url.pathname);
  if (!m) return json(404, { message: `${url.pathname} not found` });
  const list = m[1] === 'routers' ? rt.routers.map(routerJson) : rt[m[1]];
  if (!m[2]) return json(200, [...list].sort((a, b) => (a.name < b.name ? -1 : 1)));
  const name = decodeURIComponent(m[2]);
  const hit = list.find((x) => x.name === name);
  return hit ? json(200, hit) : json(404, { message: `${m[1].slice(0, -1)} not found: ${name}` });
}

http.createServer(proxy).listen(opts.webPort, () => log(`web entrypoint on :${opts.webPort}`));
if (opts.api) http.createServer(api).listen(opts.apiPort, () => log(`API on :${opts.apiPort} (insecure, like --api.insecure)`));
watch();
reload('start');
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
