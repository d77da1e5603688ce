import type { DomainRoute, Project, ProxyTls } from '../db/index.js';
import type { ServiceContext } from './context.js';

/**
 * The proxy's routes, derived from SQLite only: the proxy configuration is regenerated from these
 * (on install, cleanup, or a proxy found restarted), so nothing about routing lives only in the proxy.
 */
export interface ProxyRoute {
  project: string;
  /** Sorted, so equal settings give an equal configuration. */
  domains: string[];
  service: string;
  port: number;
  tls: ProxyTls;
}

/**
 * One route per (service, port) of the project, with the domains that go there. A project whose
 * strategy is not proxy has none, whatever rows it has (its domains are cleared when it leaves proxy).
 */
export function projectRoutes(project: Pick<Project, 'name' | 'strategy' | 'proxy_tls'>, rows: readonly DomainRoute[]): ProxyRoute[] {
  if (project.strategy !== 'proxy') return [];
  const groups = new Map<string, ProxyRoute>();
  for (const row of rows) {
    const key = `${row.service}\0${row.port}`;
    const route = groups.get(key) ?? { project: project.name, domains: [], service: row.service, port: row.port, tls: project.proxy_tls };
    route.domains.push(row.domain);
    groups.set(key, route);
  }
  const routes = [...groups.values()];
  for (const r of routes) r.domains.sort();
  return routes.sort((a, b) => (a.service === b.service ? a.port - b.port : a.service < b.service ? -1 : 1));
}

/** Every proxy project's routes, by project name. */
export async function allProxyRoutes(ctx: Pick<ServiceContext, 'store'>): Promise<ProxyRoute[]> {
  const domains = await ctx.store.projectDomains.all();
  const projects = (await ctx.store.projects.all()).filter((p) => p.strategy === 'proxy');
  return projects.flatMap((p) => projectRoutes(p, domains.filter((d) => d.project_id === p.id)));
}
