import type { Kysely } from 'kysely';
import type { Database, NewProject, Project, ProjectUpdate } from './schema.js';
import { replaceProjectDomains, type DomainRoute } from './project-domains.js';
import { writeTransaction } from './write-transaction.js';

/** Project queries. One concept per file; services never write SQL themselves. */
export class ProjectQueries {
  constructor(private readonly db: Kysely<Database>) {}

  byName(name: string): Promise<Project | undefined> {
    return this.db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
  }

  all(): Promise<Project[]> {
    return this.db.selectFrom('projects').selectAll().orderBy('name').execute();
  }

  /**
   * Only name, source and path are required; everything else has the schema's defaults. The
   * project's domains (proxy strategy) are written in the same transaction: both or neither.
   */
  async insert(row: Pick<NewProject, 'name' | 'repo_type' | 'repo_path'> & Partial<Omit<NewProject, 'created_at' | 'updated_at'>>, domains: readonly DomainRoute[] = []): Promise<Project> {
    const now = Date.now();
    const defaults = { repo_url: null, compose_file: null, worktree_retention: null, strategy: 'recreate', persistent_paths: '[]', persistent_owners: '{}', auto_persist: 0, status: 'ready', status_message: null, last_fetch_at: null, last_fetch_result: null } as const;
    const insert = (db: Kysely<Database>) => db.insertInto('projects').values({ ...defaults, ...row, created_at: now, updated_at: now }).returningAll().executeTakeFirstOrThrow();
    if (domains.length === 0) return insert(this.db);
    return writeTransaction(this.db, async (trx) => {
      const project = await insert(trx);
      await replaceProjectDomains(trx, project.id, domains);
      return project;
    });
  }

  /** `domains` (when given) replaces the project's domains in the same transaction as the patch. */
  async update(id: number, patch: ProjectUpdate, domains?: readonly DomainRoute[]): Promise<void> {
    const update = (db: Kysely<Database>) => db.updateTable('projects').set({ ...patch, updated_at: Date.now() }).where('id', '=', id).execute();
    if (domains === undefined) {
      await update(this.db);
      return;
    }
    await writeTransaction(this.db, async (trx) => {
      await update(trx);
      await replaceProjectDomains(trx, id, domains);
    });
  }

  /**
   * Takes the project's next blue-green generation (traefik-priority.ts nextGeneration). Called under
   * the project lock, so read-then-write needs no transaction of its own.
   */
  async nextTraefikGeneration(id: number, next: (last: number) => { generation: number; renumber: boolean }): Promise<{ generation: number; renumber: boolean }> {
    const row = await this.db.selectFrom('projects').select('traefik_generation').where('id', '=', id).executeTakeFirst();
    const taken = next(row?.traefik_generation ?? 0);
    await this.db.updateTable('projects').set({ traefik_generation: taken.generation }).where('id', '=', id).execute();
    return taken;
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('projects').where('id', '=', id).execute();
  }
}
