import { describe, expect, it } from 'vitest';
import { confirmRoute, isTlsRefusal, type ProbeAnswer } from '../../src/services/proxy/proxy-probe.js';
import { releaseUpstream, routeIdFor, routesOfProject, sameRoutes } from '../../src/services/proxy/proxy-routing.js';
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
