import type { Kysely } from 'kysely';
import type { Database, NewWebhookDelivery, WebhookDelivery } from './schema.js';

/** How many deliveries are kept: a flood of rejected requests must not grow the state file without bound. */
export const KEPT_DELIVERIES = 10_000;

export class WebhookDeliveryQueries {
  constructor(private readonly db: Kysely<Database>) {}

  async record(row: NewWebhookDelivery): Promise<void> {
    const { id } = await this.db.insertInto('webhook_deliveries').values(row).returning('id').executeTakeFirstOrThrow();
    // Trimmed now and then (every 100th row), not on every insert.
    if (id % 100 === 0) await this.db.deleteFrom('webhook_deliveries').where('id', '<=', id - KEPT_DELIVERIES).execute();
  }

  /** Whether this forge's delivery id was received (and judged valid) since `since`: a replay. */
  async seen(forge: string, deliveryId: string, since: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('forge', '=', forge as 'github')
      .where('delivery_id', '=', deliveryId)
      .where('received_at', '>=', since)
      .where('result', '!=', 'rejected')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Newest first. */
  recent(limit: number, project?: string): Promise<WebhookDelivery[]> {
    let q = this.db.selectFrom('webhook_deliveries').selectAll();
    if (project !== undefined) q = q.where('project', '=', project);
    return q.orderBy('id', 'desc').limit(limit).execute();
  }
}
