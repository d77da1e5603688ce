import type { Kysely } from 'kysely';
import type { Database, ProjectDomain } from './schema.js';

/** A domain and where the proxy sends it, as the services read and write it (no ids). */
export type DomainRoute = Pick<ProjectDomain, 'domain' | 'service' | 'port'>;

/** A domain with the name of the project holding it. */
export type HeldDomain = DomainRoute & { project_id: number; project: string };

/** Reads of project_domains. Writes go with the project row they belong to (ProjectQueries). */
export class ProjectDomainQueries {
  constructor(private readonly db: Kysely<Database>) {}

  /** The project's domains in the order they were given. */
  forProject(projectId: number): Promise<DomainRoute[]> {
    return this.db.selectFrom('project_domains').select(['domain', 'service', 'port']).where('project_id', '=', projectId).orderBy('id').execute();
  }

  /** Every domain of every project, by project name, then in the order given. */
  all(): Promise<HeldDomain[]> {
    return this.db
      .selectFrom('project_domains')
      .innerJoin('projects', 'projects.id', 'project_domains.project_id')
      .select(['project_domains.domain', 'project_domains.service', 'project_domains.port', 'project_domains.project_id', 'projects.name as project'])
      .orderBy('projects.name')
      .orderBy('project_domains.id')
      .execute();
  }

  /** Which of these domains some project holds already. */
  async held(domains: string[]): Promise<HeldDomain[]> {
    if (domains.length === 0) return [];
    return this.db
      .selectFrom('project_domains')
      .innerJoin('projects', 'projects.id', 'project_domains.project_id')
      .select(['project_domains.domain', 'project_domains.service', 'project_domains.port', 'project_domains.project_id', 'projects.name as project'])
      .where('project_domains.domain', 'in', domains)
      .orderBy('project_domains.id')
      .execute();
  }
}

/** Replaces a project's domains inside the caller's transaction. */
export async function replaceProjectDomains(trx: Kysely<Database>, projectId: number, rows: readonly DomainRoute[]): Promise<void> {
  await trx.deleteFrom('project_domains').where('project_id', '=', projectId).execute();
  if (rows.length > 0) await trx.insertInto('project_domains').values(rows.map((r) => ({ project_id: projectId, domain: r.domain, service: r.service, port: r.port }))).execute();
}
