import { EventEmitter } from 'node:events';
import type { ServiceContext } from '../../services/context.js';
import { deploy } from '../../services/deploy.js';
import { toOtterError } from '../../services/errors.js';
import { getHistory, type HistoryEntry } from '../../services/history.js';
import { addProject, checkNewProjectName, checkRepositorySource, removeProject, type AddProjectRequest, type RemoveCleanup } from '../../services/projects.js';
import { previewPrune, prune } from '../../services/prune.js';
import { projectLockHolder } from '../../services/locking.js';
import { readOperationLog, runningOperationLog, streamContainerLogs, type LogEntry, type LogWindow, type OperationLogText } from '../../services/logs.js';
import { LogViewState } from './log-view.js';
import fs from 'node:fs';
import { listDeployableRefs, previewDeploy } from '../../services/refs.js';
import { listVars, setVars, unsetVars } from '../../services/project-env.js';
import { redeployWithConfig } from '../../services/config-deploy.js';
import { rollback } from '../../services/rollback.js';
import { getRecordedStatus, getStatus, type ProjectStatus } from '../../services/status.js';
import type { OperationState } from './operations.js';
import { SORT_MODES, sortStatuses, type SortMode } from './sort.js';
import { freeSpace, lowSpaces, type FreeSpace } from '../../services/disk-space.js';
import { recentNotifications, type NotificationView } from '../../services/notify/manage.js';
import type { ProxyOverview } from '../../services/proxy/proxy-overview.js';
import { hookLog, type HookLogEntry } from '../../services/webhooks/hook-log.js';

/**
 * UI-free state of the dashboard (k9s "model"): what is shown and what is running. Screens
 * subscribe to 'change' and render; every action is a service call, never logic of its own.
 */
export class DashboardModel extends EventEmitter {
  statuses: ProjectStatus[] = [];
  filter = '';
  /** Unhealthy first by default: a release that is down sorts to the top. */
  sortMode: SortMode = 'health';
  selectedName: string | null = null;
  history: HistoryEntry[] = [];
  logs: LogEntry[] = [];
  /** How the logs are shown, and which window and service the stream reads. */
  readonly logView = new LogViewState();
  /** Lines dropped from the front of `logs` (kept at the window's lines): `logs[0]` is line `logsDropped` of the stream. */
  logsDropped = 0;
  /** Which log stream `logs` holds: a new number whenever it restarts (other project, other containers). */
  logsStream = 0;
  operations = new Map<string, OperationState>();
  lastRefresh = 0;
  notifications: NotificationView[] = [];
  /** The latest webhook deliveries (#19), shown with the notifications. */
  hookDeliveries: HookLogEntry[] = [];
  refreshError: string | null = null;
  /** Filesystems below minFreeDiskGiB (disk-space.ts), measured at most once a minute. */
  lowDisk: FreeSpace[] = [];
  private diskCheckedAt = 0;
  /** The OtterStack proxy's health (null: not installed), read at most once a minute, and each project's domains (#18). */
  proxyHealth: ProxyOverview['health'] = null;
  domains = new Map<string, string[]>();
  private proxyCheckedAt = 0;
  private logsAbort: AbortController | null = null;
  private logsFor: string | null = null;
  private nextOpId = 1;
  private refreshing: Promise<void> | null = null;

  constructor(readonly ctx: ServiceContext) {
    super();
  }

  private changed(): void {
    this.emit('change');
  }

  visible(): ProjectStatus[] {
    const f = this.filter.toLowerCase();
    const shown = f ? this.statuses.filter((s) => s.project.name.includes(f) || (s.active?.git_ref ?? '').toLowerCase().includes(f)) : this.statuses;
    return sortStatuses(shown, this.sortMode, this.busyProjects());
  }

  /** Next sort order (health → name → last deploy); the selection stays on its project. */
  cycleSort(): SortMode {
    this.sortMode = SORT_MODES[(SORT_MODES.indexOf(this.sortMode) + 1) % SORT_MODES.length]!;
    this.changed();
    return this.sortMode;
  }

  selected(): ProjectStatus | undefined {
    const list = this.visible();
    return list.find((s) => s.project.name === this.selectedName) ?? list[0];
  }

  selectedIndex(): number {
    const sel = this.selected();
    return sel ? this.visible().indexOf(sel) : -1;
  }

  move(delta: number): void {
    const list = this.visible();
    if (list.length === 0) return;
    const i = Math.min(list.length - 1, Math.max(0, this.selectedIndex() + delta));
    this.selectName(list[i]!.project.name);
  }

  selectName(name: string): void {
    if (this.selectedName === name) return;
    this.selectedName = name;
    // Nothing of the previous selection may linger while the new one loads.
    this.history = [];
    this.logView.service = null;
    this.resetLogs();
    this.logsAbort?.abort();
    this.logsFor = null;
    this.changed();
    void this.loadDetails();
  }

  setFilter(text: string): void {
    this.filter = text.trim().toLowerCase();
    const sel = this.selected();
    if (sel && sel.project.name !== this.selectedName) this.selectName(sel.project.name);
    this.changed();
  }

  /**
   * Projects and active releases from the state file only (no engine call, no history): what the
   * first paint shows while the engine is asked. Skipped once an engine refresh has landed.
   */
  async loadRecorded(): Promise<void> {
    const recorded = await getRecordedStatus(this.ctx);
    if (this.lastRefresh !== 0) return;
    this.statuses = recorded;
    if (!this.selectedName && this.visible()[0]) this.selectedName = this.visible()[0]!.project.name;
  }

  /** One engine call for all projects (getStatus), plus the selected project's history. */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        [this.statuses, this.notifications, this.hookDeliveries] = await Promise.all([getStatus(this.ctx), recentNotifications(this.ctx, 20), hookLog(this.ctx, 10), this.checkDisk(), this.checkProxy()]);
        this.refreshError = null;
      } catch (err) {
        this.refreshError = toOtterError(err).message;
      }
      this.lastRefresh = Date.now();
      if (!this.selectedName && this.visible()[0]) this.selectedName = this.visible()[0]!.project.name;
      await this.loadDetails();
      this.changed();
    })().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async checkDisk(): Promise<void> {
    if (Date.now() - this.diskCheckedAt < 60_000) return;
    this.diskCheckedAt = Date.now();
    this.lowDisk = lowSpaces(await freeSpace(this.ctx).catch(() => []), this.ctx.settings.get('minFreeDiskGiB'));
  }

  private async checkProxy(): Promise<void> {
    const withHealth = Date.now() - this.proxyCheckedAt >= 60_000;
    if (withHealth) this.proxyCheckedAt = Date.now();
    const { proxyOverview } = await import('../../services/proxy/proxy-overview.js');
    const overview = await proxyOverview(this.ctx, withHealth).catch(() => null);
    if (!overview) return;
    this.domains = overview.domains;
    if (withHealth) this.proxyHealth = overview.health;
  }

  /** The running operation of another process on the selected project (its log, followed), or null. */
  otherOperation: (OperationLogText & { project: string }) | null = null;
  private watchedLog: string | null = null;

  /**
   * Follows the log of a deploy another process runs on the selected project (its `deploying`
   * row says one runs): read again whenever the file changes, so its stages show live.
   */
  private async followOtherOperation(sel: ProjectStatus | undefined): Promise<void> {
    const own = sel && this.operationFor(sel.project.name)?.finishedAt === null;
    const log = sel?.deploying && !own ? await runningOperationLog(this.ctx, sel.project.name).catch(() => null) : null;
    this.otherOperation = log && sel ? { ...log, project: sel.project.name } : null;
    if (this.watchedLog && this.watchedLog !== log?.file) {
      fs.unwatchFile(this.watchedLog);
      this.watchedLog = null;
    }
    if (log && !this.watchedLog) {
      this.watchedLog = log.file;
      fs.watchFile(log.file, { interval: 300 }, () => {
        if (this.otherOperation?.file !== log.file) return;
        try {
          this.otherOperation = { ...this.otherOperation, text: fs.readFileSync(log.file, 'utf8') };
        } catch {
          return;
        }
        this.emit('progress');
      });
    }
  }

  private async loadDetails(): Promise<void> {
    const sel = this.selected();
    await this.followOtherOperation(sel);
    if (!sel) return;
    try {
      this.history = await getHistory(this.ctx, sel.project.name, 30);
    } catch {
      this.history = [];
    }
    this.followLogs(sel);
    this.changed();
  }

  /** Tails the active release's container logs of the selected project (restarts on change). */
  private followLogs(sel: ProjectStatus): void {
    const key = `${sel.project.name}:${sel.active?.compose_project ?? ''}:${sel.containers.map((c) => c.id).join(',')}:${this.logView.window.id}:${this.logView.service ?? ''}`;
    if (this.logsFor === key) return;
    this.logsAbort?.abort();
    this.logsFor = key;
    this.resetLogs();
    if (!sel.active || sel.containers.length === 0) return;
    const abort = new AbortController();
    this.logsAbort = abort;
    const { window, service } = this.logView;
    void streamContainerLogs(this.ctx, sel.project.name, {
      follow: true,
      // Each container's newest lines, of which the newest of all merged are kept.
      tail: window.lines,
      limit: window.lines,
      since: window.since,
      service: service ?? undefined,
      signal: abort.signal,
      onServices: (services) => {
        if (abort.signal.aborted) return;
        this.logView.services = services;
        this.logView.width = Math.max(...services.map((s) => s.length));
      },
      onLine: (line) => {
        if (abort.signal.aborted) return;
        this.logs.push(line);
        // As many lines as the window reads: followed lines then drop the oldest (500 by default,
        // as before: every new line re-renders all of them).
        if (this.logs.length > window.lines) this.logsDropped += this.logs.splice(0, this.logs.length - window.lines).length;
        this.emit('logs', line);
      },
    }).catch(() => undefined);
  }

  private resetLogs(): void {
    this.logs = [];
    this.logsDropped = 0;
    this.logsStream++;
    this.logView.restarted();
  }

  /** Reads the logs from another window (docker logs --since) or of one service (null: all): the stream restarts. */
  setLogStream(change: { window?: LogWindow; service?: string | null }): void {
    if (change.window) this.logView.window = change.window;
    if (change.service !== undefined) this.logView.service = change.service;
    const sel = this.selected();
    if (sel) this.followLogs(sel);
    this.changed();
  }

  operationFor(project: string): OperationState | undefined {
    return this.operations.get(project);
  }

  busyProjects(): Set<string> {
    return new Set([...this.operations.values()].filter((o) => o.finishedAt === null).map((o) => o.project));
  }

  /** Runs a service operation in the background; the operator keeps navigating meanwhile. */
  private run(project: string, kind: OperationState['kind'], label: string, fn: (op: OperationState) => Promise<unknown>): OperationState {
    const abort = new AbortController();
    const op: OperationState = { id: this.nextOpId++, project, kind, label, startedAt: Date.now(), finishedAt: null, events: [], error: null, abort, done: Promise.resolve() };
    this.operations.set(project, op);
    op.done = (async () => {
      try {
        await fn(op);
      } catch (err) {
        op.error = toOtterError(err).message;
        this.emit('operation-error', op);
      } finally {
        const finishedAt = Date.now();
        // Statuses read after the operation ended (not a read still in flight from while it ran)
        // before its row stops saying "deploying": the containers a recreate deploy stopped, or a
        // failed deploy's undo restarted, never show as a release that is down.
        await this.refreshing;
        await this.refresh();
        op.finishedAt = finishedAt;
        this.changed();
        this.emit('operation-done', op);
      }
    })();
    this.changed();
    return op;
  }

  private onProgress(op: OperationState) {
    return (e: OperationState['events'][number]) => {
      op.events.push(e);
      this.emit('progress', op);
    };
  }

  deploy(project: string, ref: string): OperationState {
    return this.run(project, 'deploy', `deploy ${ref}`, (op) => deploy(this.ctx, { project, ref, signal: op.abort.signal, onProgress: this.onProgress(op) }));
  }

  rollback(project: string, to?: string): OperationState {
    return this.run(project, 'rollback', `rollback${to ? ` to ${to.slice(0, 7)}` : ''}`, (op) => rollback(this.ctx, { project, to, signal: op.abort.signal, onProgress: this.onProgress(op) }));
  }

  /** The active release's code with the project's current configuration (after an env change). */
  redeployConfig(project: string): OperationState {
    return this.run(project, 'deploy', 'redeploy with new config', (op) => redeployWithConfig(this.ctx, { project, signal: op.abort.signal, onProgress: this.onProgress(op) }));
  }

  envList(project: string, reveal = false) {
    return listVars(this.ctx, project, reveal);
  }

  envSet(project: string, key: string, value: string) {
    return setVars(this.ctx, project, [[key, value]]);
  }

  envUnset(project: string, key: string) {
    return unsetVars(this.ctx, project, [key]);
  }

  prune(project: string, keep?: number): OperationState {
    return this.run(project, 'prune', 'prune', (op) => prune(this.ctx, project, keep, this.onProgress(op)));
  }

  remove(project: string, cleanup: RemoveCleanup): OperationState {
    return this.run(project, 'remove', `remove (${cleanup})`, async (op) => {
      await removeProject(this.ctx, project, cleanup, this.onProgress(op));
      if (this.selectedName === project) this.selectedName = null;
    });
  }

  async add(req: AddProjectRequest): Promise<void> {
    await addProject(this.ctx, req);
    this.selectedName = req.name;
    await this.refresh();
  }

  refs(project: string) {
    return listDeployableRefs(this.ctx, project);
  }

  /** The project's recent history, read now (the pane's copy may not be loaded yet right after start). */
  recentHistory(project: string) {
    return getHistory(this.ctx, project, 50);
  }

  /** Another process holding the project's lock now (described), or null. */
  lockHolder(project: string): string | null {
    return projectLockHolder(this.ctx, project);
  }

  prunePreview(project: string, keep: number) {
    return previewPrune(this.ctx, project, keep);
  }

  checkName(name: string) {
    return checkNewProjectName(this.ctx, name);
  }

  checkRepository(repo: string) {
    return checkRepositorySource(this.ctx, repo);
  }

  operationLog(project: string, deploymentId: number) {
    return readOperationLog(this.ctx, project, deploymentId);
  }

  preview(project: string, ref: string) {
    return previewDeploy(this.ctx, project, ref);
  }

  /** Notifications not delivered (yet): shown in the title bar. */
  undelivered(): number {
    return this.notifications.filter((n) => n.status !== 'sent').length;
  }

  runningOperations(): OperationState[] {
    return [...this.operations.values()].filter((o) => o.finishedAt === null);
  }

  /** Interrupts running operations (they undo themselves) and waits for them, bounded. */
  async shutdown(timeoutMs = 120_000): Promise<void> {
    this.logsAbort?.abort();
    if (this.watchedLog) fs.unwatchFile(this.watchedLog);
    const running = this.runningOperations();
    for (const op of running) op.abort.abort();
    await Promise.race([Promise.all(running.map((o) => o.done)), new Promise((r) => setTimeout(r, timeoutMs))]);
  }
}
