import type { ServiceContext } from '../context.js';
import { requireProject } from '../projects.js';

/** One delivery as `hooks log` and the TUI show it (never its body or headers). */
export interface HookLogEntry {
  id: number;
  receivedAt: number;
  project: string;
  forge: string | null;
  event: string;
  ref: string;
  deliveryId: string;
  remote: string;
  status: number;
  result: 'accepted' | 'rejected' | 'ignored';
  reason: string;
}

/** The latest deliveries, newest first; `project` must be a registered one. */
export async function hookLog(ctx: ServiceContext, limit: number, project?: string): Promise<HookLogEntry[]> {
  if (project !== undefined) await requireProject(ctx, project);
  const rows = await ctx.store.webhookDeliveries.recent(limit, project);
  return rows.map((r) => ({ id: r.id, receivedAt: r.received_at, project: r.project, forge: r.forge, event: r.event, ref: r.ref, deliveryId: r.delivery_id, remote: r.remote, status: r.status, result: r.result, reason: r.reason }));
}
