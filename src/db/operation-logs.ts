import type { Kysely } from 'kysely';
import type { Database, OperationKind, OperationLog, OperationStatus } from './schema.js';

export class OperationLogQueries {
  constructor(private readonly db: Kysely<Database>) {}

  start(row: { project_id: number | null; deployment_id: number | null; operation: OperationKind; log_path: string; invoked_by?: string | null }): Promise<OperationLog> {
    return this.db
      .insertInto('operation_logs')
      .values({ ...row, status: 'running', started_at: Date.now() })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async finish(id: number, status: OperationStatus, message: string | null, deploymentId?: number | null): Promise<void> {
    await this.db
      .updateTable('operation_logs')
      .set({ status, message, finished_at: Date.now(), ...(deploymentId ? { deployment_id: deploymentId } : {}) })
      .where('id', '=', id)
      .execute();
  }

  forProject(projectId: number, limit: number): Promise<OperationLog[]> {
    return this.db
      .selectFrom('operation_logs')
      .selectAll()
      .where('project_id', '=', projectId)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  forDeployment(deploymentId: number): Promise<OperationLog | undefined> {
    return this.db.selectFrom('operation_logs').selectAll().where('deployment_id', '=', deploymentId).orderBy('id', 'desc').executeTakeFirst();
  }

  olderThan(projectId: number, cutoff: number): Promise<OperationLog[]> {
    return this.db
      .selectFrom('operation_logs')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('started_at', '<', cutoff)
      .where('status', '!=', 'running')
      .execute();
  }

  running(projectId: number): Promise<OperationLog[]> {
    return this.db.selectFrom('operation_logs').selectAll().where('project_id', '=', projectId).where('status', '=', 'running').execute();
  }

  async deleteIds(ids: number[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      await this.db.deleteFrom('operation_logs').where('id', 'in', ids.slice(i, i + 500)).execute();
    }
  }

  latest(projectId: number): Promise<OperationLog | undefined> {
    return this.db.selectFrom('operation_logs').selectAll().where('project_id', '=', projectId).orderBy('id', 'desc').executeTakeFirst();
  }
}
