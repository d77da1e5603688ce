import type { HeldDomain } from '../db/index.js';
import type { ServiceContext } from './context.js';
import { OtterError } from './errors.js';

/**
 * A domain belongs to one project: two projects answering one host name would make the proxy's
 * choice between them arbitrary. The database refuses it too (project_domains.domain is UNIQUE);
 * this check comes first so the operator reads which project holds it and how to free it.
 */
export async function refuseDomainsHeldElsewhere(ctx: Pick<ServiceContext, 'store'>, project: string, domains: readonly string[]): Promise<void> {
  const taken = (await ctx.store.projectDomains.held([...domains])).find((d) => d.project !== project);
  if (taken) throw await domainTaken(ctx, taken);
}

/**
 * The database's refusal when another `project add|set` took a domain between our check and our
 * write, said the same way; any other error is returned as it is.
 */
export async function explainDomainRace(ctx: Pick<ServiceContext, 'store'>, project: string, domains: readonly string[], err: unknown): Promise<unknown> {
  if (!/UNIQUE constraint failed: project_domains\.domain/.test((err as Error)?.message ?? '')) return err;
  const taken = (await ctx.store.projectDomains.held([...domains])).find((d) => d.project !== project);
  return taken ? domainTaken(ctx, taken) : err;
}

async function domainTaken(ctx: Pick<ServiceContext, 'store'>, taken: HeldDomain): Promise<OtterError> {
  const holder = await ctx.store.projects.byName(taken.project);
  const rest = holder ? (await ctx.store.projectDomains.forProject(holder.id)).map((d) => d.domain).filter((d) => d !== taken.domain) : [];
  const free = rest.length > 0 ? rest.map((d) => `--domain ${d}`).join(' ') : '--no-domain';
  return new OtterError('conflict', `domain ${taken.domain} is already used by project ${taken.project}: remove it there first (otterstack project set ${taken.project} ${free})`);
}
