import { describe, expect, it } from 'vitest';
import { NEW_PROJECT_PROXY_STATE, parseRouteSpec, planProxyChange, resolveDomainRoutes, type ProxyState } from '../../src/services/proxy-settings.js';

const proxyProject: ProxyState = {
  strategy: 'proxy',
  tls: 'internal',
  domains: [
    { domain: 'app.example.com', service: 'web', port: 8080 },
    { domain: 'www.example.com', service: 'web', port: 8080 },
  ],
};

describe('--route', () => {
  it('is service:port for every domain, or host=service:port for one', () => {
    expect(parseRouteSpec('web:8080')).toEqual({ service: 'web', port: 8080 });
    expect(parseRouteSpec('API.example.com=api_1:3000')).toEqual({ host: 'api.example.com', service: 'api_1', port: 3000 });
  });
  it.each([
    ['web', /give service:port/],
    ['web:0', /number from 1 to 65535/],
    ['web:65536', /number from 1 to 65535/],
    ['web:http', /number from 1 to 65535/],
    [':80', /is not a compose service name/],
    ['-web:80', /is not a compose service name/],
    ['*.example.com=web:80', /wildcard/],
    ['http://x.com=web:80', /invalid --route host/],
  ])('refuses %j', (raw, why) => expect(() => parseRouteSpec(raw)).toThrow(why));
});

describe('planProxyChange: --domain, --route, --tls and --traefik-routing together', () => {
  it('--domain with a route switches a new project to proxy, ACME by default', () => {
    expect(planProxyChange({ domains: ['App.example.com'], routes: ['web:8080'] }, NEW_PROJECT_PROXY_STATE)).toEqual({
      strategy: 'proxy',
      domains: [{ domain: 'app.example.com', service: 'web', port: 8080 }],
    });
    expect(planProxyChange({ domains: ['a.example.com'], routes: ['web:80'], tls: 'internal' }, NEW_PROJECT_PROXY_STATE).tls).toBe('internal');
  });

  it('refuses --traefik-routing with --domain (and with --route/--tls), before anything else', () => {
    expect(() => planProxyChange({ domains: ['a.example.com'], routes: ['web:80'], traefikRouting: true }, NEW_PROJECT_PROXY_STATE)).toThrow(/--traefik-routing and --domain choose two strategies/);
    expect(() => planProxyChange({ routes: ['web:80'], traefikRouting: true }, proxyProject)).toThrow(/not to --traefik-routing/);
    expect(() => planProxyChange({ tls: 'acme', traefikRouting: true }, proxyProject)).toThrow(/not to --traefik-routing/);
  });

  it('setting one strategy clears the other', () => {
    expect(planProxyChange({ traefikRouting: true }, proxyProject)).toEqual({ strategy: 'blue-green', domains: [], tls: 'acme' });
    expect(planProxyChange({ domains: ['a.example.com'], routes: ['web:80'] }, { strategy: 'blue-green', tls: 'acme', domains: [] }).strategy).toBe('proxy');
  });

  it('--no-domain clears domains and goes back to recreate; --no-traefik-routing leaves a proxy project alone', () => {
    expect(planProxyChange({ domains: false }, proxyProject)).toEqual({ strategy: 'recreate', domains: [], tls: 'acme' });
    expect(planProxyChange({ domains: false }, { strategy: 'blue-green', tls: 'acme', domains: [] })).toEqual({});
    expect(() => planProxyChange({ domains: false, routes: ['web:80'] }, proxyProject)).toThrow(/--no-domain removes the domains/);
    expect(planProxyChange({ traefikRouting: false }, proxyProject)).toEqual({});
    expect(planProxyChange({ traefikRouting: false }, { strategy: 'blue-green', tls: 'acme', domains: [] })).toEqual({ strategy: 'recreate' });
  });

  it('--route or --tls without any domain is an error; a domain given twice is one', () => {
    expect(() => planProxyChange({ routes: ['web:80'] }, NEW_PROJECT_PROXY_STATE)).toThrow(/it has none: add --domain/);
    expect(() => planProxyChange({ tls: 'internal' }, NEW_PROJECT_PROXY_STATE)).toThrow(/it has none: add --domain/);
    expect(() => planProxyChange({ domains: ['a.example.com', 'A.example.com.'], routes: ['web:80'] }, NEW_PROJECT_PROXY_STATE)).toThrow(/--domain a\.example\.com is given twice/);
    expect(() => planProxyChange({ domains: ['a.example.com'], routes: ['web:80'], tls: 'letsencrypt' }, NEW_PROJECT_PROXY_STATE)).toThrow(/invalid --tls "letsencrypt"/);
  });

  it('--route alone re-routes the existing domains; --tls alone changes only TLS', () => {
    expect(planProxyChange({ routes: ['www.example.com=static:80'] }, proxyProject)).toEqual({
      domains: [
        { domain: 'app.example.com', service: 'web', port: 8080 },
        { domain: 'www.example.com', service: 'static', port: 80 },
      ],
    });
    expect(planProxyChange({ tls: 'acme' }, proxyProject)).toEqual({ tls: 'acme' });
  });
});

describe('resolveDomainRoutes: every domain ends up with exactly one route', () => {
  const before = proxyProject.domains;
  it('host routes win over the route for every domain', () => {
    expect(resolveDomainRoutes(['a.example.com', 'api.example.com'], [{ service: 'web', port: 80 }, { host: 'api.example.com', service: 'api', port: 3000 }], [])).toEqual([
      { domain: 'a.example.com', service: 'web', port: 80 },
      { domain: 'api.example.com', service: 'api', port: 3000 },
    ]);
  });
  it('a domain added to a single-route project takes that route; kept domains keep theirs', () => {
    expect(resolveDomainRoutes(['app.example.com', 'new.example.com'], [], before)).toEqual([
      { domain: 'app.example.com', service: 'web', port: 8080 },
      { domain: 'new.example.com', service: 'web', port: 8080 },
    ]);
    const twoRoutes = [before[0]!, { domain: 'api.example.com', service: 'api', port: 3000 }];
    expect(resolveDomainRoutes(['api.example.com'], [], twoRoutes)).toEqual([{ domain: 'api.example.com', service: 'api', port: 3000 }]);
    expect(() => resolveDomainRoutes(['api.example.com', 'new.example.com'], [], twoRoutes)).toThrow(/domain new\.example\.com has no route: give --route new\.example\.com=SERVICE:PORT/);
  });
  it('refuses a route without a domain, a domain routed twice, two routes for every domain, and a domain without a route', () => {
    expect(() => resolveDomainRoutes(['a.example.com'], [{ host: 'b.example.com', service: 'web', port: 80 }], [])).toThrow(/b\.example\.com is not one of the project's domains \(a\.example\.com\)/);
    expect(() => resolveDomainRoutes(['a.example.com'], [{ host: 'a.example.com', service: 'web', port: 80 }, { host: 'a.example.com', service: 'web', port: 81 }], [])).toThrow(/gives a\.example\.com twice/);
    expect(() => resolveDomainRoutes(['a.example.com'], [{ service: 'web', port: 80 }, { service: 'api', port: 81 }], [])).toThrow(/only one route may be for every domain/);
    expect(() => resolveDomainRoutes(['a.example.com'], [], [])).toThrow(/domain a\.example\.com has no route: give --route SERVICE:PORT/);
  });
});
