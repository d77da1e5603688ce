import { OtterError } from '../errors.js';
import type { ProxyOptions } from './proxy-options.js';

/** One site behind the proxy: its domains, routed to one upstream on the proxy network. */
export interface CaddyRoute {
  /** Stable per site (e.g. the project name); names the route's @id in Caddy's config. */
  id: string;
  domains: string[];
  /** host:port reachable on the proxy network, e.g. a release's network alias and its port. */
  upstream: string;
  /** acme: a certificate from the configured ACME CA; internal: from Caddy's own local CA. */
  tls: 'acme' | 'internal';
  /** How long a failed dial is retried (a swarm service's name, whose tasks come and go); none: no retries. */
  retryMs?: number;
}

/** Where Caddy listens for its admin API inside the container: the bind-mounted 0700 folder. */
export const ADMIN_SOCKET_IN_CONTAINER = '/run/otterstack-admin/caddy.sock';
export const ADMIN_DIR_IN_CONTAINER = '/run/otterstack-admin';
/** Where the proxy container finds the config it starts from (the data dir's proxy/config, read-only). */
export const CONFIG_DIR_IN_CONTAINER = '/etc/otterstack-proxy';
export const CONFIG_FILE_IN_CONTAINER = `${CONFIG_DIR_IN_CONTAINER}/caddy.json`;
/** The --acme-ca-root PEM, written beside the config (proxy-state.ts writeAcmeCaRoot). */
export const ACME_ROOT_FILE = 'acme-ca-root.pem';
const SERVER_NAME = 'otterstack';

/**
 * Set on every response a release gave, to the upstream (the release's alias and port) that gave it:
 * how a deploy's request through the proxy proves it reached the new release (proxy-probe.ts). A
 * response the proxy made itself (502: no upstream answered) has none. Clients see the service name
 * and short commit; docs/proxy.md says so.
 */
export const UPSTREAM_HEADER = 'X-Otterstack-Upstream';

/** The @id of a route in Caddy's config: `/id/<it>` addresses the route in the admin API. */
export function routeAtId(routeId: string): string {
  return `otterstack-route-${routeId}`;
}

/** The admin API path of a route's upstream list (its only handler is the reverse proxy). */
export function upstreamsPath(routeId: string): string {
  return `/id/${routeAtId(routeId)}/handle/0/upstreams`;
}

const ROUTE_ID = /^[a-z0-9][a-z0-9_.-]{0,127}$/;
// A host name (RFC 1123 labels); project settings validate domains fully (wildcards, uniqueness).
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const UPSTREAM = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,252})?:\d{1,5}$/;

export function validateUpstream(upstream: string): string {
  const port = Number(upstream.slice(upstream.lastIndexOf(':') + 1));
  if (!UPSTREAM.test(upstream) || port < 1 || port > 65535) throw new OtterError('usage', `invalid upstream ${JSON.stringify(upstream)}: use host:port reachable on the proxy network (e.g. an alias and its port)`);
  return upstream;
}

/** Routes as Caddy can take them: unique ids, valid domains held by one route each, host:port upstreams. */
export function validateRoutes(routes: readonly CaddyRoute[]): void {
  const ids = new Set<string>();
  const owners = new Map<string, string>();
  for (const r of routes) {
    if (!ROUTE_ID.test(r.id)) throw new OtterError('usage', `invalid route id ${JSON.stringify(r.id)}: use lower-case letters, digits, . _ -`);
    if (ids.has(r.id)) throw new OtterError('usage', `route ${r.id} is given twice`);
    ids.add(r.id);
    if (r.domains.length === 0) throw new OtterError('usage', `route ${r.id} has no domain`);
    for (const d of r.domains) {
      if (!DOMAIN.test(d)) throw new OtterError('usage', `route ${r.id}: invalid domain ${JSON.stringify(d)}: use a lower-case host name such as app.example.com`);
      const owner = owners.get(d);
      if (owner) throw new OtterError('conflict', `domain ${d} is routed by both ${owner} and ${r.id}`);
      owners.set(d, r.id);
    }
    validateUpstream(r.upstream);
    if (r.retryMs !== undefined && (!Number.isInteger(r.retryMs) || r.retryMs < 0 || r.retryMs > 60_000)) throw new OtterError('usage', `route ${r.id}: retryMs must be 0..60000`);
    if (r.tls !== 'acme' && r.tls !== 'internal') throw new OtterError('usage', `route ${r.id}: tls must be acme or internal`);
  }
}

/**
 * Caddy's whole JSON config for the routes: one HTTPS server on the https port with one
 * host-matched reverse-proxy route per CaddyRoute (each with an @id), automatic HTTPS (Caddy adds
 * the HTTP→HTTPS redirect on the http port, where ACME's HTTP challenge is answered too), no HSTS
 * (Caddy sends none unless told), one TLS automation policy per issuer. Pure: the same inputs give
 * the same config.
 *
 * The admin block is part of every config on purpose: a config loaded without it would move the
 * admin API to Caddy's default, localhost:2019, inside the container. Caddy's own autosave is off:
 * the config file OtterStack writes (and mounts) is what a restart starts from.
 */
export function renderCaddyConfig(options: Pick<ProxyOptions, 'email' | 'acmeCa' | 'httpPort' | 'httpsPort'> & { acmeCaRoot?: string }, routes: readonly CaddyRoute[]): Record<string, unknown> {
  validateRoutes(routes);
  const policies: Record<string, unknown>[] = [];
  const internal = routes.filter((r) => r.tls === 'internal').flatMap((r) => r.domains);
  const acme = routes.filter((r) => r.tls === 'acme').flatMap((r) => r.domains);
  if (internal.length) policies.push({ subjects: internal, issuers: [{ module: 'internal' }] });
  if (acme.length) {
    policies.push({
      subjects: acme,
      issuers: [
        {
          module: 'acme',
          ...(options.acmeCa ? { ca: options.acmeCa } : {}),
          ...(options.email ? { email: options.email } : {}),
          ...(options.acmeCaRoot ? { trusted_roots_pem_files: [`${CONFIG_DIR_IN_CONTAINER}/${ACME_ROOT_FILE}`] } : {}),
        },
      ],
    });
  }
  const servers: Record<string, unknown> = routes.length
    ? {
        [SERVER_NAME]: {
          listen: [`:${options.httpsPort}`],
          routes: routes.map((r) => ({
            '@id': routeAtId(r.id),
            match: [{ host: r.domains }],
            handle: [
              {
                handler: 'reverse_proxy',
                upstreams: [{ dial: r.upstream }],
                ...(r.retryMs ? { load_balancing: { try_duration: `${r.retryMs}ms`, try_interval: '100ms' } } : {}),
                headers: { response: { set: { [UPSTREAM_HEADER]: ['{http.reverse_proxy.upstream.hostport}'] } } },
              },
            ],
            terminal: true,
          })),
        },
      }
    : {};
  return {
    admin: { listen: `unix/${ADMIN_SOCKET_IN_CONTAINER}`, config: { persist: false } },
    apps: {
      // https_port is left at Caddy's 443 on purpose: Caddy omits the port it is set to from its
      // HTTP→HTTPS redirects, so any other https port would be redirected to :443. Left at 443, a
      // redirect names a non-standard port and omits 443, as clients need.
      http: { http_port: options.httpPort, servers },
      ...(policies.length ? { tls: { automation: { policies } } } : {}),
      // Inside a container there is no trust store to install the local CA into (Caddy would try).
      pki: { certificate_authorities: { local: { install_trust: false } } },
    },
  };
}

/** The routes found in a loaded Caddy config (ours: those with an otterstack @id), for status and checks. */
export function routesOfConfig(config: unknown): { id: string; domains: string[]; upstreams: string[] }[] {
  const servers = (config as { apps?: { http?: { servers?: Record<string, { routes?: unknown[] }> } } } | null)?.apps?.http?.servers ?? {};
  const out: { id: string; domains: string[]; upstreams: string[] }[] = [];
  for (const server of Object.values(servers)) {
    for (const raw of server?.routes ?? []) {
      const route = raw as { '@id'?: string; match?: { host?: string[] }[]; handle?: { upstreams?: { dial?: string }[] }[] };
      const atId = route['@id'] ?? '';
      if (!atId.startsWith(routeAtId(''))) continue;
      out.push({
        id: atId.slice(routeAtId('').length),
        domains: (route.match ?? []).flatMap((m) => m.host ?? []),
        upstreams: (route.handle ?? []).flatMap((h) => (h.upstreams ?? []).map((u) => u.dial ?? '')),
      });
    }
  }
  return out;
}
