import type { Deployment } from '../db/schema.js';
import type { ContainerInfo } from '../services/commands/engine.js';
import type { ProgressEvent } from '../services/events.js';
import type { ProjectStatus } from '../services/status.js';
import { badge, formatAge, formatDuration, shortSha, tableLines, tagSafe, toneOf, type BadgeTone, type Column } from './format.js';
import { projectSource } from './rows.js';
import type { NotificationView } from '../services/notify/manage.js';

/**
 * Pure row formatting for the TUI panes: header + lines, colour applied through `tone`. Every string
 * from outside goes through tagSafe: the panes and dialogs are tagged widgets.
 */
export type ToneFn = (tone: BadgeTone, text: string) => string;

export interface PaneRows {
  header: string;
  rows: string[];
}

function split(lines: string[]): PaneRows {
  return { header: lines[0] ?? '', rows: lines.slice(1) };
}

export function projectRows(statuses: ProjectStatus[], now: number, unicode: boolean, tone: ToneFn, ownBusy: Set<string> = new Set()): PaneRows {
  // Busy: an operation of this TUI, or a deploy/rollback another process runs (its `deploying` row).
  const busy = new Set([...ownBusy, ...statuses.filter((s) => s.deploying).map((s) => s.project.name)]);
  const cols: Column<ProjectStatus>[] = [
    { header: 'PROJECT', value: (s) => s.project.name, max: 24 },
    {
      header: 'HEALTH',
      value: (s) => (busy.has(s.project.name) ? badge('deploying', unicode) : badge(s.health, unicode)),
      decorate: (text, s) => tone(toneOf(busy.has(s.project.name) ? 'deploying' : s.health), text),
    },
    { header: 'REF', value: (s) => (s.deploying ? deployingLabel(s.deploying, unicode) : (s.active?.git_ref ?? '-')), max: 40 },
    { header: 'SHA', value: (s) => shortSha(s.active?.git_sha) },
    { header: 'DEPLOYED', value: (s) => formatAge(s.active?.finished_at, now) },
    { header: 'SOURCE', value: (s) => projectSource(s.project), max: 40 },
  ];
  return split(tableLines(statuses, cols, tagSafe));
}

/** "→ v2 (pid 4242, by alice)": what is being deployed and who started it (the address is in history). */
export function deployingLabel(d: NonNullable<ProjectStatus['deploying']>, unicode: boolean): string {
  const who = [d.pid ? `pid ${d.pid}` : '', d.by ? `by ${d.by.split(' from ')[0]}` : ''].filter(Boolean).join(', ');
  return `${unicode ? '→' : '->'} ${d.ref}${who ? ` (${who})` : ''}`;
}

export function containerRows(containers: ContainerInfo[], unicode: boolean, tone: ToneFn): PaneRows {
  const cols: Column<ContainerInfo>[] = [
    { header: 'SERVICE', value: (c) => c.service, max: 20 },
    { header: 'STATE', value: (c) => badge(c.state, unicode), decorate: (t, c) => tone(toneOf(c.state), t) },
    { header: 'HEALTH', value: (c) => c.health, decorate: (t, c) => tone(toneOf(c.health), t) },
    { header: 'UPTIME', value: (c) => uptimeOf(c.status) },
    { header: 'PORTS', value: (c) => compactPorts(c.ports), max: 40 },
  ];
  return split(tableLines(containers, cols, tagSafe));
}

export function historyRows(rows: (Deployment & { configChange?: string | null })[], now: number, tone: ToneFn): PaneRows {
  const cols: Column<Deployment & { configChange?: string | null }>[] = [
    { header: 'ID', value: (d) => String(d.id), align: 'right' },
    { header: 'SHA', value: (d) => shortSha(d.git_sha) },
    { header: 'REF', value: (d) => d.git_ref ?? '-', max: 18 },
    { header: 'ACTION', value: (d) => d.action },
    { header: 'STATUS', value: (d) => d.status, decorate: (t, d) => tone(toneOf(d.status), t) },
    { header: 'WHEN', value: (d) => formatAge(d.started_at, now) },
    { header: 'TOOK', value: (d) => formatDuration(d.finished_at ? d.finished_at - d.started_at : null), align: 'right' },
    // Who deployed, without the address: the pane is narrow (history --json and the CLI have it all).
    { header: 'BY', value: (d) => (d.invoked_by ?? '-').split(' from ')[0]!, max: 12 },
    { header: 'ERROR', value: (d) => d.error_message ?? '', max: 60 },
  ];
  // Configuration changes by name, where a release ran with other variables than the one before it.
  if (rows.some((d) => d.configChange)) cols.splice(5, 0, { header: 'CONFIG', value: (d) => d.configChange ?? '', max: 40 });
  if (rows.some((d) => d.notes)) cols.push({ header: 'NOTES', value: (d) => d.notes ?? '', max: 50 });
  return split(tableLines(rows, cols, tagSafe));
}

/** The notifications dialog: newest first, delivery state and the last error of failures. */
export function notificationLines(rows: NotificationView[], now: number): string[] {
  if (rows.length === 0) return ['no notifications yet (add targets with: otterstack notify add)'];
  return rows.map((n) => {
    const state = n.status === 'sent' ? 'sent' : `${n.status} after ${n.attempts} attempt(s)${n.lastError ? `: ${n.lastError}` : ''}`;
    return `${formatAge(n.createdAt, now).padEnd(9)} ${(n.project ?? '-').padEnd(20)} ${n.event.padEnd(18)} ${state}`;
  });
}

/** "Up 3 minutes (healthy)" -> "3 minutes"; "Exited (0) 2 hours ago" -> "-". */
export function uptimeOf(status: string): string {
  const m = /^Up (.+?)(?: \(.*\))?$/.exec(status);
  return m ? m[1]! : '-';
}

/** "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp" -> "8080->80/tcp" (IPv4/IPv6 duplicates folded). */
export function compactPorts(ports: string): string {
  const seen = new Set<string>();
  for (const p of ports.split(',').map((s) => s.trim()).filter(Boolean)) {
    seen.add(p.replace(/^(0\.0\.0\.0|\[::\]):/, ''));
  }
  return [...seen].join(', ');
}

/** Progress view lines: stages with elapsed time, and each container's latest health. */
export function progressLines(events: ProgressEvent[], startedAt: number, now: number, tone: ToneFn): string[] {
  const lines: string[] = [];
  const containers = new Map<string, string>();
  for (const e of events) {
    const t = formatDuration(e.at - startedAt).padStart(6);
    if (e.type === 'stage') lines.push(`${t}  ${e.stage.padEnd(8)} ${tagSafe(e.message)}`);
    else if (e.type === 'warning') lines.push(`${t}  ${tone('warn', 'warning')}  ${tagSafe(e.message)}`);
    // A hook's output, live (compose's own chatter stays in the operation log).
    else if (e.type === 'output' && e.source === 'hook') lines.push(`${t}  ${''.padEnd(8)} ${tagSafe(e.text)}`);
    else if (e.type === 'container') {
      const state = e.health === 'none' ? e.state : `${e.state}/${e.health}`;
      containers.set(e.service, tone(toneOf(e.health === 'none' ? e.state : e.health), tagSafe(state)));
    }
  }
  if (containers.size > 0) {
    lines.push('');
    for (const [service, state] of containers) lines.push(`        ${tagSafe(service)}: ${state}`);
  }
  lines.push('', `elapsed ${formatDuration(now - startedAt)}`);
  return lines;
}
