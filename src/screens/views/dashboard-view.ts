import * as blessed from '../widgets.js';
import type { Widgets } from 'blessed';
// Only the grid: the package index would also load every chart, map and markdown widget.
import Grid from 'blessed-contrib/lib/layout/grid.js';
import { containerRows, stackServiceRows, healthSummary, historyRows, operationLogProgressLines, progressLines, projectRows } from '../../render/tui-rows.js';
import { containersWithShared } from '../../render/rows.js';
import { badge, formatAge, tagSafe } from '../../render/format.js';
import type { DashboardModel } from '../model/dashboard.js';
import { dashboardHints, fitHints, LOG_HINTS } from '../keys.js';
import { statusBarLine } from '../../render/status-bar.js';
import type { Theme } from '../theme.js';
import { createPane, paneBoxOptions, type Pane } from './pane.js';
import { LogScroll, logContent, type LogLines } from './log-scroll.js';
import { fitLogLabel } from '../../render/log-lines.js';
import { gib } from '../../services/disk-space.js';

export type PaneName = 'projects' | 'containers' | 'history' | 'activity';
export const PANE_ORDER: PaneName[] = ['projects', 'containers', 'history', 'activity'];

/** The dashboard layout (k9s "view"): renders the model; knows nothing about services. */
export class DashboardView {
  readonly title: Widgets.BoxElement;
  readonly status: Widgets.BoxElement;
  readonly projects: Pane;
  readonly containers: Pane;
  readonly history: Pane;
  readonly activity: Widgets.BoxElement;
  focus: PaneName = 'projects';
  private message = '';
  private messageAt = 0;
  /** The operation whose progress the bottom pane shows (null: it shows logs). */
  private progressOf: number | null = null;
  /** The full-screen log view, the project it was opened for, and its follow/paused position. */
  fullLogs: { box: Widgets.BoxElement; project: string; scroll: LogScroll } | null = null;
  /** The Logs pane's follow/paused position; `activityShowsLogs` is false while it shows an operation's progress. */
  readonly activityScroll: LogScroll;
  activityShowsLogs = false;

  constructor(
    readonly screen: Widgets.Screen,
    readonly theme: Theme,
  ) {
    this.title = blessed.box({ parent: screen, top: 0, left: 0, right: 0, height: 1, tags: true, style: theme.bar as never });
    this.status = blessed.box({ parent: screen, bottom: 0, left: 0, right: 0, height: 1, tags: true, style: theme.bar as never });
    const body = blessed.box({ parent: screen, top: 1, bottom: 1, left: 0, right: 0 });
    const grid = new Grid({ rows: 12, cols: 12, screen: body as unknown as Widgets.Screen });
    const boxOf = (title: string) => (opts: Record<string, unknown>) => blessed.box({ ...opts, ...paneBoxOptions(title, theme) });
    this.projects = createPane(grid.set(0, 0, 4, 12, boxOf('Projects'), {}), theme);
    this.containers = createPane(grid.set(4, 0, 4, 6, boxOf('Containers'), {}), theme);
    this.history = createPane(grid.set(4, 6, 4, 6, boxOf('History'), {}), theme);
    this.activity = grid.set(8, 0, 4, 12, (o) => blessed.box({ ...o, ...paneBoxOptions('Logs', theme), scrollable: true, alwaysScroll: true, tags: true, wrap: true }), {});
    // The grid places panes by percentages, each rounded down: the last row and column end at the
    // body's edge instead, so no empty line is left above the status bar at any size.
    stretch(this.history.box, 'right');
    stretch(this.activity, 'bottom');
    this.activityScroll = new LogScroll(this.activity);
  }

  render(model: DashboardModel): void {
    const now = Date.now();
    const tone = this.theme.tone;
    const visible = model.visible();
    const sel = model.selected();
    const busy = model.busyProjects();

    const running = model.runningOperations().length;
    const filter = model.filter ? `  filter: ${model.filter}` : '';
    const undelivered = model.undelivered();
    const notices = undelivered ? `  ${tone('bad', `${undelivered} notification(s) undelivered (n)`)}` : model.notifications[0] ? `  last notice: ${model.notifications[0].event} ${model.notifications[0].project ?? ''}` : '';
    const problems = healthSummary(model.statuses, tone, busy);
    const disk = model.lowDisk[0] ? `  ${tone('bad', `low disk: ${gib(model.lowDisk[0].freeBytes)} free on the ${model.lowDisk[0].what}`)}` : '';
    const proxy = model.proxyHealth && model.proxyHealth.level !== 'ok' ? `  ${tone(model.proxyHealth.level === 'fail' ? 'bad' : 'warn', `proxy: ${tagSafe(model.proxyHealth.detail)}`)}` : '';
    const stale = model.refreshError ? `  ${tone('bad', `engine: ${tagSafe(model.refreshError)}`)}` : '';
    this.title.setContent(
      ` {bold}OtterStack{/bold}  ${visible.length}/${model.statuses.length} projects${problems ? `  ${problems}` : ''}${model.sortMode === 'health' ? '' : `  sorted by ${model.sortMode === 'name' ? 'name' : 'last deploy'}`}${filter}${running ? `  ${running} running` : ''}  refreshed ${formatAge(model.lastRefresh, now)}${notices}${disk}${proxy}${stale}`,
    );

    const p = projectRows(visible, now, this.theme.unicode, tone, busy, innerWidth(this.projects.box));
    const none = model.statuses.length === 0 ? "no projects: press 'a' to add one" : `no project matches the filter "${tagSafe(model.filter)}": Esc clears it`;
    this.projects.setRows(p.header, p.rows.length ? p.rows : [none], model.selectedIndex());

    // A swarm release has services (replicas on nodes), not containers of this engine.
    const c = sel?.swarm ? stackServiceRows(sel.swarm, tone, innerWidth(this.containers.box)) : containerRows(sel ? containersWithShared(sel) : [], this.theme.unicode, tone, innerWidth(this.containers.box));
    const domains = sel ? (model.domains.get(sel.project.name) ?? []) : [];
    // Where the project answers comes before which release answers: a narrow box cuts the end.
    const where = domains.length ? ` ${tagSafe(domains.map((d) => `https://${d}`).join(' '))} ` : '';
    this.containers.box.setLabel(` ${sel?.swarm ? 'Services' : 'Containers'}${sel ? ` — ${sel.project.name}${where}${sel.active ? ` ${sel.active.compose_project}` : ''}${sel.swarm ? ' (swarm)' : ''}` : ''} `);
    this.containers.setRows(c.header, c.rows.length ? c.rows : [!sel ? 'no project selected' : sel.active ? 'no containers (stopped?)' : 'nothing deployed']);

    // Nothing selected (a filter matching nothing): no rows of a project no longer shown.
    const h = historyRows(sel ? model.history : [], now, tone, innerWidth(this.history.box));
    this.history.box.setLabel(` History${sel ? ` — ${sel.project.name}` : ''} `);
    this.history.setRows(h.header, h.rows.length ? h.rows : [sel ? 'no deployments yet' : 'no project selected']);

    const op = sel ? model.operationFor(sel.project.name) : undefined;
    this.activityShowsLogs = false;
    if (op && (op.finishedAt === null || now - op.finishedAt < 15_000)) {
      const state = op.finishedAt === null ? 'running' : op.error ? tone('bad', 'failed') : tone('good', 'done');
      this.activity.setLabel(` ${op.label} — ${sel!.project.name} (${state}) `);
      // The newest line (the outcome) stays in sight, unless the operator scrolled back.
      const follow = this.progressOf !== op.id || atBottom(this.activity);
      this.progressOf = op.id;
      this.activity.setContent(progressLines(op.events, op.startedAt, op.finishedAt ?? now, tone, op.error).join('\n'));
      if (follow) this.activity.setScrollPerc(100);
    } else if (sel && model.otherOperation?.project === sel.project.name && sel.deploying) {
      // A deploy another process runs: its stages, from its operation log.
      const d = sel.deploying;
      this.progressOf = null;
      this.activity.setLabel(` ${model.otherOperation.operation} ${tagSafe(d.ref)} — ${sel.project.name} (running in PID ${d.pid ?? '?'}${d.by ? `, by ${tagSafe(d.by)}` : ''}) `);
      this.activity.setContent(operationLogProgressLines(model.otherOperation.text, now).join('\n'));
      this.activity.setScrollPerc(100);
    } else {
      this.progressOf = null;
      // Strings from containers: tagSafe before this tagged box (logContent).
      const shown = logContent(model.logView, model.logs, model.logsDropped);
      this.activityScroll.show(logLines(model), shown.text, model.logView.wrap);
      this.activityShowsLogs = true;
      const head = `Logs${sel ? ` — ${sel.project.name}` : ''} (${this.activityScroll.state()}${this.activityScroll.follow ? '' : ' — f follows'})`;
      this.activity.setLabel(fitLogLabel(head, shown.settings, this.activity.width as number));
    }

    this.activity.style.border = (this.focus === 'activity' ? this.theme.focusBorder : this.theme.border) as never;
    for (const name of ['projects', 'containers', 'history'] as const) this[name].setFocused(!this.fullLogs && name === this.focus);
    const health = busy.has(sel?.project.name ?? '') || sel?.deploying ? 'deploying' : sel?.health;
    this.status.setContent(
      statusBarLine({
        message: this.message && now - this.messageAt < 5_000 ? this.message : '',
        hints: (width) => fitHints(this.fullLogs ? LOG_HINTS : dashboardHints(), width),
        selected: sel ? `${sel.project.name}: ${badge(health!, this.theme.unicode)}` : '',
        width: Number(this.screen.width),
      }),
    );
    if (this.fullLogs) this.renderFullLogs(model);
    this.screen.render();
  }

  paneBox(name: PaneName): Widgets.BoxElement {
    return name === 'activity' ? this.activity : this[name].box;
  }

  /** A short-lived status-bar message (shown for 5 s). */
  say(message: string): void {
    this.message = message;
    this.messageAt = Date.now();
  }

  /** The full-screen logs of `project` (the selected one); at most one, so a second open is a no-op. */
  openFullLogs(project: string): void {
    if (this.fullLogs) return;
    const box = blessed.box({
      parent: this.screen,
      top: 1,
      bottom: 1,
      left: 0,
      right: 0,
      label: ` Logs — ${project} `,
      border: { type: 'line' },
      scrollable: true,
      alwaysScroll: true,
      // Tagged to mark the search match; every string from containers is tag-safe (logContent).
      tags: true,
      style: { border: this.theme.focusBorder as never },
    });
    this.fullLogs = { box, project, scroll: new LogScroll(box) };
  }

  closeFullLogs(): void {
    this.fullLogs?.box.destroy();
    this.fullLogs = null;
  }

  private renderFullLogs(model: DashboardModel): void {
    const full = this.fullLogs!;
    // The model tails the selected project; if that is no longer the one this view was opened
    // for (it was removed), close rather than show another project's logs under this title.
    if (model.selected()?.project.name !== full.project) {
      this.closeFullLogs();
      this.say(`logs of ${full.project} closed: it is no longer listed`);
      return;
    }
    const shown = logContent(model.logView, model.logs, model.logsDropped);
    full.scroll.show(logLines(model), shown.text, model.logView.wrap);
    const hint = full.scroll.follow ? 'f/↑ pause' : 'f/G follow';
    full.box.setLabel(fitLogLabel(`Logs — ${full.project} (${full.scroll.state()}; ${hint})`, shown.settings, full.box.width as number));
  }

  /** The log position the scroll keys move: the full-screen view, else the Logs pane when it shows logs. */
  logScroll(): LogScroll | null {
    if (this.fullLogs) return this.fullLogs.scroll;
    return this.focus === 'activity' && this.activityShowsLogs ? this.activityScroll : null;
  }
}

function logLines(model: DashboardModel): LogLines {
  return { lines: model.logs, first: model.logsDropped, stream: `${model.selected()?.project.name ?? ''}#${model.logsStream}` };
}

/** Columns inside a pane's borders. */
function innerWidth(box: Widgets.BoxElement): number {
  return Math.max(10, Number(box.width) - Number(box.iwidth));
}

/** Makes `box` reach its parent's `edge` whatever the rounding of its percentage size. */
function stretch(box: Widgets.BoxElement, edge: 'right' | 'bottom'): void {
  const position = (box as unknown as { position: Record<string, unknown> }).position;
  position[edge === 'right' ? 'width' : 'height'] = undefined;
  position[edge] = 0;
}

/** Whether a scrollable box shows its last line (or all its content fits). */
function atBottom(box: Widgets.BoxElement): boolean {
  const b = box as unknown as { getScrollPerc(s?: boolean): number };
  const perc = b.getScrollPerc(true);
  return perc < 0 || perc >= 100;
}
