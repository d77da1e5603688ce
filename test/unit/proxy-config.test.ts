import { describe, expect, it } from 'vitest';
import { renderCaddyConfig, routeAtId, routesOfConfig, upstreamsPath, type CaddyRoute } from '../../src/services/proxy/caddy-config.js';

const ports = { email: 'ops@example.com', acmeCa: 'https://acme.example.test/dir', httpPort: 8080, httpsPort: 8443 };
const web: CaddyRoute = { id: 'web', domains: ['app.example.com', 'www.example.com'], upstream: 'otterstack-web-abc1234:8080', tls: 'acme' };
// Every answer a release gave names the upstream that gave it: how a deploy proves the switch.
const upstreamHeader = { response: { set: { 'X-Otterstack-Upstream': ['{http.reverse_proxy.upstream.hostport}'] } } };
const intra: CaddyRoute = { id: 'intra', domains: ['intra.test'], upstream: 'intra-v1:80', tls: 'internal' };

describe('renderCaddyConfig', () => {
  it('keeps the admin API on the unix socket in every config (a /load without it would move it to localhost:2019), autosave off', () => {
    for (const routes of [[], [web]]) {
      expect(renderCaddyConfig(ports, routes).admin).toEqual({ listen: 'unix//run/otterstack-admin/caddy.sock', config: { persist: false } });
    }
  });

  it('renders one host-matched reverse-proxy route per site, with an @id, on one HTTPS server; the http port for redirects and ACME', () => {
    const config = renderCaddyConfig(ports, [web, intra]) as any;
    expect(config.apps.http).toEqual({
      http_port: 8080,
      servers: {
        otterstack: {
          listen: [':8443'],
          routes: [
            { '@id': 'otterstack-route-web', match: [{ host: ['app.example.com', 'www.example.com'] }], handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: 'otterstack-web-abc1234:8080' }], headers: upstreamHeader }], terminal: true },
            { '@id': 'otterstack-route-intra', match: [{ host: ['intra.test'] }], handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: 'intra-v1:80' }], headers: upstreamHeader }], terminal: true },
          ],
        },
      },
    });
    // Automatic HTTPS (with its redirect) stays on; HSTS is never configured.
    expect(JSON.stringify(config)).not.toMatch(/automatic_https|Strict-Transport-Security/);
    // Left at Caddy's 443: set to 8443, Caddy would redirect to https://host/ (port 443).
    expect(config.apps.http.https_port).toBeUndefined();
  });

  it('issues internal sites from the local CA and ACME sites from the configured CA with the email', () => {
    const config = renderCaddyConfig(ports, [web, intra]) as any;
    expect(config.apps.tls.automation.policies).toEqual([
      { subjects: ['intra.test'], issuers: [{ module: 'internal' }] },
      { subjects: ['app.example.com', 'www.example.com'], issuers: [{ module: 'acme', ca: 'https://acme.example.test/dir', email: 'ops@example.com' }] },
    ]);
    expect(config.apps.pki).toEqual({ certificate_authorities: { local: { install_trust: false } } });
    // An internal ACME CA's root (--acme-ca-root): Caddy trusts it for the directory's own HTTPS.
    const withRoot = renderCaddyConfig({ ...ports, acmeCaRoot: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n' }, [web]) as any;
    expect(withRoot.apps.tls.automation.policies[0].issuers[0].trusted_roots_pem_files).toEqual(['/etc/otterstack-proxy/acme-ca-root.pem']);
  });

  it("leaves Caddy's defaults (Let's Encrypt, no email) when no CA or email is set, and has no server or TLS app without routes", () => {
    const bare = { email: '', acmeCa: '', httpPort: 80, httpsPort: 443 };
    expect((renderCaddyConfig(bare, [web]) as any).apps.tls.automation.policies).toEqual([{ subjects: web.domains, issuers: [{ module: 'acme' }] }]);
    const empty = renderCaddyConfig(bare, []) as any;
    expect(empty.apps.http.servers).toEqual({});
    expect(empty.apps.tls).toBeUndefined();
  });

  it('is pure: the same inputs render the same config', () => {
    expect(JSON.stringify(renderCaddyConfig(ports, [web, intra]))).toBe(JSON.stringify(renderCaddyConfig(ports, [web, intra])));
  });

  it('refuses routes Caddy could not serve unambiguously', () => {
    expect(() => renderCaddyConfig(ports, [web, { ...intra, id: 'web' }])).toThrow(/route web is given twice/);
    expect(() => renderCaddyConfig(ports, [web, { ...intra, domains: ['app.example.com'] }])).toThrow(/domain app.example.com is routed by both web and intra/);
    expect(() => renderCaddyConfig(ports, [{ ...web, domains: [] }])).toThrow(/no domain/);
    expect(() => renderCaddyConfig(ports, [{ ...web, domains: ['App.example.com'] }])).toThrow(/invalid domain/);
    expect(() => renderCaddyConfig(ports, [{ ...web, upstream: 'web' }])).toThrow(/invalid upstream/);
    expect(() => renderCaddyConfig(ports, [{ ...web, upstream: 'web:70000' }])).toThrow(/invalid upstream/);
    expect(() => renderCaddyConfig(ports, [{ ...web, id: '../x' }])).toThrow(/invalid route id/);
    expect(() => renderCaddyConfig(ports, [{ ...web, tls: 'off' as 'acme' }])).toThrow(/tls must be/);
  });
});

describe('routes in a loaded config', () => {
  it('reads back our routes (by @id) with domains and upstreams, ignoring anything else', () => {
    const config = renderCaddyConfig(ports, [web, intra]) as any;
    config.apps.http.servers.other = { routes: [{ match: [{ host: ['x.test'] }] }] };
    expect(routesOfConfig(config)).toEqual([
      { id: 'web', domains: web.domains, upstreams: [web.upstream] },
      { id: 'intra', domains: ['intra.test'], upstreams: ['intra-v1:80'] },
    ]);
    expect(routesOfConfig(null)).toEqual([]);
    expect(routesOfConfig({ apps: {} })).toEqual([]);
  });

  it('addresses a route by its @id in the admin API', () => {
    expect(routeAtId('web')).toBe('otterstack-route-web');
    expect(upstreamsPath('web')).toBe('/id/otterstack-route-web/handle/0/upstreams');
  });
});
