import type { Kysely } from 'kysely';
import type { Database, Deployment, DeploymentStatus, NewDeployment } from './schema.js';
import { writeTransaction } from './write-transaction.js';

export class DeploymentQueries {
  constructor(private readonly db: Kysely<Database>) {}

  insert(row: NewDeployment): Promise<Deployment> {
    return this.db.insertInto('deployments').values(row).returningAll().executeTakeFirstOrThrow();
  }

  byId(id: number): Promise<Deployment | undefined> {
    return this.db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
  }

  active(projectId: number): Promise<Deployment | undefined> {
    return this.db
      .selectFrom('deployments')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('status', '=', 'active')
      .executeTakeFirst();
  }

  /** Active deployment of every project, keyed by project id (one query for the dashboard/status). */
  async allActive(): Promise<Map<number, Deployment>> {
    const rows = await this.db.selectFrom('deployments').selectAll().where('status', '=', 'active').execute();
    return new Map(rows.map((r) => [r.project_id, r]));
  }

  /** Latest first. */
  history(projectId: number, limit: number): Promise<Deployment[]> {
    return this.db
      .selectFrom('deployments')
      .selectAll()
      .where('project_id', '=', projectId)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  byStatus(status: DeploymentStatus, projectId?: number): Promise<Deployment[]> {
    let q = this.db.selectFrom('deployments').selectAll().where('status', '=', status);
    if (projectId !== undefined) q = q.where('project_id', '=', projectId);
    return q.orderBy('id').execute();
  }

  /** Sets a deployment's final status; `active` also demotes the previous active one, in one transaction. */
  async finish(
    id: number,
    status: Exclude<DeploymentStatus, 'deploying'>,
    errorMessage: string | null = null,
    demoteTo: 'inactive' | 'rolled_back' = 'inactive',
  ): Promise<void> {
    await writeTransaction(this.db, async (trx) => {
      if (status === 'active') {
        const row = await trx.selectFrom('deployments').select('project_id').where('id', '=', id).executeTakeFirstOrThrow();
        await trx
          .updateTable('deployments')
          .set({ status: demoteTo })
          .where('project_id', '=', row.project_id)
          .where('status', '=', 'active')
          .where('id', '!=', id)
          .execute();
      }
      await trx
        .updateTable('deployments')
        .set({ status, error_message: errorMessage, finished_at: Date.now(), pid: null })
        .where('id', '=', id)
        .execute();
    });
  }

  async setBuiltImages(id: number, tags: string[]): Promise<void> {
    await this.db.updateTable('deployments').set({ built_images: JSON.stringify(tags) }).where('id', '=', id).execute();
  }

  async setNotes(id: number, notes: string | null): Promise<void> {
    await this.db.updateTable('deployments').set({ notes }).where('id', '=', id).execute();
  }

  async setStatus(id: number, status: DeploymentStatus, errorMessage?: string): Promise<void> {
    await this.db
      .updateTable('deployments')
      .set({ status, ...(errorMessage !== undefined ? { error_message: errorMessage, finished_at: Date.now(), pid: null } : {}) })
      .where('id', '=', id)
      .execute();
  }

  /** Every deployment of a project, newest first (for retention decisions). */
  all(projectId: number): Promise<Deployment[]> {
    return this.db.selectFrom('deployments').selectAll().where('project_id', '=', projectId).orderBy('started_at', 'desc').orderBy('id', 'desc').execute();
  }

  async deleteIds(ids: number[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      await this.db.deleteFrom('deployments').where('id', 'in', ids.slice(i, i + 500)).execute();
    }
  }

  /** Deployments of a project whose SHA starts with a prefix (for rollback --to). */
  bySha(projectId: number, prefix: string): Promise<Deployment[]> {
    return this.db
      .selectFrom('deployments')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('git_sha', '>=', prefix)
      .where('git_sha', '<', prefix + 'g')
      .orderBy('started_at', 'desc')
      .execute();
  }
}
