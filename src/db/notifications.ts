import type { Kysely } from 'kysely';
import type { Database, NotificationKind, NotificationRow, NotificationTarget } from './schema.js';

export class NotificationQueries {
  constructor(private readonly db: Kysely<Database>) {}

  addTarget(row: { project_id: number | null; kind: NotificationKind; url: string; secret_env: string | null; email_from: string | null }): Promise<NotificationTarget> {
    return this.db.insertInto('notification_targets').values({ ...row, created_at: Date.now() }).returningAll().executeTakeFirstOrThrow();
  }

  async removeTarget(id: number): Promise<boolean> {
    const res = await this.db.deleteFrom('notification_targets').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Global targets plus the project's own. */
  targetsFor(projectId: number | null): Promise<NotificationTarget[]> {
    let q = this.db.selectFrom('notification_targets').selectAll();
    q = projectId === null ? q.where('project_id', 'is', null) : q.where((eb) => eb.or([eb('project_id', 'is', null), eb('project_id', '=', projectId)]));
    return q.orderBy('id').execute();
  }

  allTargets(): Promise<NotificationTarget[]> {
    return this.db.selectFrom('notification_targets').selectAll().orderBy('id').execute();
  }

  async enqueue(rows: { project_id: number | null; target_id: number; event: string; payload: string }[]): Promise<NotificationRow[]> {
    if (rows.length === 0) return [];
    const now = Date.now();
    return this.db
      .insertInto('notifications')
      .values(rows.map((r) => ({ ...r, status: 'pending' as const, next_attempt_at: now, last_error: null, created_at: now, sent_at: null })))
      .returningAll()
      .execute();
  }

  due(now: number, limit = 50): Promise<NotificationRow[]> {
    return this.db.selectFrom('notifications').selectAll().where('status', '=', 'pending').where('next_attempt_at', '<=', now).orderBy('id').limit(limit).execute();
  }

  async markSent(id: number): Promise<void> {
    await this.db.updateTable('notifications').set((eb) => ({ status: 'sent', sent_at: Date.now(), attempts: eb('attempts', '+', 1), last_error: null })).where('id', '=', id).execute();
  }

  async markAttemptFailed(id: number, error: string, nextAttemptAt: number | null): Promise<void> {
    await this.db
      .updateTable('notifications')
      .set((eb) => ({ status: nextAttemptAt === null ? 'failed' : 'pending', attempts: eb('attempts', '+', 1), last_error: error, next_attempt_at: nextAttemptAt ?? Date.now() }))
      .where('id', '=', id)
      .execute();
  }

  recent(limit = 20): Promise<NotificationRow[]> {
    return this.db.selectFrom('notifications').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  byId(id: number): Promise<NotificationRow | undefined> {
    return this.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
  }
}
