/**
 * The label proxy's rules (a stand-in for Traefik, bench/stand-in/label-rules.mjs): Traefik's
 * docker-provider merge (identical → kept, different → dropped), default priority, rule matching,
 * the reload throttle — and why OtterStack renames every release's routers/services/middlewares:
 * without the rename, two releases that differ in one middleware lose it and the routers using it.
 */
import { describe, expect, it } from 'vitest';
import { containerConfig, createThrottle, mergeConfigurations, parseDuration, parseFlags, parseRule, matchRule, providerOptions, runtime, selectRouter, type Configuration, type Container } from '../../bench/stand-in/label-rules.mjs';
import { renameTraefikLabels, type LabelEntries } from '../../src/services/traefik.js';

const opts = { network: '' };

function container(id: string, labels: Record<string, string>, ip = `172.30.0.${id.length + 1}`): Container {
  return { id, name: `app-${id}`, labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web', ...labels }, running: true, health: 'healthy', networks: { net: ip } };
}

/** Per-container build then merge, as the proxy does for each reload. */
function merge(...cs: Container[]) {
  const byContainer: Record<string, Configuration> = {};
  for (const c of cs) {
    const r = containerConfig(c, opts);
    if (r.error) throw new Error(r.error);
    byContainer[`web-shop-${c.id}`] = r.conf;
  }
  const merged = mergeConfigurations(byContainer);
  return { merged, rt: runtime(merged) };
}

const port = { 'traefik.http.services.web.loadbalancer.server.port': '8080' };

describe('merge across containers, as Traefik\'s docker provider', () => {
  it('drops a router that two containers define differently, keeps it when identical', () => {
    const a = container('a', { ...port, 'traefik.http.routers.web.rule': 'Host(`a.test`)' }, '172.30.0.2');
    const b = container('b', { ...port, 'traefik.http.routers.web.rule': 'Host(`b.test`)' }, '172.30.0.3');
    const differing = merge(a, b);
    expect(differing.merged.routers.web).toBeUndefined();
    expect(differing.merged.dropped).toEqual([{ kind: 'routers', name: 'web', containers: ['web-shop-a', 'web-shop-b'] }]);
    const same = merge(a, { ...b, labels: { ...b.labels, 'traefik.http.routers.web.rule': 'Host(`a.test`)' } });
    expect(same.rt.routers.map((r) => [r.name, r.status])).toEqual([['web@docker', 'enabled']]);
  });

  it('merges a service\'s servers when its load-balancer options agree, drops it when they do not', () => {
    const a = container('a', { ...port }, '172.30.0.2');
    const b = container('b', { ...port }, '172.30.0.3');
    expect(merge(a, b).merged.services.web!.servers).toEqual([{ url: 'http://172.30.0.2:8080' }, { url: 'http://172.30.0.3:8080' }]);
    // The explicit default (passhostheader=true) is the same configuration; false is not.
    expect(merge(a, { ...b, labels: { ...b.labels, 'traefik.http.services.web.loadbalancer.passhostheader': 'true' } }).merged.services.web!.servers).toHaveLength(2);
    const differing = merge(a, { ...b, labels: { ...b.labels, 'traefik.http.services.web.loadbalancer.passhostheader': 'false' } });
    expect(differing.merged.services.web).toBeUndefined();
    const router = differing.rt.routers.find((r) => r.name === 'web-shop@docker')!;
    expect(router.status).toBe('disabled');
    expect(router.error).toEqual(['the service "web@docker" does not exist']);
  });

  it('drops a middleware defined differently and disables the routers using it, with Traefik\'s error text', () => {
    const mw = (v: string, id: string) =>
      container(id, { ...port, 'traefik.http.routers.web.rule': 'Host(`a.test`)', 'traefik.http.routers.web.middlewares': 'tag', 'traefik.http.middlewares.tag.headers.customresponseheaders.X-Release': v }, `172.30.0.${id === 'a' ? 2 : 3}`);
    expect(merge(mw('1', 'a'), mw('1', 'b')).rt.routers[0]!.status).toBe('enabled');
    const { merged, rt } = merge(mw('1', 'a'), mw('2', 'b'));
    expect(merged.dropped.map((d) => `${d.kind}:${d.name}`)).toEqual(['middlewares:tag']);
    expect(rt.routers[0]).toMatchObject({ name: 'web@docker', status: 'disabled', error: ['middleware "tag@docker" does not exist'] });
  });
});

describe('per container, as Traefik', () => {
  it('names the default service `<compose service>-<project>`, gives a router without rule Host(`<that>`), needs a port', () => {
    const { rt } = merge(container('a', { ...port, 'traefik.http.routers.r.priority': '5' }));
    expect(rt.routers[0]).toMatchObject({ name: 'r@docker', rule: 'Host(`web-shop`)', service: 'web', priority: 5 });
    const none = containerConfig(container('a', {}), opts);
    expect(none.error).toBe('service "web-shop" error: port is missing');
    const exposed = containerConfig({ ...container('a', {}), ports: [9000, 8080] }, opts);
    expect(exposed.conf!.services['web-shop']!.servers).toEqual([{ url: 'http://172.30.0.2:8080' }]);
  });

  it('dials the network named by traefik.docker.network, else --providers.docker.network, else the first', () => {
    const c = { ...container('a', { ...port }), networks: { first: '10.0.0.2', proxy: '10.1.0.2' } };
    const url = (cc: Container, network = '') => containerConfig(cc, { network }).conf!.services.web!.servers[0]!.url;
    expect(url(c)).toBe('http://10.0.0.2:8080');
    expect(url(c, 'proxy')).toBe('http://10.1.0.2:8080');
    expect(url({ ...c, labels: { ...c.labels, 'traefik.docker.network': 'proxy' } }, 'first')).toBe('http://10.1.0.2:8080');
    const warnings: string[] = [];
    expect(containerConfig({ ...c, labels: { ...c.labels, 'traefik.docker.network': 'shop_proxy' } }, opts, (w) => warnings.push(w)).conf!.services.web!.servers[0]!.url).toBe('http://10.0.0.2:8080');
    expect(warnings[0]).toMatch(/Could not find network named "shop_proxy"/);
  });
});

describe('rules and router selection', () => {
  it('defaults a router\'s priority to its rule\'s length and lets the highest priority win', () => {
    const { rt } = merge(
      container('a', {
        ...port,
        'traefik.http.routers.short.rule': 'Host(`a.test`)',
        'traefik.http.routers.long.rule': 'Host(`a.test`) && PathPrefix(`/api`)',
      }),
    );
    expect(rt.routers.map((r) => [r.name, r.priority])).toEqual([
      ['long@docker', 'Host(`a.test`) && PathPrefix(`/api`)'.length],
      ['short@docker', 'Host(`a.test`)'.length],
    ]);
    expect(selectRouter(rt, { host: 'a.test:80', path: '/api/x' })!.name).toBe('long@docker');
    expect(selectRouter(rt, { host: 'A.TEST', path: '/' })!.name).toBe('short@docker');
    expect(selectRouter(rt, { host: 'b.test', path: '/' })).toBeNull();
  });

  it('matches Host with several names, Path, PathPrefix, && and ||; refuses unknown matchers', () => {
    const m = (rule: string, host: string, path = '/') => matchRule(parseRule(rule), { host, path });
    expect(m('Host(`a.test`,`b.test`)', 'b.test')).toBe(true);
    expect(m('Host(`a.test`) || Host(`c.test`)', 'c.test')).toBe(true);
    expect(m('Host(`a.test`) && Path(`/x`)', 'a.test', '/x?q=1')).toBe(true);
    expect(m('Host(`a.test`) && Path(`/x`)', 'a.test', '/x/y')).toBe(false);
    expect(m('(Host(`a.test`) || Host(`b.test`)) && PathPrefix(`/api`)', 'b.test', '/api/v1')).toBe(true);
    expect(() => parseRule('HostRegexp(`.*`)')).toThrow(/unsupported matcher/);
  });

  it('parses Traefik-style flags and durations', () => {
    const o = providerOptions(parseFlags(['--providers.docker', '--providers.docker.exposedByDefault=false', '--providers.providersThrottleDuration=500ms', '--entrypoints.traefik.address=:9000']));
    expect(o).toMatchObject({ docker: true, exposedByDefault: false, throttleMs: 500, webPort: 80, api: false, apiPort: 9000 });
    expect([parseDuration('2'), parseDuration('1m30s'), parseDuration('2s')]).toEqual([2000, 90_000, 2000]);
  });
});

describe('throttle (providersThrottleDuration)', () => {
  it('applies at once, coalesces what arrives within the window and applies the latest at its end', () => {
    let now = 0;
    const timers: { at: number; fn: () => void }[] = [];
    const clock = { now: () => now, setTimeout: (fn: () => void, ms: number) => timers.push({ at: now + ms, fn }), clearTimeout: () => {} };
    const applied: [number, string][] = [];
    const t = createThrottle<string>(2000, clock, (v) => applied.push([now, v]));
    const advance = (to: number) => {
      now = to;
      for (const x of timers.splice(0).sort((a, b) => a.at - b.at)) {
        if (x.at <= now) x.fn();
        else timers.push(x);
      }
    };
    t.push('one');
    advance(500);
    t.push('two');
    advance(1500);
    t.push('three');
    expect(applied).toEqual([[0, 'one']]);
    advance(2000);
    expect(applied).toEqual([[0, 'one'], [2000, 'three']]);
    advance(3000);
    t.push('four'); // within the window the last apply opened
    advance(4000);
    expect(applied.at(-1)).toEqual([4000, 'four']);
    advance(7000);
    t.push('five'); // after a quiet window: at once
    expect(applied.at(-1)).toEqual([7000, 'five']);
  });
});

describe('OtterStack\'s per-release rename, seen by the label proxy', () => {
  // One app, two releases whose middleware differs (release 2 tags responses differently).
  const release = (tag: string): Record<string, LabelEntries> => ({
    web: [
      ['traefik.enable', 'true'],
      ['traefik.http.routers.web.rule', 'Host(`shop.test`)'],
      ['traefik.http.routers.web.middlewares', 'tag'],
      ['traefik.http.middlewares.tag.headers.customresponseheaders.X-Release', tag],
      ['traefik.http.services.web.loadbalancer.server.port', '8080'],
    ],
  });
  const asContainer = (id: string, entries: LabelEntries, ip: string) => container(id, Object.fromEntries(entries.map(([k, v]) => [k, v ?? ''])), ip);

  it('after the rename both releases\' routers are enabled and the newer one wins by priority', () => {
    const one = renameTraefikLabels(release('one'), { suffix: 'aaaaaaa', generation: 1 });
    const two = renameTraefikLabels(release('two'), { suffix: 'bbbbbbb', generation: 2 });
    const { merged, rt } = merge(asContainer('a', one.services.web!, '172.30.0.2'), asContainer('b', two.services.web!, '172.30.0.3'));
    expect(merged.dropped).toEqual([]);
    expect(rt.routers.map((r) => [r.name, r.status])).toEqual([
      ['web-bbbbbbb@docker', 'enabled'],
      ['web-aaaaaaa@docker', 'enabled'],
    ]);
    const chosen = selectRouter(rt, { host: 'shop.test', path: '/' })!;
    expect(chosen.name).toBe('web-bbbbbbb@docker');
    expect(merged.services[chosen.service]!.servers).toEqual([{ url: 'http://172.30.0.3:8080' }]);
  });

  it('without the rename the differing middleware is dropped and the routers using it are disabled', () => {
    const { merged, rt } = merge(asContainer('a', release('one').web!, '172.30.0.2'), asContainer('b', release('two').web!, '172.30.0.3'));
    expect(merged.dropped.map((d) => `${d.kind}:${d.name}`)).toEqual(['middlewares:tag']);
    expect(rt.routers).toHaveLength(1);
    expect(rt.routers[0]).toMatchObject({ name: 'web@docker', status: 'disabled', error: ['middleware "tag@docker" does not exist'] });
    expect(selectRouter(rt, { host: 'shop.test', path: '/' })).toBeNull();
  });
});
