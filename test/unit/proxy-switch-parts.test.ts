import { describe, expect, it } from 'vitest';
import { confirmRoute, isTlsRefusal, type ProbeAnswer } from '../../src/services/proxy/proxy-probe.js';
import { caddyRoute, releaseUpstream, routeIdFor, routesOfProject, sameRoutes, SWARM_RETRY_MS } from '../../src/services/proxy/proxy-routing.js';
import { renderCaddyConfig } from '../../src/services/proxy/caddy-config.js';
import { routedNetworks } from '../../src/services/swarm/swarm-proxy.js';
import type { CaddyRoute } from '../../src/services/proxy/caddy-config.js';

describe('proxy routing names', () => {
  it('names a route <project>.<service>.<port>, and hashes what is no valid route id', () => {
    expect(routeIdFor({ project: 'shop', service: 'web', port: 8080 })).toBe('shop.web.8080');
    // Upper case (compose allows it) would collide with the lower-case service: hashed instead.
    expect(routeIdFor({ project: 'shop', service: 'Web', port: 80 })).toMatch(/^shop\.[0-9a-f]{16}$/);
    expect(routeIdFor({ project: 'shop', service: 'Web', port: 80 })).not.toBe(routeIdFor({ project: 'shop', service: 'web', port: 80 }));
    // The longest project name still gives a valid id with the whole name first (routesOfProject reads it).
    const long = routeIdFor({ project: 'p'.repeat(63), service: 's'.repeat(63), port: 3000 });
    expect(long.startsWith(`${'p'.repeat(63)}.`)).toBe(true);
    expect(long).not.toBe(routeIdFor({ project: 'p'.repeat(62) + 'q', service: 's'.repeat(63), port: 3000 }));
    expect(routesOfProject([{ id: 'app.web.80' }, { id: 'app-x.web.80' }, { id: 'ap.web.80' }], 'app')).toEqual([{ id: 'app.web.80' }]);
  });

  it("routes to the release's own alias, never the bare service name shared by every release", () => {
    expect(releaseUpstream('web', 8080, 'otterstack-shop-abc1234')).toBe('web-abc1234:8080');
    expect(releaseUpstream('web', 8080, 'otterstack-shop-abc1234-c3')).toBe('web-abc1234-c3:8080');
  });

  it("routes a swarm release to the stack's service name, with retries; a compose release without", () => {
    const route = { project: 'shop', domains: ['shop.test'], service: 'web', port: 8080, tls: 'internal' as const };
    const swarm = caddyRoute(route, { composeProject: 'otterstack-shop-abc1234', target: 'swarm' });
    expect(swarm).toEqual({ id: 'shop.web.8080', domains: ['shop.test'], upstream: 'otterstack-shop_web:8080', tls: 'internal', retryMs: SWARM_RETRY_MS });
    // Every swarm release answers at the same name: the route does not move between them.
    expect(caddyRoute(route, { composeProject: 'otterstack-shop-def5678', target: 'swarm' }).upstream).toBe(swarm.upstream);
    const compose = caddyRoute(route, { composeProject: 'otterstack-shop-abc1234', target: 'compose' });
    expect(compose).toEqual({ id: 'shop.web.8080', domains: ['shop.test'], upstream: 'web-abc1234:8080', tls: 'internal' });
    const handler = (r: typeof swarm) => (renderCaddyConfig({ httpPort: 80, httpsPort: 443 }, [r]) as any).apps.http.servers.otterstack.routes[0].handle[0];
    expect(handler(swarm).load_balancing).toEqual({ try_duration: '5000ms', try_interval: '100ms' });
    expect(handler(compose).load_balancing).toBeUndefined();
  });

  it("joins the proxy to each routed service's first stack network, and refuses a route to no service of the stack", () => {
    const doc = { services: { web: {}, api: { networks: ['back', 'front'] }, edge: { networks: { public: null } } }, networks: { default: {}, back: {}, front: {}, public: { external: true, name: 'edge-net' } } };
    const route = (service: string) => ({ project: 'shop', domains: [`${service}.test`], service, port: 80, tls: 'acme' as const });
    expect(routedNetworks('otterstack-shop', doc, [route('web'), route('api'), route('edge'), route('web')])).toEqual(['otterstack-shop_default', 'otterstack-shop_back', 'edge-net']);
    expect(() => routedNetworks('otterstack-shop', doc, [route('db')])).toThrow(/route db\.test → db:80: the stack has no service db \(its services: web, api, edge\)/);
  });
});

describe('sameRoutes', () => {
  const r: CaddyRoute = { id: 'shop.web.8080', domains: ['a.test', 'b.test'], upstream: 'web-abc1234:8080', tls: 'acme' };
  it('compares ids, domains in any order and the one upstream', () => {
    expect(sameRoutes([{ id: r.id, domains: ['b.test', 'a.test'], upstreams: [r.upstream] }], [r])).toBe(true);
    expect(sameRoutes([{ id: r.id, domains: ['a.test'], upstreams: [r.upstream] }], [r])).toBe(false);
    expect(sameRoutes([{ id: r.id, domains: r.domains, upstreams: ['web-1111111:8080'] }], [r])).toBe(false);
    expect(sameRoutes([{ id: r.id, domains: r.domains, upstreams: [r.upstream, 'web-1111111:8080'] }], [r])).toBe(false);
    expect(sameRoutes([], [r])).toBe(false);
    expect(sameRoutes([{ id: r.id, domains: r.domains, upstreams: [r.upstream] }], [])).toBe(false);
  });
});

describe('confirmRoute', () => {
  const base = { httpsPort: 443, domain: 'a.test', upstream: 'web-abc1234:8080', timeoutMs: 2000 };
  const answers = (...list: (ProbeAnswer | Error)[]) => {
    let i = 0;
    const calls = { n: 0 };
    const probe = async () => {
      calls.n++;
      const a = list[Math.min(i++, list.length - 1)]!;
      if (a instanceof Error) throw a;
      return a;
    };
    return { probe, calls };
  };

  it('is confirmed once the new upstream answers, whatever its status (404 is an answer from the release)', async () => {
    const { probe } = answers({ status: 200, upstream: 'web-0000000:8080' }, { status: 404, upstream: 'web-abc1234:8080' });
    await expect(confirmRoute({ ...base, probe })).resolves.toBe('confirmed');
  });

  it('counts the proxy\'s own answers in a row: one from the old upstream in between starts again', async () => {
    const self = { status: 502, upstream: '' };
    const old = { status: 200, upstream: 'web-0000000:8080' };
    const { probe } = answers(self, self, old, self, self, { status: 200, upstream: 'web-abc1234:8080' });
    await expect(confirmRoute({ ...base, probe })).resolves.toBe('confirmed');
  });

  it('fails fast when the proxy keeps answering itself (502: the new release does not answer it)', async () => {
    const { probe, calls } = answers({ status: 502, upstream: '' });
    await expect(confirmRoute({ ...base, timeoutMs: 60_000, probe })).rejects.toThrow(/did not reach web-abc1234:8080: the proxy answered 502 itself/);
    expect(calls.n).toBe(3);
  });

  it('reports no certificate (not a failure) when every attempt fails the TLS handshake', async () => {
    const tls = Object.assign(new Error('tlsv1 alert internal error'), { code: 'ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR' });
    expect(isTlsRefusal(tls)).toBe(true);
    const { probe } = answers(tls);
    await expect(confirmRoute({ ...base, timeoutMs: 300, probe })).resolves.toBe('no-certificate');
  });

  it('fails at the deadline when nothing answers at all', async () => {
    const { probe } = answers(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(isTlsRefusal(new Error('connect ECONNREFUSED'))).toBe(false);
    await expect(confirmRoute({ ...base, timeoutMs: 300, probe })).rejects.toThrow(/within 0s \(connect ECONNREFUSED\)|within 1s|did not reach/);
  });
});
