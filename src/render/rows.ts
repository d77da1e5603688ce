import type { Deployment, Project } from '../db/schema.js';
import type { ContainerInfo } from '../services/commands/engine.js';
import type { DoctorCheck } from '../services/doctor.js';
import type { ProjectStatus } from '../services/status.js';
import { badge, formatAge, formatDuration, formatTimestamp, renderTable, shortSha, type Column } from './format.js';
import { stripUrlUserinfo } from '../services/redact.js';
import { describeInputs, projectComposeInputs } from '../services/compose-inputs.js';
import type { ProxyRoute } from '../services/proxy-routes.js';

/** Row formatting for lists shown by both the CLI and the TUI. Pure. */

export function projectSource(p: Project): string {
  return p.repo_type === 'remote' && p.repo_url ? stripUrlUserinfo(p.repo_url) : `local:${p.repo_path}`;
}

export function projectListTable(projects: (Project & { domains?: string[] })[]): string {
  const cols: Column<Project & { domains?: string[] }>[] = [
    { header: 'NAME', value: (p) => p.name },
    { header: 'SOURCE', value: projectSource, max: 60 },
    { header: 'COMPOSE FILES', value: (p) => describeInputs(projectComposeInputs(p)).files, max: 40 },
    { header: 'STRATEGY', value: (p) => p.strategy },
    { header: 'DOMAINS', value: (p) => (p.domains?.length ? p.domains.join(', ') : '-'), max: 50 },
    { header: 'STATUS', value: (p) => p.status },
  ];
  return renderTable(projects, cols);
}

/** "app.example.com, www.example.com -> web:8080; api.example.com -> api:3000" */
export function domainRoutesSummary(routes: readonly ProxyRoute[]): string {
  return routes.map((r) => `${r.domains.join(', ')} -> ${r.service}:${r.port}`).join('; ');
}

export function statusTable(statuses: ProjectStatus[], now: number, unicode = true): string {
  const cols: Column<ProjectStatus>[] = [
    { header: 'PROJECT', value: (s) => s.project.name },
    { header: 'HEALTH', value: (s) => badge(s.health, unicode) },
    { header: 'REF', value: (s) => s.active?.git_ref ?? '-', max: 30 },
    { header: 'SHA', value: (s) => shortSha(s.active?.git_sha) },
    // A swarm project counts its tasks: replicas running of wanted, over all its services and nodes.
    { header: 'CONTAINERS', value: (s) => (!s.active ? '-' : s.swarm ? `${s.swarm.reduce((n, x) => n + x.running, 0)}/${s.swarm.reduce((n, x) => n + x.wanted, 0)} swarm` : `${s.containers.filter((c) => c.state === 'running').length}/${s.containers.length}`), align: 'right' },
    { header: 'DEPLOYED', value: (s) => formatAge(s.active?.finished_at, now) },
  ];
  return renderTable(statuses, cols);
}

/** The release's containers, then the project's shared services as their own rows ("db (shared)"). */
export function containersWithShared(s: Pick<ProjectStatus, 'containers' | 'shared'>): ContainerInfo[] {
  return [...s.containers, ...(s.shared ?? []).map((c) => ({ ...c, service: `${c.service} (shared)` }))];
}

export function containerTable(containers: ContainerInfo[], unicode = true): string {
  const cols: Column<ContainerInfo>[] = [
    { header: 'SERVICE', value: (c) => c.service },
    { header: 'CONTAINER', value: (c) => c.name },
    { header: 'STATE', value: (c) => badge(c.state, unicode) },
    { header: 'HEALTH', value: (c) => c.health },
    { header: 'STATUS', value: (c) => c.status },
    { header: 'PORTS', value: (c) => c.ports, max: 40 },
  ];
  return renderTable(containers, cols);
}

export function historyTable(rows: (Deployment & { configChange?: string | null })[]): string {
  const cols: Column<Deployment & { configChange?: string | null }>[] = [
    { header: 'ID', value: (d) => String(d.id), align: 'right' },
    { header: 'SHA', value: (d) => shortSha(d.git_sha) },
    { header: 'REF', value: (d) => d.git_ref ?? '-', max: 30 },
    { header: 'ACTION', value: (d) => d.action },
    { header: 'STATUS', value: (d) => d.status },
    { header: 'STARTED', value: (d) => formatTimestamp(d.started_at) },
    { header: 'DURATION', value: (d) => formatDuration(d.finished_at ? d.finished_at - d.started_at : null), align: 'right' },
    { header: 'BY', value: (d) => d.invoked_by ?? '-', max: 30 },
    { header: 'ERROR', value: (d) => d.error_message ?? '', max: 80 },
  ];
  // Configuration changes, by name only, where a release ran with other variables than the one before.
  if (rows.some((d) => d.configChange)) cols.splice(5, 0, { header: 'CONFIG', value: (d) => d.configChange ?? '', max: 60 });
  // Shared services changed, hooks skipped or failed: beside the release, never hidden in ERROR.
  if (rows.some((d) => d.notes)) cols.push({ header: 'NOTES', value: (d) => d.notes ?? '', max: 80 });
  return renderTable(rows, cols);
}

export function doctorTable(checks: DoctorCheck[]): string {
  const mark = { ok: 'ok', warn: 'WARN', fail: 'FAIL' } as const;
  return renderTable(checks, [
    { header: 'CHECK', value: (c) => c.name },
    { header: 'RESULT', value: (c) => mark[c.level] },
    { header: 'DETAIL', value: (c) => c.detail },
  ]);
}
