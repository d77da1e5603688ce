/**
 * Before a deploy of a project with the proxy strategy starts anything (compose or swarm): its
 * routes, and a proxy that is installed and answers. Refused in one line otherwise.
 */
import type { Project } from '../../db/schema.js';
import type { ServiceContext } from '../context.js';
import { OtterError } from '../errors.js';
import { projectRoutes, type ProxyRoute } from '../proxy-routes.js';
import type { ProxyNames } from './proxy-names.js';

export async function readyProxyRoutes(ctx: ServiceContext, project: Project): Promise<{ routes: ProxyRoute[]; names: ProxyNames }> {
  const routes = projectRoutes(project, await ctx.store.projectDomains.forProject(project.id));
  if (routes.length === 0) throw new OtterError('usage', `project ${project.name} uses the proxy strategy but has no domain: otterstack project set ${project.name} --domain app.example.com --route SERVICE:PORT`);
  const { proxyStatus } = await import('./proxy-status.js');
  const status = await proxyStatus(ctx, process.env, { certificates: false });
  if (!status.installed) throw new OtterError('usage', `project ${project.name} routes through the OtterStack proxy (its domains: ${routes.flatMap((r) => r.domains).join(', ')}), which is not installed: run otterstack proxy install`);
  if (!status.adminReachable) throw new OtterError('environment', `the OtterStack proxy does not answer (${status.adminError}): run otterstack proxy install to start it again, then deploy`);
  return { routes, names: status.names };
}
