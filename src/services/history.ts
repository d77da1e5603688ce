import type { Deployment } from '../db/schema.js';
import type { ServiceContext } from './context.js';
import { OtterError } from './errors.js';
import { requireProject } from './projects.js';

export interface HistoryEntry extends Deployment {
  durationMs: number | null;
}

export async function getHistory(ctx: ServiceContext, name: string, limit = 20): Promise<HistoryEntry[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new OtterError('usage', `invalid --limit ${limit}: use 1 to 10000`);
  const project = await requireProject(ctx, name);
  const rows = await ctx.store.deployments.history(project.id, limit);
  return rows.map((d) => ({ ...d, durationMs: d.finished_at ? d.finished_at - d.started_at : null }));
}
