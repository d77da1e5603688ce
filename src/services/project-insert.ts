import type { DeployTarget, DomainRoute, Project, ProxyTls } from '../db/index.js';
import type { ServiceContext } from './context.js';
import { explainDomainRace } from './domain-owners.js';
import { OtterError } from './errors.js';
import type { PullPolicy } from './image-pull.js';

/** What `project add` decides about a project, whatever its source; `domains` go to project_domains. */
export type ProjectFields = Pick<Project, 'compose_file' | 'compose_files' | 'compose_profiles' | 'env_files' | 'strategy' | 'persistent_paths' | 'auto_persist'> & {
  pull_policy?: PullPolicy;
  target?: DeployTarget;
  registry?: string | null;
  proxy_tls?: ProxyTls;
  domains?: DomainRoute[];
};

type ProjectRow = Parameters<ServiceContext['store']['projects']['insert']>[0];

/**
 * Inserts the project row and its domains, both or neither. Two `project add` of one name (or of
 * one domain) can both pass the early checks; the database's unique indexes decide, and the loser
 * gets the same "already exists" / "already used" (exit 4).
 */
export async function insertProject(ctx: ServiceContext, row: ProjectRow & { domains?: DomainRoute[] }): Promise<Project> {
  const { domains = [], ...projectRow } = row;
  try {
    return await ctx.store.projects.insert(projectRow, domains);
  } catch (err) {
    if (/UNIQUE constraint failed: projects\.name/.test((err as Error).message)) {
      throw new OtterError('conflict', `project ${row.name} already exists: pick another name or remove it first`);
    }
    throw await explainDomainRace(ctx, row.name, domains.map((d) => d.domain), err);
  }
}
