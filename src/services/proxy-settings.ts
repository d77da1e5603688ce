import type { DeployStrategy, DomainRoute, ProxyTls } from '../db/index.js';
import { OtterError } from './errors.js';
import { isComposeServiceName, parsePort, validateDomain } from './validation.js';

/**
 * What `project add|set` decides about the proxy strategy (issue #18) from --domain, --route,
 * --tls and --traefik-routing. Pure: the caller reads the project's current settings, and writes
 * the result (and checks that no other project holds a domain). Everything is validated here,
 * before any lock or change.
 */

/** The proxy flags of one command, as commander gives them. */
export interface ProxyFlags {
  /** --domain NAME (repeatable): the project's domains, replacing the list; false: --no-domain. */
  domains?: string[] | false;
  /** --route service:port | host=service:port (repeatable). */
  routes?: string[];
  /** --tls acme|internal */
  tls?: string;
  /** --traefik-routing (true) / --no-traefik-routing (false) */
  traefikRouting?: boolean;
}

/** The project's proxy settings now (a new project: recreate, acme, no domains). */
export interface ProxyState {
  strategy: DeployStrategy;
  tls: ProxyTls;
  domains: DomainRoute[];
}

/** What changes; a field left out stays as it is. `domains` replaces the project's list. */
export interface ProxyChange {
  strategy?: DeployStrategy;
  tls?: ProxyTls;
  domains?: DomainRoute[];
}

/** `--route`: for every domain (host undefined), or for one domain. */
export interface RouteSpec {
  host?: string;
  service: string;
  port: number;
}

export const NEW_PROJECT_PROXY_STATE: ProxyState = { strategy: 'recreate', tls: 'acme', domains: [] };

export function parseRouteSpec(raw: string): RouteSpec {
  const usage = (why: string) => new OtterError('usage', `invalid --route ${JSON.stringify(raw)}: ${why}`);
  const eq = raw.indexOf('=');
  const host = eq >= 0 ? validateDomain(raw.slice(0, eq), '--route host') : undefined;
  const target = eq >= 0 ? raw.slice(eq + 1) : raw;
  const colon = target.lastIndexOf(':');
  if (colon < 0) throw usage('give service:port (every domain) or host=service:port (one domain), like web:8080');
  const service = target.slice(0, colon);
  if (!isComposeServiceName(service)) throw usage(`${JSON.stringify(service)} is not a compose service name (letters, digits, '.', '_', '-'): give service:port, like web:8080`);
  const port = parsePort(target.slice(colon + 1));
  if (port === null) throw usage("the port is the container's port, a number from 1 to 65535 (like web:8080)");
  return host === undefined ? { service, port } : { host, service, port };
}

export function parseTls(raw: string): ProxyTls {
  if (raw === 'acme' || raw === 'internal') return raw;
  throw new OtterError('usage', `invalid --tls ${JSON.stringify(raw)}: use acme (certificates from Let's Encrypt or --acme-ca) or internal (the proxy's own CA, for private hosts)`);
}

/** Validated, lowercased domains; one given twice is an error (it could only route one way). */
export function parseDomains(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (const r of raw) {
    const d = validateDomain(r);
    if (out.includes(d)) throw new OtterError('usage', `--domain ${d} is given twice: give each domain once`);
    out.push(d);
  }
  return out;
}

export function planProxyChange(flags: ProxyFlags, now: ProxyState): ProxyChange {
  const routeFlags = (flags.routes?.length ?? 0) > 0 || flags.tls !== undefined;
  if (flags.traefikRouting === true && Array.isArray(flags.domains)) {
    throw new OtterError('usage', '--traefik-routing and --domain choose two strategies (blue-green through Traefik, proxy through the OtterStack proxy): give one of them');
  }
  if (flags.traefikRouting === true && routeFlags) throw new OtterError('usage', '--route and --tls belong to --domain (the proxy strategy), not to --traefik-routing: give one strategy');
  if (flags.domains === false && routeFlags) throw new OtterError('usage', '--no-domain removes the domains and their routes: leave out --route and --tls');
  // Everything given is parsed before anything is decided, so a bad value is reported whatever else is wrong.
  const domains = Array.isArray(flags.domains) ? parseDomains(flags.domains) : undefined;
  const routes = (flags.routes ?? []).map(parseRouteSpec);
  const tls = flags.tls === undefined ? undefined : parseTls(flags.tls);

  // Setting one strategy clears the other's settings.
  if (flags.traefikRouting === true) return { strategy: 'blue-green', ...clearedDomains(now) };
  if (flags.domains === false) {
    return { ...clearedDomains(now), ...(flags.traefikRouting === false || now.strategy === 'proxy' ? { strategy: 'recreate' } : {}) };
  }
  if (domains !== undefined) {
    if (domains.length === 0) throw new OtterError('usage', '--domain needs a host name: give --domain app.example.com (or --no-domain to remove them)');
    return { strategy: 'proxy', domains: resolveDomainRoutes(domains, routes, now.domains), ...(tls ? { tls } : {}) };
  }
  if (routeFlags) {
    if (now.domains.length === 0) throw new OtterError('usage', '--route and --tls apply to the project\'s domains, and it has none: add --domain app.example.com');
    const change: ProxyChange = tls ? { tls } : {};
    if (routes.length > 0) change.domains = resolveDomainRoutes(now.domains.map((d) => d.domain), routes, now.domains);
    return change;
  }
  // --no-traefik-routing leaves a proxy project alone: it does not route through Traefik anyway.
  if (flags.traefikRouting === false && now.strategy === 'blue-green') return { strategy: 'recreate' };
  return {};
}

/** No domains, and the TLS default for the next time domains are given; only what actually changes. */
function clearedDomains(now: ProxyState): ProxyChange {
  return { ...(now.domains.length > 0 ? { domains: [] } : {}), ...(now.tls !== 'acme' ? { tls: 'acme' as const } : {}) };
}

/**
 * Gives each domain exactly one route: its own --route host=…, else the --route for every domain,
 * else the route it had, else the project's route when it had only one (a domain added to a
 * single-service project). A domain still without a route is an error that says what to add.
 */
export function resolveDomainRoutes(domains: readonly string[], routes: readonly RouteSpec[], before: readonly DomainRoute[]): DomainRoute[] {
  const everyDomain = routes.filter((r) => r.host === undefined);
  if (everyDomain.length > 1) {
    throw new OtterError('usage', `--route ${everyDomain.map(target).join(' and --route ')}: only one route may be for every domain; give the others as host=service:port`);
  }
  const byHost = new Map<string, RouteSpec>();
  for (const r of routes) {
    if (r.host === undefined) continue;
    if (!domains.includes(r.host)) throw new OtterError('usage', `--route ${r.host}=${target(r)}: ${r.host} is not one of the project's domains (${domains.join(', ')}): add --domain ${r.host} or correct the name`);
    if (byHost.has(r.host)) throw new OtterError('usage', `--route gives ${r.host} twice (${target(byHost.get(r.host)!)} and ${target(r)}): a domain has exactly one route`);
    byHost.set(r.host, r);
  }
  const previous = new Map(before.map((d) => [d.domain, d]));
  const targets = new Set(before.map(target));
  const sole = targets.size === 1 ? before[0] : undefined;
  return domains.map((domain) => {
    const route = byHost.get(domain) ?? everyDomain[0] ?? previous.get(domain) ?? sole;
    if (!route) {
      const hint = before.length === 0 ? `--route SERVICE:PORT (the container port every domain goes to), or --route ${domain}=SERVICE:PORT` : `--route ${domain}=SERVICE:PORT`;
      throw new OtterError('usage', `domain ${domain} has no route: give ${hint}`);
    }
    return { domain, service: route.service, port: route.port };
  });
}

function target(r: { service: string; port: number }): string {
  return `${r.service}:${r.port}`;
}
