import type { ChildProcess } from 'node:child_process';
import { containerState, inspectContainer, restartContainer, shellCommand, toggleContainer } from '../services/containers.js';
import type { ContainerInfo } from '../services/commands/engine.js';
import { toOtterError } from '../services/errors.js';
import { containersWithShared } from '../render/rows.js';
import { tagSafe } from '../render/format.js';
import type { DashboardModel } from './model/dashboard.js';
import type { Action } from './keys.js';
import type { DashboardView } from './views/dashboard-view.js';
import type { DialogHost } from './views/dialogs.js';

export type ContainerAction = 'restartContainer' | 'toggleContainer' | 'shell' | 'inspect';
const ACTIONS: readonly Action[] = ['restartContainer', 'toggleContainer', 'shell', 'inspect'];

export function isContainerAction(action: Action): action is ContainerAction {
  return ACTIONS.includes(action);
}

/**
 * The Containers pane's keys (k9s: R, T, s, i): act on the container selected there. The engine
 * calls are services (services/containers.ts); this only asks, reports, and hands the terminal to
 * a shell.
 */
export class ContainerActions {
  constructor(
    private readonly model: DashboardModel,
    private readonly view: DashboardView,
    private readonly dialogs: DialogHost,
  ) {}

  /** The status bar is a tagged box: service and container names (from compose) go in escaped. */
  private say(message: string): void {
    this.view.say(tagSafe(message));
    this.view.render(this.model);
  }

  async handle(action: ContainerAction): Promise<void> {
    if (this.view.focus !== 'containers') return this.say('select a container first (Tab to Containers)');
    const sel = this.model.selected();
    // A swarm project's rows are services whose tasks may run on any node, not containers of this engine.
    if (sel?.swarm) return this.say(`${sel.project.name} runs on a swarm: its services are managed by the swarm (docker service …); logs follow every task`);
    const index = (this.view.containers.list as unknown as { selected: number }).selected;
    const container = sel ? containersWithShared(sel)[index] : undefined;
    if (!sel || !container) return this.say('no container selected');
    const project = sel.project.name;
    switch (action) {
      case 'restartContainer':
        if (this.refuseIfBusy(project)) return;
        return this.background(`restarting ${container.service}…`, `restarted ${container.service}`, () => restartContainer(this.model.ctx, project, container.id));
      case 'toggleContainer':
        return this.toggle(project, container);
      case 'shell':
        return this.shell(project, container);
      case 'inspect': {
        this.say(`inspecting ${container.service}…`);
        const lines = await inspectContainer(this.model.ctx, project, container.id);
        return this.dialogs.info(tagSafe(`${container.service} — ${container.name}`), lines);
      }
    }
  }

  /** A deploy, rollback or prune of this session may be stopping or replacing these very containers. */
  private refuseIfBusy(project: string): boolean {
    const op = this.model.operationFor(project);
    if (!op || op.finishedAt !== null) return false;
    void this.dialogs.error(`project ${project} is busy: ${op.label} is running; try again when it is done`);
    return true;
  }

  private async toggle(project: string, c: ContainerInfo): Promise<void> {
    if (this.refuseIfBusy(project)) return;
    const { state } = await containerState(this.model.ctx, project, c.id);
    const verb = state.running ? 'Stop' : 'Start';
    const lines = [
      `${verb} {bold}${tagSafe(c.service)}{/bold} (${tagSafe(c.name)}) of ${project}?`,
      `it is ${tagSafe(state.status)} now${state.running ? '; the release stays down until it is started again (T)' : ''}`,
    ];
    if (!(await this.dialogs.confirm(`${verb} ${tagSafe(c.service)}`, lines))) return;
    const done = state.running ? 'stopped' : 'started';
    return this.background(`${verb === 'Stop' ? 'stopping' : 'starting'} ${c.service}…`, `${done} ${c.service}`, () => toggleContainer(this.model.ctx, project, c.id));
  }

  /**
   * The engine call runs in the background: the dashboard keeps its keys while a stop waits for
   * the container to exit. The outcome goes to the status bar, an error to a dialog.
   */
  private background(doing: string, done: string, work: () => Promise<unknown>): void {
    this.say(doing);
    void work().then(
      () => this.say(done),
      (err) => this.dialogs.background(`${doing.replace('…', '')} failed: ${toOtterError(err).message}`),
    ).finally(() => void this.model.refresh());
  }

  /**
   * `docker exec -it <id> sh` on the terminal (k9s' s): blessed leaves the alternate screen and
   * hands over the keyboard (screen.spawn), and on exit takes them back and redraws every cell.
   */
  private async shell(project: string, c: ContainerInfo): Promise<void> {
    const argv = await shellCommand(this.model.ctx, project, c.id);
    // Until docker puts the terminal in raw mode, a Ctrl-C would interrupt this process too.
    const ignore = () => {};
    process.on('SIGINT', ignore);
    // blessed's spawn leaves the alternate screen through its output buffer, which is flushed on the
    // next tick, after spawn has muted the output: the shell would draw over the dashboard. So
    // leave it here, written at once.
    const program = this.view.screen.program as unknown as { flush(): void; normalBuffer(): void; showCursor(): void };
    program.flush();
    program.normalBuffer();
    program.showCursor();
    program.flush();
    try {
      const failed = await new Promise<Error | null>((resolve) => {
        const child = this.view.screen.spawn(argv[0]!, argv.slice(1), {}) as unknown as ChildProcess;
        child.once('error', (err) => resolve(err));
        child.once('exit', () => resolve(null));
      });
      if (failed) throw failed;
    } finally {
      process.removeListener('SIGINT', ignore);
      this.view.screen.realloc();
      this.view.render(this.model);
    }
    this.say(`left the shell in ${c.service}`);
  }
}
