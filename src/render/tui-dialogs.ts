import { formatBytes } from '../services/commands/image-usage.js';
import type { Deployment } from '../db/schema.js';
import type { RefInfo } from '../services/commands/git.js';
import type { PrunePlan } from '../services/prune.js';
import { formatAge, formatDuration, formatTimestamp, shortSha } from './format.js';

/**
 * Pure text of the TUI's dialogs (plain text: the dialogs show it literally). Unit-tested without
 * a terminal, like the panes' rows (tui-rows.ts).
 */

export interface RefChoice {
  ref: RefInfo;
  label: string;
}

/**
 * The deploy picker's rows: tags first, then branches, each newest first as git lists them; the
 * ref of the running release and refs whose last deploy failed are marked. Columns fit the names.
 */
export function refChoices(refs: RefInfo[], active: Pick<Deployment, 'git_sha'> | null | undefined, history: Pick<Deployment, 'git_sha' | 'status'>[], unicode: boolean): RefChoice[] {
  const ordered = [...refs.filter((r) => r.kind === 'tag'), ...refs.filter((r) => r.kind === 'branch')];
  // History is newest first: a commit's first row is how its last deploy went.
  const last = new Map<string, string>();
  for (const d of history) if (!last.has(d.git_sha)) last.set(d.git_sha, d.status);
  const width = Math.min(40, Math.max(0, ...ordered.map((r) => r.name.length)));
  return ordered.map((ref) => {
    const marks: string[] = [];
    if (active && ref.sha === active.git_sha) marks.push(unicode ? '● running' : '* running');
    else if (last.get(ref.sha) === 'failed') marks.push(unicode ? '✗ failed before' : 'x failed before');
    const name = ref.name.length > width ? `${ref.name.slice(0, width - 1)}${unicode ? '…' : '~'}` : ref.name.padEnd(width);
    return { ref, label: `${ref.kind.padEnd(6)} ${name} ${shortSha(ref.sha)}${marks.length ? `  ${marks.join(' ')}` : ''}` };
  });
}

/** One history row in full (the pane cuts columns): every field, then the operation log below it. */
export function deploymentDetailLines(d: Deployment & { configChange?: string | null }, now: number): string[] {
  const rows: [string, string | null | undefined][] = [
    ['deployment', String(d.id)],
    ['action', d.action],
    ['status', d.status],
    ['ref', d.git_ref],
    ['commit', d.git_sha],
    ['release', d.compose_project],
    ['started', `${formatTimestamp(d.started_at)} (${formatAge(d.started_at, now)})`],
    ['finished', d.finished_at ? formatTimestamp(d.finished_at) : null],
    ['took', d.finished_at ? formatDuration(d.finished_at - d.started_at) : null],
    ['by', d.invoked_by],
    ['config', d.config_version ? `v${d.config_version}${d.configChange ? ` (${d.configChange})` : ''}` : null],
    ['error', d.error_message],
    ['notes', d.notes],
  ];
  return rows.filter(([, v]) => v).map(([k, v]) => `${k.padEnd(10)} ${v}`);
}

/** What prune will remove, before the operator confirms (and what it keeps). */
export function prunePlanLines(plan: PrunePlan, keep: number): string[] {
  const lines = [`keeps ${plan.keptReleases.length} release(s) (asked for ${keep}, the active one included): ${plan.keptReleases.join(', ') || 'none'}`, ''];
  const nothing = plan.releases.length + plan.networks.length + plan.worktrees.length + plan.images.length + plan.pulledImages.length + plan.historyRows.length + plan.logs.length === 0;
  if (nothing) return [...lines, 'nothing to remove'];
  lines.push('removes:');
  for (const r of plan.releases) lines.push(`  release ${r} (its containers and network)`);
  for (const n of plan.networks) lines.push(`  network of ${n.composeProject} (no container uses it)`);
  for (const w of plan.worktrees) lines.push(`  worktree ${w}`);
  for (const i of plan.images) lines.push(`  image ${i} (built for a release that goes)`);
  for (const i of plan.pulledImages) lines.push(`  image ${i} (pulled; only releases that go use it)`);
  if (plan.images.length + plan.pulledImages.length) lines.push(`  images free at least ${formatBytes(plan.imageBytes)}`);
  if (plan.historyRows.length) lines.push(`  ${plan.historyRows.length} history row(s) past the retention limit`);
  if (plan.logs.length) lines.push(`  ${plan.logs.length} operation log(s) past their age`);
  lines.push('', 'Volumes and persistent data are never removed.');
  return lines;
}
