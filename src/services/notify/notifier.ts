import type { ServiceContext } from '../context.js';
import { redact } from '../redact.js';
import { send, type NotificationPayload } from './backends.js';

const MAX_ATTEMPTS = 6;

/** Attempt n failed → next try after base·2^(n-1), capped at 5 minutes; null = give up. */
export function nextAttemptDelay(attempts: number, baseMs: number): number | null {
  if (attempts >= MAX_ATTEMPTS) return null;
  return Math.min(5 * 60_000, baseMs * 2 ** (attempts - 1));
}

/**
 * Queues a notification for every target of the project (and the global ones) in SQLite and
 * tries to deliver it right away in the background: a slow or dead backend never blocks the
 * caller (a deploy), and what is not delivered is retried with backoff (by `watch`, or the next
 * otterstack process that delivers).
 */
export async function notify(ctx: ServiceContext, projectId: number | null, payload: Omit<NotificationPayload, 'at'>): Promise<void> {
  const targets = await ctx.store.notifications.targetsFor(projectId);
  if (targets.length === 0) return;
  const full: NotificationPayload = { ...payload, message: redact(payload.message), at: new Date().toISOString(), by: ctx.invokedBy };
  await ctx.store.notifications.enqueue(targets.map((t) => ({ project_id: projectId, target_id: t.id, event: payload.event, payload: JSON.stringify(full) })));
  ctx.background(deliverDue(ctx));
}

let delivering: Promise<number> | null = null;

/** Delivers every due notification once; returns how many were sent. Never throws. */
export function deliverDue(ctx: ServiceContext): Promise<number> {
  delivering ??= (async () => {
    let sent = 0;
    try {
      const targets = new Map((await ctx.store.notifications.allTargets()).map((t) => [t.id, t]));
      const base = ctx.settings.get('notifyRetryBaseSeconds') * 1000;
      for (const row of await ctx.store.notifications.due(Date.now())) {
        const target = row.target_id === null ? undefined : targets.get(row.target_id);
        if (!target) {
          await ctx.store.notifications.markAttemptFailed(row.id, 'target removed', null);
          continue;
        }
        try {
          await send(target, JSON.parse(row.payload) as NotificationPayload, process.env);
          await ctx.store.notifications.markSent(row.id);
          sent++;
        } catch (err) {
          const delay = nextAttemptDelay(row.attempts + 1, base);
          await ctx.store.notifications.markAttemptFailed(row.id, redact(err instanceof Error ? err.message : String(err)), delay === null ? null : Date.now() + delay);
        }
      }
    } catch {
      /* the database went away (process exiting): the rows stay pending for next time */
    }
    return sent;
  })().finally(() => (delivering = null));
  return delivering;
}
