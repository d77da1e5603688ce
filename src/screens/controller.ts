import { planLines } from '../render/plan-lines.js';
import { toOtterError } from '../services/errors.js';
import { shortSha, formatAge, tagSafe } from '../render/format.js';
import { hookDeliveryLines, notificationLines } from '../render/tui-rows.js';
import { deploymentDetailLines, prunePlanLines, refChoices } from '../render/tui-dialogs.js';
import type { OperationState } from './model/operations.js';
import type { DashboardModel } from './model/dashboard.js';
import { helpLines, type Action } from './keys.js';
import { PANE_ORDER, type DashboardView, type PaneName } from './views/dashboard-view.js';
import type { DialogHost } from './views/dialogs.js';
import { LogKeys } from './log-keys.js';
import { ContainerActions, isContainerAction } from './container-actions.js';
import { CommandLine, type CommandFlows } from './command-line.js';

/** Actions that may ask through dialogs; the others only move or redraw (and may be repeated fast). */
const ASKING: ReadonlySet<Action> = new Set<Action>(['enter', 'filter', 'help', 'notifications', 'add', 'deploy', 'rollback', 'env', 'prune', 'remove', 'quit', 'since', 'service', 'command', 'restartContainer', 'toggleContainer', 'shell', 'inspect']);

/** Keys → actions (k9s "view" behaviour): asks the operator through dialogs, then calls the model. */
export class Controller implements CommandFlows {
  /** Set by app.ts: quits the way q does (the command line's :q). */
  onQuit: () => void = () => {};
  private readonly logKeys: LogKeys;
  private readonly containerActions: ContainerActions;
  private readonly commandLine: CommandLine;

  constructor(
    private readonly model: DashboardModel,
    private readonly view: DashboardView,
    private readonly dialogs: DialogHost,
  ) {
    this.logKeys = new LogKeys(model, view, dialogs);
    this.containerActions = new ContainerActions(model, view, dialogs);
    this.commandLine = new CommandLine(model, view, dialogs, this, () => this.onQuit());
  }

  private say(message: string): void {
    this.view.say(message);
    this.view.render(this.model);
  }

  /** Whether `action` may open dialogs: app.ts then runs it as one dialog session (DialogHost.session). */
  asks(action: Action): boolean {
    return ASKING.has(action);
  }

  async handle(action: Action): Promise<void> {
    try {
      await this.dispatch(action);
    } catch (err) {
      await this.dialogs.error(toOtterError(err).message);
    }
    this.view.render(this.model);
  }

  private async dispatch(action: Action): Promise<void> {
    // The logs' own keys (w, t, o, v, / n N there) first: in the logs / and n search.
    if (this.logKeys.claims(action)) return this.logKeys.run(action);
    if (this.view.fullLogs) return this.inFullLogs(action);
    const sel = this.model.selected();
    if (isScrollKey(action)) return this.scroll(action);
    switch (action) {
      case 'follow': {
        const scroll = this.view.logScroll();
        if (scroll) scroll.toggleFollow();
        else this.say('f follows logs: in the Logs pane (Tab to it) or the full-screen logs (l)');
        return;
      }
      case 'nextPane':
      case 'prevPane': {
        const i = PANE_ORDER.indexOf(this.view.focus);
        this.view.focus = PANE_ORDER[(i + (action === 'nextPane' ? 1 : PANE_ORDER.length - 1)) % PANE_ORDER.length]!;
        return;
      }
      case 'focus1':
      case 'focus2':
      case 'focus3':
      case 'focus4':
        this.view.focus = PANE_ORDER[Number(action.slice(-1)) - 1]!;
        return;
      case 'enter':
        return this.enter();
      case 'back':
        if (this.view.fullLogs) this.view.closeFullLogs();
        else if (this.model.filter) this.model.setFilter('');
        else this.view.focus = 'projects';
        return;
      case 'sort':
        this.model.cycleSort();
        return;
      case 'filter': {
        // Filters as it is typed; Esc puts the filter back as it was.
        const before = this.model.filter;
        const live = (value: string) => {
          this.model.setFilter(value);
          this.view.render(this.model);
        };
        const text = await this.dialogs.ask('Filter projects', 'Show projects whose name or ref contains (as you type):', before, { onInput: live });
        this.model.setFilter(text ?? before);
        return;
      }
      case 'help':
        return this.dialogs.info('Keys', helpLines());
      case 'notifications':
        return this.dialogs.info('Notifications', [...notificationLines(this.model.notifications, Date.now()), ...hookDeliveryLines(this.model.hookDeliveries, Date.now())]);
      case 'refresh':
        return this.model.refresh();
      case 'add':
        return this.add();
      case 'logs':
        if (sel) this.view.openFullLogs(sel.project.name);
        return;
      case 'quit':
        return;
      case 'command':
        return this.commandLine.open();
    }
    if (isContainerAction(action)) return this.containerActions.handle(action);
    if (!sel) return this.say('no project selected');
    switch (action) {
      case 'deploy':
        return this.deploy(sel.project.name);
      case 'rollback':
        return this.rollback(sel.project.name);
      case 'env':
        return this.env(sel.project.name);
      case 'prune':
        return this.prune(sel.project.name);
      case 'remove':
        return this.remove(sel.project.name);
    }
  }

  /** Moves and jumps: the same keys on the dashboard and in the full-screen logs (whichever has the keyboard). */
  private scroll(action: ScrollKey): void | Promise<void> {
    if (action === 'up' || action === 'down') return this.move(action === 'up' ? -1 : 1);
    return this.jump(action);
  }

  /**
   * The full-screen logs keep the keyboard: the scroll keys move them (never the project list, so
   * they stay the project they were opened for); l, Esc and q close them; other actions wait.
   */
  private async inFullLogs(action: Action): Promise<void> {
    if (isScrollKey(action)) return this.scroll(action);
    switch (action) {
      case 'logs':
      case 'back':
      case 'quit':
        this.view.closeFullLogs();
        return;
      case 'follow':
        this.view.fullLogs!.scroll.toggleFollow();
        return;
      case 'help':
        return this.dialogs.info('Keys', helpLines());
      case 'refresh':
        return this.model.refresh();
      default:
        this.view.say('close the logs first: l, Esc or q');
    }
  }

  /** PgUp/PgDn/g/G/Home/End in the focused pane (or the full-screen logs). */
  private jump(action: 'pageUp' | 'pageDown' | 'top' | 'bottom'): void {
    const logs = this.view.logScroll();
    if (logs) {
      if (action === 'top') logs.top();
      else if (action === 'bottom') logs.bottom();
      else logs.scroll(action === 'pageUp' ? -logs.page() : logs.page());
      return;
    }
    const box = this.view.focus === 'activity' ? this.view.activity : this.view[this.view.focus].list;
    const page = Math.max(1, Number(box.height) - Number(box.iheight));
    const delta = action === 'pageUp' ? -page : action === 'pageDown' ? page : action === 'top' ? -1e9 : 1e9;
    if (this.view.focus === 'activity') this.view.activity.scroll(delta);
    else if (this.view.focus === 'projects') this.model.move(delta);
    else {
      const list = this.view[this.view.focus].list;
      // blessed clamps the selection to the list.
      if (delta < 0) list.up(-delta);
      else list.down(delta);
    }
  }

  /** A click `row` rows below the top border of `pane`: focus it; in a list, select the row clicked. */
  click(pane: PaneName, row: number): void {
    this.view.focus = pane;
    // The border and the column header come before the first row.
    if (pane !== 'activity' && row >= 2) {
      const list = this.view[pane].list as unknown as { childBase: number; items: unknown[] };
      const index = row - 2 + list.childBase;
      if (pane === 'projects') {
        if (index < this.model.visible().length) this.model.move(index - this.model.selectedIndex());
      } else if (index < list.items.length) this.view[pane].list.select(index);
    }
    this.view.render(this.model);
  }

  /** The wheel over `pane`: it takes the focus and moves by `delta` rows (its logs scroll). */
  wheel(pane: PaneName, delta: number): void {
    this.view.focus = pane;
    this.move(delta);
    this.view.render(this.model);
  }

  private move(delta: number): void {
    const logs = this.view.logScroll();
    if (logs) logs.scroll(delta);
    else if (this.view.focus === 'projects') this.model.move(delta);
    else if (this.view.focus === 'activity') this.view.activity.scroll(delta);
    else {
      const list = this.view[this.view.focus].list;
      if (delta < 0) list.up(-delta);
      else list.down(delta);
    }
  }

  private async enter(): Promise<void> {
    const sel = this.model.selected();
    if (this.view.focus === 'projects') {
      this.view.focus = 'containers';
      return;
    }
    if (this.view.focus === 'history' && sel) {
      const row = this.model.history[(this.view.history.list as unknown as { selected: number }).selected];
      if (!row) return;
      // The whole row (the pane cuts columns), then its operation log, which may be gone (pruned).
      const log = await this.model.operationLog(sel.project.name, row.id).then(
        (l) => ['', `operation log (${l.operation}, ${l.status}): ${l.file}`, ...l.text.trimEnd().split('\n')],
        (err: unknown) => ['', `operation log: ${toOtterError(err).message}`],
      );
      await this.dialogs.info(`Deployment ${row.id} of ${sel.project.name}`, [...deploymentDetailLines(row, Date.now()), ...log]);
    }
  }

  /** A second operation on a busy project is refused here; across processes the service lock refuses it. */
  private refuseIfBusy(project: string): boolean {
    const op = this.model.operationFor(project);
    if (op && op.finishedAt === null) {
      void this.dialogs.error(`project ${project} is busy: ${op.label} started ${formatAge(op.startedAt, Date.now())} by this session (PID ${process.pid})`);
      return true;
    }
    return false;
  }

  /** Another process's operation on `project` (its lock, or its deploying row): said before asking, since the lock would refuse. */
  private heldElsewhere(project: string): string | null {
    const holder = this.model.lockHolder(project);
    if (holder) return `busy: ${holder}; a deploy now will be refused until it ends`;
    const other = this.model.selected()?.deploying;
    return other ? `busy: deploying ${other.ref}${other.pid ? ` (PID ${other.pid}` : ' ('}${other.by ? `, by ${other.by}` : ''}); a deploy now will be refused until it ends` : null;
  }

  /** `ref` given (the command line's :deploy v2): no picker, the same preview and confirmation. */
  async deploy(project: string, given?: string): Promise<void> {
    if (this.refuseIfBusy(project)) return;
    const ref = given ?? (await this.pickRef(project));
    if (ref === null) return;
    // A ref typed at the command line or in the picker goes into the tagged status bar: literal text only.
    this.say(`checking ${tagSafe(ref)}…`);
    const pv = await this.model.preview(project, ref);
    const tone = this.view.theme.tone;
    // The same lines as `otterstack plan`; all of it comes from the repository, git or the engine:
    // literal text only, never tags.
    const lines = [`Deploy {bold}${tagSafe(ref)}{/bold} (${shortSha(pv.sha)}) to ${project}`, ''];
    for (const l of planLines(pv)) lines.push(l.tone ? tone(l.tone, tagSafe(l.text)) : tagSafe(l.text));
    const held = this.heldElsewhere(project);
    if (held) lines.push('', tone('warn', tagSafe(held)));
    if (!(await this.dialogs.confirm(`Deploy ${project}`, lines))) return;
    this.started(this.model.deploy(project, ref), `deploying ${tagSafe(ref)} to ${project}…`, `deployed ${tagSafe(ref)} to ${project}`);
  }

  private async pickRef(project: string): Promise<string | null> {
    const sel = this.model.selected();
    const [refs, history] = await Promise.all([this.model.refs(project), this.model.recentHistory(project)]);
    const choices = refChoices(refs, sel?.active, history, this.view.theme.unicode);
    const choice = await this.dialogs.pick(
      `Deploy ${project}`,
      choices.map((c) => c.label),
      { typeLabel: 'type a ref (tag, branch or SHA)…', warning: this.heldElsewhere(project) ?? undefined },
    );
    if (!choice) return null;
    return 'typed' in choice ? choice.typed : choices[choice.index]!.ref.name;
  }

  /** `sha` given (:rollback abc1234): one of the same targets, by SHA prefix; the same confirmation. */
  async rollback(project: string, sha?: string): Promise<void> {
    if (this.refuseIfBusy(project)) return;
    const active = this.model.selected()?.active;
    const seen = new Set<string>();
    const targets = (await this.model.recentHistory(project)).filter((d) => {
      if (!['inactive', 'rolled_back'].includes(d.status) || d.git_sha === active?.git_sha || seen.has(d.git_sha)) return false;
      seen.add(d.git_sha);
      return true;
    });
    if (targets.length === 0) return this.dialogs.error(`no earlier good release of ${project} to roll back to`);
    let target = targets[0]!;
    if (sha !== undefined) {
      const matching = targets.filter((d) => d.git_sha.startsWith(sha.toLowerCase()));
      if (matching.length !== 1) return this.dialogs.error(matching.length ? `${sha} matches ${matching.length} releases of ${project}: give more of the SHA` : `no earlier good release of ${project} at ${sha}`);
      target = matching[0]!;
    } else {
      const choice = await this.dialogs.pick(
        `Roll back ${project}`,
        targets.map((d) => `${shortSha(d.git_sha)}  ${(d.git_ref ?? '-').padEnd(20)} ${d.status.padEnd(11)} ${formatAge(d.started_at, Date.now())}`),
      );
      if (!choice || !('index' in choice)) return;
      target = targets[choice.index]!;
    }
    if (!(await this.dialogs.confirm(`Roll back ${project}`, [`Roll back to ${tagSafe(target.git_ref ?? '')} (${shortSha(target.git_sha)})?`]))) return;
    this.started(this.model.rollback(project, target.git_sha), `rolling back ${project}…`, `rolled ${project} back to ${shortSha(target.git_sha)}`);
  }

  /** The Environment view: masked variables; set (value typed hidden), reveal one, unset; then offer to redeploy. */
  private async env(project: string): Promise<void> {
    const { vars, version } = await this.model.envList(project);
    const width = Math.max(4, ...vars.map((v) => v.key.length));
    const items = ['+ set a variable', ...vars.map((v) => `${v.key.padEnd(width)}  ${v.value}${v.services.length ? `  services: ${v.services.join(', ')}` : ''}`)];
    const choice = await this.dialogs.pick(`Environment of ${project} (config v${version})`, items);
    if (!choice || !('index' in choice)) return;
    if (choice.index === 0) {
      const key = await this.dialogs.ask(`Set a variable of ${project}`, 'Name:');
      if (!key) return;
      return this.setVariable(project, key);
    }
    const key = vars[choice.index - 1]!.key;
    const act = await this.dialogs.pick(key, ['set a new value', 'reveal the value', 'unset']);
    if (!act || !('index' in act)) return;
    if (act.index === 0) return this.setVariable(project, key);
    if (act.index === 1) {
      const shown = (await this.model.envList(project, true)).vars.find((v) => v.key === key);
      return this.dialogs.info(`${key} of ${project}`, [tagSafe(shown?.value ?? '')]);
    }
    if (!(await this.dialogs.confirm(`Unset ${key}`, [`Remove ${tagSafe(key)} from ${project}'s configuration?`]))) return;
    await this.afterConfigChange(project, await this.model.envUnset(project, key));
  }

  private async setVariable(project: string, key: string): Promise<void> {
    const value = await this.dialogs.ask(`Set ${key} of ${project}`, 'Value (typed hidden):', '', { secret: true });
    if (value === null) return;
    await this.afterConfigChange(project, await this.model.envSet(project, key, value));
  }

  private async afterConfigChange(project: string, change: { version: number; changes: string }): Promise<void> {
    if (!change.changes) return this.say(`${project}: nothing changed`);
    const lines = [`config v${change.version}: ${tagSafe(change.changes)}`, '', 'Redeploy the running release now to apply it?', 'It starts next to the current release, which keeps serving if it fails.'];
    if (!(await this.dialogs.confirm(`Redeploy ${project}?`, lines))) return this.say(`config v${change.version} applies from the next deploy`);
    if (this.refuseIfBusy(project)) return;
    this.started(this.model.redeployConfig(project), `redeploying ${project} with config v${change.version}…`, `${project} runs with config v${change.version}`);
  }

  /** `keep` given (:prune 3): not asked. */
  async prune(project: string, given?: number): Promise<void> {
    if (this.refuseIfBusy(project)) return;
    const keepText = given !== undefined ? String(given) : await this.dialogs.ask(`Prune ${project}`, 'Releases to keep (the active one included):', String(this.model.ctx.settings.get('worktreeRetention')));
    if (keepText === null) return;
    const keep = Number(keepText);
    if (!Number.isInteger(keep) || keep < 1) return this.dialogs.error(`invalid number of releases to keep: ${keepText}: give a whole number, 1 or more`);
    // What goes, before anything does: the operator confirms the list.
    const plan = await this.model.prunePreview(project, keep);
    const lines = prunePlanLines(plan, keep).map(tagSafe);
    if (plan.releases.length + plan.networks.length + plan.worktrees.length + plan.historyRows.length + plan.logs.length === 0) return this.dialogs.info(`Prune ${project}`, prunePlanLines(plan, keep));
    if (!(await this.dialogs.confirm(`Prune ${project}?`, lines))) return this.say('prune cancelled: nothing removed');
    this.started(this.model.prune(project, keep), `pruning ${project}…`, `pruned ${project}: ${plan.releases.length} release(s), ${plan.worktrees.length} worktree(s) removed`);
  }

  async remove(project: string): Promise<void> {
    if (this.refuseIfBusy(project)) return;
    const typed = await this.dialogs.ask(`Remove ${project}`, `Type {bold}${project}{/bold} to confirm removal:`);
    if (typed === null) return;
    if (typed.trim() !== project) return this.dialogs.error(`name did not match (${JSON.stringify(typed)}): nothing removed`);
    const modes = ['containers', 'all', 'none'] as const;
    const choice = await this.dialogs.pick(`Remove ${project}: what to clean up`, [
      'containers — releases and worktrees (keep volumes and data)',
      'all        — also volumes, persistent data and logs',
      'none       — only forget the project, leave everything running',
    ]);
    if (!choice || !('index' in choice)) return;
    const mode = modes[choice.index]!;
    this.started(this.model.remove(project, mode), `removing ${project} (${mode})…`, `removed ${project} (${mode === 'none' ? 'forgotten only; its containers still run' : mode === 'all' ? 'with its volumes and data' : 'its volumes and data kept'})`);
  }

  /**
   * Asks until `check` accepts the answer (or the operator cancels): each field of a form is checked
   * as it is entered, and a rejected answer comes back to be corrected, not typed again.
   */
  private async askChecked(title: string, prompt: string, check: (value: string) => Promise<unknown>, initial = ''): Promise<string | null> {
    let value = initial;
    for (;;) {
      const answer = await this.dialogs.ask(title, prompt, value);
      if (answer === null) return null;
      value = answer.trim();
      try {
        await check(value);
        return value;
      } catch (err) {
        await this.dialogs.error(toOtterError(err).message);
      }
    }
  }

  private async add(): Promise<void> {
    const name = await this.askChecked('Add project', 'Name (lowercase letters, digits and -):', (v) => this.model.checkName(v));
    if (name === null) return;
    const repo = await this.askChecked('Add project', 'Git repository (local path, https:// or SSH URL):', (v) => this.model.checkRepository(v));
    if (repo === null) return;
    const composeFile = await this.dialogs.ask('Add project', 'Compose file (empty = auto-detect):');
    if (composeFile === null) return;
    this.say(`adding ${name}…`);
    await this.model.add({ name, repo, composeFiles: composeFile.trim() ? [composeFile.trim()] : undefined });
    this.say(`added ${name}: press d to deploy it`);
  }

  /** A background operation started: says so now, and how it ended once it has (the start message would otherwise linger). */
  private started(op: OperationState, now: string, success: string): void {
    this.say(now);
    void op.done.then(() => this.say(op.error ? `${op.label} of ${op.project} failed: ${op.error}` : success));
  }

  async confirmQuit(): Promise<boolean> {
    const running = this.model.runningOperations();
    if (running.length === 0) return true;
    return this.dialogs.confirm('Quit', [
      `${running.length} operation(s) still running: ${running.map((o) => `${o.label} of ${o.project}`).join(', ')}.`,
      'Quitting interrupts them; each undoes itself and the previous release keeps serving.',
    ]);
  }
}

type ScrollKey = 'up' | 'down' | 'pageUp' | 'pageDown' | 'top' | 'bottom';
const SCROLL_KEYS: readonly Action[] = ['up', 'down', 'pageUp', 'pageDown', 'top', 'bottom'];
function isScrollKey(action: Action): action is ScrollKey {
  return SCROLL_KEYS.includes(action);
}
