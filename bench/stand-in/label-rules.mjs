// The pure half of the label proxy (a stand-in for Traefik): flags, label decoding, the per-container
// build and the cross-container merge of Traefik's docker provider, rule matching, router selection,
// the API's JSON shapes and the reload throttle. No I/O here, so test/unit/label-rules.test.ts can
// pin each rule down. Types: label-rules.d.mts. Where this differs from Traefik, the comment says so.

/** `--a.b.c=value` and bare `--flag` (= "true"), keys lower-cased (Traefik's option names are case-insensitive). */
export function parseFlags(argv) {
  const out = {};
  for (const arg of argv) {
    const m = /^--?([^=]+)(?:=(.*))?$/s.exec(arg);
    if (m) out[m[1].toLowerCase()] = m[2] ?? 'true';
  }
  return out;
}

/** Go-ish durations: `2s`, `500ms`, `1m`, `1m30s`; a bare number is seconds (as Traefik reads it). → ms. */
export function parseDuration(text) {
  const s = String(text).trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const unit = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  let rest = s;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) throw new Error(`invalid duration ${JSON.stringify(text)}`);
    ms += Number(m[1]) * unit[m[2]];
    rest = rest.slice(m[0].length);
  }
  return ms;
}

/** The provider options this stand-in understands, from parsed flags. */
export function providerOptions(flags) {
  const port = (addr, dflt) => Number(/:(\d+)$/.exec(addr ?? '')?.[1] ?? dflt);
  return {
    docker: /^true$/i.test(flags['providers.docker'] ?? ''),
    network: flags['providers.docker.network'] || '',
    exposedByDefault: !/^false$/i.test(flags['providers.docker.exposedbydefault'] ?? 'true'),
    throttleMs: parseDuration(flags['providers.providersthrottleduration'] ?? '2s'),
    webPort: port(flags['entrypoints.web.address'], 80),
    api: /^true$/i.test(flags['api.insecure'] ?? ''),
    apiPort: port(flags['entrypoints.traefik.address'], 8080),
  };
}

/** Traefik's provider.Normalize: every run of characters other than letters and digits becomes one `-`. */
export function normalize(name) {
  return String(name).split(/[^\p{L}\p{N}]+/u).filter(Boolean).join('-');
}

const DEF = /^traefik\.http\.(routers|services|middlewares)\.([^.]+)\.(.+)$/i;

/**
 * A container's `traefik.http.*` labels as routers/services/middlewares. Keys are matched
 * case-insensitively (field paths lower-cased); names keep their case. TCP/UDP labels are ignored
 * (out of this stand-in's subset).
 */
export function decodeLabels(labels) {
  const conf = { routers: {}, services: {}, middlewares: {} };
  for (const [key, raw] of Object.entries(labels ?? {})) {
    const m = DEF.exec(key);
    if (!m) continue;
    const kind = m[1].toLowerCase();
    const name = m[2];
    const field = m[3].toLowerCase();
    const value = String(raw ?? '');
    if (kind === 'routers') {
      const r = (conf.routers[name] ??= {});
      if (field === 'rule') r.rule = value;
      else if (field === 'priority') r.priority = Number(value) || 0;
      else if (field === 'service') r.service = value.trim();
      else if (field === 'middlewares') r.middlewares = splitList(value);
      else if (field === 'entrypoints') r.entryPoints = splitList(value);
      else (r.other ??= {})[field] = value;
    } else if (kind === 'services') {
      const s = (conf.services[name] ??= { loadBalancer: {}, server: {} });
      const sm = /^loadbalancer\.server\.(.+)$/.exec(field);
      if (sm) s.server[sm[1]] = value;
      else s.loadBalancer[field.replace(/^loadbalancer\./, '')] = value;
    } else {
      // `<type>.<option...>`; a header name keeps its case in the value's key (m[3] as written).
      const [type, ...opt] = m[3].split('.');
      const mw = (conf.middlewares[name] ??= {});
      (mw[type.toLowerCase()] ??= {})[opt.map((o, i) => (i === 0 ? o.toLowerCase() : o)).join('.')] = value;
    }
  }
  return conf;
}

const splitList = (v) => v.split(',').map((x) => x.trim()).filter(Boolean);
const label = (labels, key) => Object.entries(labels ?? {}).find(([k]) => k.toLowerCase() === key)?.[1];

/** Eligible as Traefik's keepContainer: running, healthy when it has a healthcheck, traefik.enable / exposedByDefault. */
export function eligible(c, opts) {
  if (!c.running) return false;
  if (c.health && c.health !== 'healthy') return false;
  const enable = label(c.labels, 'traefik.enable');
  return enable === undefined ? opts.exposedByDefault : /^true$/i.test(String(enable).trim());
}

/** Traefik's getServiceName: `<compose service>_<compose project>` when both labels exist, else the container name; normalized. */
export function serviceNameOf(c) {
  const svc = c.labels?.['com.docker.compose.service'];
  const project = c.labels?.['com.docker.compose.project'];
  return normalize(svc && project ? `${svc}_${project}` : c.name);
}

/**
 * The container's IP: on the network its `traefik.docker.network` label (else the provider's
 * --providers.docker.network) names, else its first network, warning when the named network is not
 * one it is on (Traefik: "Could not find network named ..."; Traefik's "first" is Go map order,
 * i.e. arbitrary; here it is the order the engine lists them). Names are taken literally.
 */
export function addressOf(c, opts, warn = () => {}) {
  const wanted = label(c.labels, 'traefik.docker.network') ?? opts.network;
  const nets = Object.entries(c.networks ?? {});
  if (wanted) {
    const hit = nets.find(([n]) => n === wanted);
    if (hit) return hit[1];
    warn(`Could not find network named "${wanted}" for container "${c.name}"; defaulting to its first network (${nets[0]?.[0] ?? 'none'})`);
  }
  return nets[0]?.[1] ?? '';
}

/**
 * One container's configuration, as Traefik builds it before merging: a default service when it
 * defines none; one server per service (label port, else the lowest exposed port; neither: "port is
 * missing" and the container is skipped, as in Traefik); a default router when it defines none (and
 * at most one service); a router without rule gets Traefik's default rule Host(`<service name>`);
 * a router without service takes the container's only service (several: the router is dropped).
 * → { conf } or { error }.
 */
export function containerConfig(c, opts, warn = () => {}) {
  const conf = decodeLabels(c.labels);
  const serviceName = serviceNameOf(c);
  if (Object.keys(conf.services).length === 0) conf.services[serviceName] = { loadBalancer: {}, server: {} };
  const ip = addressOf(c, opts, warn);
  for (const [name, s] of Object.entries(conf.services)) {
    const port = s.server.port || (c.ports?.length ? String(Math.min(...c.ports)) : '');
    if (!ip) return { error: `service "${name}" error: unable to find the IP address for the container "${c.name}": the server is ignored` };
    if (!port) return { error: `service "${name}" error: port is missing` };
    const scheme = s.server.scheme || 'http';
    s.servers = [{ url: `${scheme}://${ip}:${port}` }];
  }
  const serviceNames = Object.keys(conf.services);
  if (Object.keys(conf.routers).length === 0) {
    if (serviceNames.length > 1) warn(`Could not create a router for the container "${c.name}": too many services`);
    else conf.routers[serviceName] = {};
  }
  for (const [name, r] of Object.entries(conf.routers)) {
    if (!r.rule) r.rule = `Host(\`${serviceName}\`)`;
    if (!r.service) {
      if (serviceNames.length > 1) {
        warn(`Could not define the service name for the router "${name}": too many services`);
        delete conf.routers[name];
      } else r.service = serviceNames[0];
    }
  }
  return { conf };
}

/** Stable JSON with sorted keys, for Traefik's reflect.DeepEqual comparisons. */
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** Load-balancer options other than servers, with passHostHeader's default (true) made explicit. */
function lbKey(s) {
  const lb = { ...s.loadBalancer };
  lb.passhostheader = String(lb.passhostheader ?? 'true').trim().toLowerCase();
  return canonical(lb);
}

/**
 * Traefik's provider.Merge over containers (keyed `<service name>-<container id>`, taken in sorted
 * order): a router or middleware defined by several containers is kept only when every definition
 * is identical, else it is dropped; a service is merged (servers appended, duplicate URLs once)
 * when its load-balancer options other than servers are identical, else dropped.
 * → { routers, services, middlewares, dropped: [{kind, name, containers}] }.
 */
export function mergeConfigurations(byContainer) {
  const out = { routers: {}, services: {}, middlewares: {}, dropped: [] };
  const seen = { routers: {}, services: {}, middlewares: {} };
  const bad = { routers: new Set(), services: new Set(), middlewares: new Set() };
  for (const key of Object.keys(byContainer).sort()) {
    const conf = byContainer[key];
    for (const kind of ['services', 'routers', 'middlewares']) {
      for (const [name, def] of Object.entries(conf[kind])) {
        (seen[kind][name] ??= []).push(key);
        const have = out[kind][name];
        if (!have) {
          out[kind][name] = kind === 'services' ? { ...def, servers: [...def.servers] } : def;
        } else if (kind === 'services') {
          if (lbKey(have) !== lbKey(def)) bad.services.add(name);
          else for (const s of def.servers) if (!have.servers.some((h) => h.url === s.url)) have.servers.push(s);
        } else if (canonical(have) !== canonical(def)) bad[kind].add(name);
      }
    }
  }
  for (const kind of ['services', 'routers', 'middlewares']) {
    for (const name of bad[kind]) {
      delete out[kind][name];
      out.dropped.push({ kind, name, containers: seen[kind][name] });
    }
  }
  return out;
}

// ---- rules ---------------------------------------------------------------------------------------

/** Parses a rule (Host, Path, PathPrefix, Method, &&, ||, !, parentheses) into a predicate tree; throws on anything else. */
export function parseRule(rule) {
  const tokens = [];
  const re = /\s*(?:(&&|\|\||!|\(|\)|,)|([A-Za-z]+)\s*(?=\()|`([^`]*)`|"((?:[^"\\]|\\.)*)")/y;
  let i = 0;
  const text = String(rule).trim();
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) throw new Error(`error while parsing rule ${text}: unexpected input at ${i}`);
    i = re.lastIndex;
    if (m[1]) tokens.push({ op: m[1] });
    else if (m[2]) tokens.push({ fn: m[2] });
    else tokens.push({ str: m[3] ?? JSON.parse(`"${m[4]}"`) });
    while (i < text.length && /\s/.test(text[i])) i++;
  }
  let p = 0;
  const fail = () => {
    throw new Error(`error while parsing rule ${text}`);
  };
  const expect = (op) => (tokens[p]?.op === op ? p++ : fail());
  const or = () => {
    let left = and();
    while (tokens[p]?.op === '||') (p++, (left = { or: [left, and()] }));
    return left;
  };
  const and = () => {
    let left = unary();
    while (tokens[p]?.op === '&&') (p++, (left = { and: [left, unary()] }));
    return left;
  };
  const unary = () => {
    if (tokens[p]?.op === '!') return (p++, { not: unary() });
    if (tokens[p]?.op === '(') {
      p++;
      const e = or();
      expect(')');
      return e;
    }
    const fn = tokens[p++]?.fn;
    const known = { host: 'Host', path: 'Path', pathprefix: 'PathPrefix', method: 'Method' };
    if (!fn || !known[fn.toLowerCase()]) throw new Error(`error while parsing rule ${text}: unsupported matcher ${fn ?? '(none)'}`);
    expect('(');
    const args = [];
    while (tokens[p] && tokens[p].str !== undefined) {
      args.push(tokens[p++].str);
      if (tokens[p]?.op === ',') p++;
    }
    expect(')');
    if (args.length === 0) fail();
    return { fn: known[fn.toLowerCase()], args };
  };
  const tree = or();
  if (p !== tokens.length) fail();
  return tree;
}

/** Whether a parsed rule matches a request {host, path, method}; Host ignores case and the port. */
export function matchRule(tree, req) {
  if (tree.or) return tree.or.some((t) => matchRule(t, req));
  if (tree.and) return tree.and.every((t) => matchRule(t, req));
  if (tree.not) return !matchRule(tree.not, req);
  const host = String(req.host ?? '').replace(/:\d+$/, '').toLowerCase();
  const path = String(req.path ?? '/').split('?')[0];
  switch (tree.fn) {
    case 'Host':
      return tree.args.some((a) => a.toLowerCase() === host);
    case 'Path':
      return tree.args.includes(path);
    case 'PathPrefix':
      return tree.args.some((a) => path.startsWith(a));
    default:
      return tree.args.some((a) => a.toUpperCase() === String(req.method ?? 'GET').toUpperCase());
  }
}

/** Traefik's default priority: the rule's length in bytes; an explicit priority above 0 wins. */
export function routerPriority(r) {
  return r.priority > 0 ? r.priority : Buffer.byteLength(r.rule ?? '', 'utf8');
}

// ---- runtime (what the API shows and the proxy routes with) ---------------------------------------

const qualify = (ref) => (ref.includes('@') ? ref : `${ref}@docker`);
const local = (ref) => (ref.endsWith('@docker') ? ref.slice(0, -'@docker'.length) : ref.includes('@') ? null : ref);

/**
 * The runtime view of a merged configuration: each router enabled or disabled with Traefik's error
 * texts, each service with the routers using it, sorted highest priority first (ties: by name).
 * `entryPoints` known to the proxy: ["web"] (+ "traefik" with the API).
 */
export function runtime(merged, entryPoints = ['web']) {
  const routers = [];
  for (const [name, r] of Object.entries(merged.routers)) {
    const errors = [];
    const eps = r.entryPoints ?? ['web'];
    const using = eps.filter((e) => entryPoints.includes(e));
    for (const e of eps) if (!entryPoints.includes(e)) errors.push(`entryPoint "${e}" doesn't exist`);
    if (using.length === 0) errors.push('no valid entryPoint for this router');
    let tree = null;
    try {
      tree = parseRule(r.rule);
    } catch (err) {
      errors.push(err.message);
    }
    for (const m of r.middlewares ?? []) {
      const n = local(m);
      if (n === null || !merged.middlewares[n]) errors.push(`middleware "${qualify(m)}" does not exist`);
    }
    const svc = local(r.service);
    if (svc === null || !merged.services[svc]) errors.push(`the service "${qualify(r.service)}" does not exist`);
    routers.push({
      name: `${name}@docker`,
      provider: 'docker',
      rule: r.rule,
      priority: routerPriority(r),
      service: r.service,
      ...(r.middlewares?.length ? { middlewares: r.middlewares } : {}),
      entryPoints: eps,
      status: errors.length ? 'disabled' : 'enabled',
      using,
      ...(errors.length ? { error: errors } : {}),
      tree,
    });
  }
  routers.sort((a, b) => b.priority - a.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const services = Object.entries(merged.services).map(([name, s]) => ({
    name: `${name}@docker`,
    provider: 'docker',
    type: 'loadbalancer',
    status: 'enabled',
    loadBalancer: { servers: s.servers, passHostHeader: !/^false$/i.test(String(s.loadBalancer.passhostheader ?? 'true').trim()) },
    usedBy: routers.filter((r) => local(r.service) === name).map((r) => r.name).sort(),
    serverStatus: Object.fromEntries(s.servers.map((x) => [x.url, 'UP'])),
  }));
  const middlewares = Object.entries(merged.middlewares).map(([name, m]) => ({
    name: `${name}@docker`,
    provider: 'docker',
    type: Object.keys(m)[0] ?? '',
    ...m,
    status: 'enabled',
    usedBy: routers.filter((r) => (r.middlewares ?? []).some((x) => local(x) === name)).map((r) => r.name).sort(),
  }));
  return { routers, services, middlewares };
}

/** A router as the API shows it (without the parsed rule). */
export function routerJson(r) {
  const { tree: _tree, ...rest } = r;
  return rest;
}

/** The first enabled router on `entryPoint` whose rule matches, highest priority first; null → 404. */
export function selectRouter(rt, req, entryPoint = 'web') {
  return rt.routers.find((r) => r.status === 'enabled' && r.using.includes(entryPoint) && matchRule(r.tree, req)) ?? null;
}

/** The middleware's type and options by a router's reference, null when it does not exist. */
export function middlewareOf(merged, ref) {
  const n = local(ref);
  return n === null ? null : (merged.middlewares[n] ?? null);
}

/** The service's merged definition by a router's reference. */
export function serviceOf(merged, ref) {
  const n = local(ref);
  return n === null ? null : (merged.services[n] ?? null);
}

// ---- throttle -----------------------------------------------------------------------------------

/**
 * Traefik's providersThrottleDuration: a configuration is applied at once when none was applied in
 * the last `windowMs`; ones arriving within the window are coalesced, and only the latest is applied
 * when the window ends (which starts a new window). The clock is injected ({now, setTimeout,
 * clearTimeout}) so the unit test needs no real sleeps.
 */
export function createThrottle(windowMs, clock, apply) {
  let blockedUntil = -Infinity;
  let timer = null;
  let pending = null;
  const fire = (value) => {
    blockedUntil = clock.now() + windowMs;
    apply(value);
  };
  return {
    push(value) {
      const now = clock.now();
      if (timer === null && now >= blockedUntil) return fire(value);
      pending = { value };
      if (timer === null) {
        timer = clock.setTimeout(() => {
          timer = null;
          const p = pending;
          pending = null;
          if (p) fire(p.value);
        }, blockedUntil - now);
      }
    },
    stop() {
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      pending = null;
    },
  };
}
