import type { Deployment } from '../db/schema.js';
import type { HookLogEntry } from '../services/webhooks/hook-log.js';
import type { ContainerInfo } from '../services/commands/engine.js';
import type { ProgressEvent } from '../services/events.js';
import type { ProjectStatus } from '../services/status.js';
import type { StackServiceStatus } from '../services/swarm/swarm-status.js';
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

export function projectRows(statuses: ProjectStatus[], now: number, unicode: boolean, tone: ToneFn, ownBusy: Set<string> = new Set(), width?: number): PaneRows {
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
    { header: 'SHA', value: (s) => shortSha(s.active?.git_sha), drop: 2 },
    { header: 'DEPLOYED', value: (s) => formatAge(s.active?.finished_at, now), drop: 3 },
    { header: 'SOURCE', value: (s) => projectSource(s.project), max: 40, drop: 1, fill: true },
  ];
  return split(tableLines(statuses, cols, tagSafe, width));
}

/** "→ v2 (pid 4242, by alice)": what is being deployed and who started it (the address is in history). */
export function deployingLabel(d: NonNullable<ProjectStatus['deploying']>, unicode: boolean): string {
  const who = [d.pid ? `pid ${d.pid}` : '', d.by ? `by ${d.by.split(' from ')[0]}` : ''].filter(Boolean).join(', ');
  return `${unicode ? '→' : '->'} ${d.ref}${who ? ` (${who})` : ''}`;
}

export function containerRows(containers: ContainerInfo[], unicode: boolean, tone: ToneFn, width?: number): PaneRows {
  const cols: Column<ContainerInfo>[] = [
    { header: 'SERVICE', value: (c) => c.service, max: 20 },
    { header: 'STATE', value: (c) => badge(c.state, unicode), decorate: (t, c) => tone(toneOf(c.state), t) },
    { header: 'HEALTH', value: (c) => c.health, decorate: (t, c) => tone(toneOf(c.health), t) },
    { header: 'UPTIME', value: (c) => uptimeOf(c.status), drop: 1 },
    { header: 'PORTS', value: (c) => compactPorts(c.ports), max: 40, fill: true },
  ];
  return split(tableLines(containers, cols, tagSafe, width));
}

/** A swarm project's services (issue #20): replicas running of wanted, where, which release, the update. */
export function stackServiceRows(services: StackServiceStatus[], tone: ToneFn, width?: number): PaneRows {
  const cols: Column<StackServiceStatus>[] = [
    { header: 'SERVICE', value: (s) => s.service, max: 20 },
    { header: 'REPLICAS', value: (s) => `${s.running}/${s.wanted}`, decorate: (t, s) => tone(s.running >= s.wanted ? 'good' : s.running === 0 ? 'bad' : 'warn', t) },
    { header: 'NODES', value: (s) => s.nodes.join(',') || '-', max: 30, drop: 2 },
    { header: 'RELEASE', value: (s) => (s.release.startsWith('definition-') ? 'kept' : (/-([0-9a-f]{7}(?:-c\d+)?)$/.exec(s.release)?.[1] ?? s.release)), drop: 1 },
    { header: 'UPDATE', value: (s) => (s.update || '-').replace('_', ' '), decorate: (t, s) => tone(s.update.startsWith('rollback') || s.update === 'paused' ? 'bad' : s.update === 'updating' ? 'warn' : 'idle', t), drop: 3 },
    { header: 'ERROR', value: (s) => (s.running < s.wanted ? s.error : ''), max: 60, fill: true },
  ];
  return split(tableLines(services, cols, tagSafe, width));
}

export function historyRows(rows: (Deployment & { configChange?: string | null })[], now: number, tone: ToneFn, width?: number): PaneRows {
  const cols: Column<Deployment & { configChange?: string | null }>[] = [
    { header: 'ID', value: (d) => String(d.id), align: 'right' },
    { header: 'SHA', value: (d) => shortSha(d.git_sha), drop: 3 },
    { header: 'REF', value: (d) => d.git_ref ?? '-', max: 18 },
    { header: 'ACTION', value: (d) => d.action, drop: 6 },
    { header: 'STATUS', value: (d) => d.status, decorate: (t, d) => tone(toneOf(d.status), t) },
    { header: 'WHEN', value: (d) => formatAge(d.started_at, now), drop: 4 },
    { header: 'TOOK', value: (d) => formatDuration(d.finished_at ? d.finished_at - d.started_at : null), align: 'right', drop: 2 },
    // Who deployed, without the address: the pane is narrow (history --json, Enter and the CLI have it all).
    { header: 'BY', value: (d) => (d.invoked_by ?? '-').split(' from ')[0]!, max: 12, drop: 1 },
    // Always kept, cut to what is left in a narrow pane: Enter shows the whole row.
    { header: 'ERROR', value: (d) => d.error_message ?? '', max: 60, fill: true },
  ];
  // Configuration changes by name, where a release ran with other variables than the one before it.
  if (rows.some((d) => d.configChange)) cols.splice(5, 0, { header: 'CONFIG', value: (d) => d.configChange ?? '', max: 40, drop: 5 });
  if (rows.some((d) => d.notes)) cols.push({ header: 'NOTES', value: (d) => d.notes ?? '', max: 50, drop: 0 });
  return split(tableLines(rows, cols, tagSafe, width));
}

/** The notifications dialog: newest first, delivery state and the last error of failures. */
export function notificationLines(rows: NotificationView[], now: number): string[] {
  if (rows.length === 0) return ['no notifications yet (add targets with: otterstack notify add)'];
  return rows.map((n) => {
    const state = n.status === 'sent' ? 'sent' : `${n.status} after ${n.attempts} attempt(s)${n.lastError ? `: ${n.lastError}` : ''}`;
    return `${formatAge(n.createdAt, now).padEnd(9)} ${(n.project ?? '-').padEnd(20)} ${n.event.padEnd(18)} ${state}`;
  });
}

/** The webhook deliveries under the notifications (#19): newest first, what came and what became of it. */
export function hookDeliveryLines(rows: HookLogEntry[], now: number): string[] {
  if (rows.length === 0) return [];
  return [
    '',
    'Webhook deliveries (otterstack hooks log):',
    ...rows.map((h) => `${formatAge(h.receivedAt, now).padEnd(9)} ${h.project.padEnd(20)} ${(h.forge ?? '-').padEnd(7)} ${`${h.status} ${h.result}`.padEnd(13)} ${h.reason}${h.ref ? ` (${h.ref})` : ''} from ${h.remote}`),
  ];
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

/**
 * Progress view lines, oldest first, the outcome last so a view that keeps its newest line in
 * sight shows it: stages with elapsed time, then the failure (if any), each container's latest
 * health, and the elapsed time. No blank lines: a small pane shows as much as it can.
 */
export function progressLines(events: ProgressEvent[], startedAt: number, now: number, tone: ToneFn, error: string | null = null): string[] {
  const lines: string[] = [];
  // By container, in order of first appearance: a failed release's containers and those of the
  // release brought back may share service names.
  const containers = new Map<string, { service: string; state: string }>();
  for (const e of events) {
    const t = formatDuration(e.at - startedAt).padStart(6);
    if (e.type === 'stage') lines.push(`${t}  ${e.stage.padEnd(8)} ${tagSafe(e.message)}`);
    else if (e.type === 'warning') lines.push(`${t}  ${tone('warn', 'warning')}  ${tagSafe(e.message)}`);
    // A hook's output, live (compose's own chatter stays in the operation log).
    else if (e.type === 'output' && e.source === 'hook') lines.push(`${t}  ${''.padEnd(8)} ${tagSafe(e.text)}`);
    else if (e.type === 'container') {
      const state = e.health === 'none' ? e.state : `${e.state}/${e.health}`;
      containers.set(e.container, { service: e.service, state: tone(toneOf(e.health === 'none' ? e.state : e.health), tagSafe(state)) });
    }
  }
  // The whole message: the pane wraps it, nothing is cut.
  if (error) lines.push(tone('bad', `failed: ${tagSafe(error)}`));
  const names = [...containers.keys()];
  for (const [name, { service, state }] of containers) {
    const same = names.filter((n) => containers.get(n)!.service === service);
    const label = same.length > 1 ? `${service} ${distinctPart(name, same)}` : service;
    lines.push(`        ${tagSafe(label)}: ${state}`);
  }
  lines.push(`elapsed ${formatDuration(now - startedAt)}`);
  return lines;
}

/**
 * Counts for the title bar, over every project (a filter never hides an outage): releases down
 * (no container running, or none left), unhealthy and degraded ones. Projects with an operation
 * of this session running are left out: their row says "deploying".
 */
export function healthCounts(statuses: ProjectStatus[], busy: Set<string> = new Set()): { down: number; unhealthy: number; degraded: number } {
  const counts = { down: 0, unhealthy: 0, degraded: 0 };
  for (const s of statuses) {
    if (busy.has(s.project.name)) continue;
    if (s.health === 'down' || s.health === 'missing') counts.down++;
    else if (s.health === 'unhealthy') counts.unhealthy++;
    else if (s.health === 'degraded') counts.degraded++;
  }
  return counts;
}

/** "1 down  2 unhealthy" in the title bar, coloured by meaning; empty when all is well. */
export function healthSummary(statuses: ProjectStatus[], tone: ToneFn, busy: Set<string> = new Set()): string {
  const n = healthCounts(statuses, busy);
  const parts: string[] = [];
  if (n.down) parts.push(tone('bad', `${n.down} down`));
  if (n.unhealthy) parts.push(tone('bad', `${n.unhealthy} unhealthy`));
  if (n.degraded) parts.push(tone('warn', `${n.degraded} degraded`));
  return parts.join('  ');
}

/**
 * What tells `name` apart from the other names: common prefix and suffix dropped, so
 * "otterstack-shop-3d6640d-web-1" next to "otterstack-shop-a0c6c60-web-1" gives "3d6640d".
 */
export function distinctPart(name: string, all: string[]): string {
  let pre = 0;
  while (pre < name.length && all.every((n) => n[pre] === name[pre])) pre++;
  let suf = 0;
  while (suf < name.length - pre && all.every((n) => n.length - suf > pre && n[n.length - 1 - suf] === name[name.length - 1 - suf])) suf++;
  // Whole "words" only: back off to a separator so "a0c6c60" is not shown as "0c6c6".
  while (pre > 0 && !/[-_]/.test(name[pre - 1]!)) pre--;
  while (suf > 0 && !/[-_]/.test(name[name.length - suf]!)) suf--;
  return name.slice(pre, name.length - suf) || name;
}

/**
 * Progress lines from another process's operation log (`<ISO time> [stage] message` lines, after a
 * header line): elapsed time from its start, compose's own chatter left out, as progressLines.
 */
export function operationLogProgressLines(text: string, now: number): string[] {
  const lines = text.split('\n').filter(Boolean);
  const start = Date.parse(lines[0]?.split(' ')[0] ?? '');
  const out: string[] = [];
  for (const line of lines.slice(1)) {
    const m = /^(\S+) \[([\w-]+)\] (.*)$/.exec(line);
    if (!m || m[2] === 'output') continue;
    const at = Date.parse(m[1]!);
    const t = Number.isNaN(at) || Number.isNaN(start) ? '' : formatDuration(at - start);
    out.push(`${t.padStart(6)}  ${m[2]!.padEnd(8)} ${tagSafe(m[3]!)}`);
  }
  if (!Number.isNaN(start)) out.push(`elapsed ${formatDuration(now - start)}`);
  return out;
}
