import type { ServiceContext } from '../context.js';
import { allProxyRoutes } from '../proxy-routes.js';
import { readInstalledOptions } from './proxy-state.js';

export interface ProxyOverview {
  /** The proxy's health line (proxyHealth), or null when it is not installed. */
  health: { level: 'ok' | 'warn' | 'fail'; detail: string } | null;
  /** Each proxy project's domains, by project name. */
  domains: Map<string, string[]>;
}

/** What the dashboard shows of the proxy (#18): its health (certificate warnings included) and each project's domains. */
export async function proxyOverview(ctx: ServiceContext, withHealth: boolean): Promise<ProxyOverview> {
  const domains = new Map<string, string[]>();
  for (const r of await allProxyRoutes(ctx)) domains.set(r.project, [...(domains.get(r.project) ?? []), ...r.domains]);
  if (!withHealth || !readInstalledOptions(ctx.paths)) return { health: null, domains };
  const { proxyHealth, proxyStatus } = await import('./proxy-status.js');
  return { health: proxyHealth(await proxyStatus(ctx)), domains };
}
