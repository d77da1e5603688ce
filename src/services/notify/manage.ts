import type { NotificationRow, NotificationTarget } from '../../db/schema.js';
import type { ServiceContext } from '../context.js';
import { OtterError } from '../errors.js';
import { requireProject } from '../projects.js';
import { deliverDue, notify } from './notifier.js';
import { maskTarget, parseNotifySpec } from './targets.js';

export interface TargetView {
  id: number;
  project: string | null;
  kind: string;
  target: string;
  secretEnv: string | null;
}

export interface AddTargetRequest {
  /** null/undefined = global (every project). */
  project?: string | null;
  spec: string;
  secretEnv?: string;
  smtp?: string;
  from?: string;
}

export async function addTarget(ctx: ServiceContext, req: AddTargetRequest): Promise<TargetView> {
  const project = req.project ? await requireProject(ctx, req.project) : null;
  const spec = parseNotifySpec(req.spec, { secretEnv: req.secretEnv, smtp: req.smtp, from: req.from });
  const row = await ctx.store.notifications.addTarget({ project_id: project?.id ?? null, kind: spec.kind, url: spec.url, secret_env: spec.secretEnv, email_from: spec.emailFrom });
  return view(row, project?.name ?? null);
}

function view(t: NotificationTarget, project: string | null): TargetView {
  return { id: t.id, project, kind: t.kind, target: maskTarget(t.url), secretEnv: t.secret_env };
}

export async function listTargets(ctx: ServiceContext): Promise<TargetView[]> {
  const names = new Map((await ctx.store.projects.all()).map((p) => [p.id, p.name]));
  return (await ctx.store.notifications.allTargets()).map((t) => view(t, t.project_id === null ? null : (names.get(t.project_id) ?? null)));
}

export async function removeTarget(ctx: ServiceContext, id: number): Promise<void> {
  if (!(await ctx.store.notifications.removeTarget(id))) throw new OtterError('not_found', `no notification target ${id}: see 'otterstack notify list'`);
}

/** Sends a test notification to the project's (or the global) targets and waits for the attempt. */
export async function testNotify(ctx: ServiceContext, projectName?: string): Promise<NotificationRow[]> {
  const project = projectName ? await requireProject(ctx, projectName) : null;
  const started = Date.now();
  await notify(ctx, project?.id ?? null, { event: 'test', project: project?.name ?? '(global)', severity: 'info', message: 'test notification from otterstack' });
  await deliverDue(ctx);
  return (await ctx.store.notifications.recent(50)).filter((r) => r.created_at >= started && r.event === 'test');
}

export interface NotificationView {
  id: number;
  project: string | null;
  event: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: number;
  message: string;
}

/** The latest notifications and their delivery state (for `notify log` and the TUI). */
export async function recentNotifications(ctx: ServiceContext, limit = 20): Promise<NotificationView[]> {
  const names = new Map((await ctx.store.projects.all()).map((p) => [p.id, p.name]));
  return (await ctx.store.notifications.recent(limit)).map((r) => ({
    id: r.id,
    project: r.project_id === null ? null : (names.get(r.project_id) ?? null),
    event: r.event,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: r.created_at,
    message: (JSON.parse(r.payload) as { message: string }).message,
  }));
}
