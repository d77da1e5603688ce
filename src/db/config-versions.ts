import { sql, type Kysely } from 'kysely';
import type { ConfigVersion, Database } from './schema.js';

export class ConfigVersionQueries {
  constructor(private readonly db: Kysely<Database>) {}

  latest(projectId: number): Promise<ConfigVersion | undefined> {
    return this.db.selectFrom('config_versions').selectAll().where('project_id', '=', projectId).orderBy('version', 'desc').limit(1).executeTakeFirst();
  }

  byVersion(projectId: number, version: number): Promise<ConfigVersion | undefined> {
    return this.db.selectFrom('config_versions').selectAll().where('project_id', '=', projectId).where('version', '=', version).executeTakeFirst();
  }

  all(projectId: number): Promise<ConfigVersion[]> {
    return this.db.selectFrom('config_versions').selectAll().where('project_id', '=', projectId).orderBy('version', 'desc').execute();
  }

  /** The next version number is taken in the INSERT itself, so two writers never get the same one. */
  append(projectId: number, row: { sealed: string; digest: string; changes: string }): Promise<ConfigVersion> {
    const next = sql<number>`(SELECT COALESCE(MAX(version), 0) + 1 FROM config_versions WHERE project_id = ${projectId})`;
    return this.db
      .insertInto('config_versions')
      .values({ project_id: projectId, version: next, ...row, created_at: Date.now() })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
}
