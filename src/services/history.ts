import type { ConfigVersion, Deployment } from '../db/schema.js';
import type { ServiceContext } from './context.js';
import { OtterError } from './errors.js';
import { requireProject } from './projects.js';

export interface HistoryEntry extends Deployment {
  durationMs: number | null;
  /** `config v7: +API_TOKEN ~DATABASE_URL` when this release ran with other configuration than the one before it (names only). */
  configChange: string | null;
}

export async function getHistory(ctx: ServiceContext, name: string, limit = 20): Promise<HistoryEntry[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new OtterError('usage', `invalid --limit ${limit}: use 1 to 10000`);
  const project = await requireProject(ctx, name);
  const rows = await ctx.store.deployments.history(project.id, limit);
  const versions = await ctx.store.configVersions.all(project.id);
  return rows.map((d, i) => ({ ...d, durationMs: d.finished_at ? d.finished_at - d.started_at : null, configChange: configChange(d, rows[i + 1], versions) }));
}

/** What changed in the configuration between the release before (older) and this one: names only, from the version rows. */
export function configChange(d: Deployment, before: Deployment | undefined, versions: Pick<ConfigVersion, 'version' | 'changes'>[]): string | null {
  const to = d.config_version ?? 0;
  const from = before?.config_version ?? 0;
  if (to === from || to === 0) return null;
  const between = versions
    .filter((v) => (from < to ? v.version > from && v.version <= to : v.version === to))
    .sort((a, b) => a.version - b.version)
    .map((v) => v.changes);
  return `config v${to}: ${from < to ? between.join(' ') : `back to v${to}`}`;
}
