import type { DashboardModel } from './model/dashboard.js';
import { completeCommand, completionProject, parseCommand, VERBS, type Command, type CommandContext } from './model/command-line.js';
import type { DashboardView } from './views/dashboard-view.js';
import type { Completer, DialogHost } from './views/dialogs.js';

/** The controller's flows the command line runs: the very ones the keys run (same dialogs, same checks). */
export interface CommandFlows {
  deploy(project: string, ref?: string): Promise<void>;
  rollback(project: string, sha?: string): Promise<void>;
  prune(project: string, keep?: number): Promise<void>;
  remove(project: string): Promise<void>;
}

/** `:` (k9s): one line with a headless verb, Tab completion, then the same flow as its key. */
export class CommandLine {
  constructor(
    private readonly model: DashboardModel,
    private readonly view: DashboardView,
    private readonly dialogs: DialogHost,
    private readonly flows: CommandFlows,
    private readonly quit: () => void,
  ) {}

  private context(): CommandContext {
    return { projects: this.model.statuses.map((s) => s.project.name), selected: this.model.selected()?.project.name ?? null };
  }

  async open(): Promise<void> {
    // Refs are read from git once per project while the line is open.
    const refs = new Map<string, Promise<string[]>>();
    const refsOf = (project: string | null) => {
      if (!project) return Promise.resolve([]);
      if (!refs.has(project)) refs.set(project, this.model.refs(project).then((list) => list.map((r) => r.name), () => []));
      return refs.get(project)!;
    };
    const complete: Completer = async (value) => {
      const done = completeCommand(value, this.context(), await refsOf(completionProject(value, this.context())));
      return { text: done.text, hint: done.candidates.length > 0 ? done.candidates.join('  ') : undefined };
    };
    const text = await this.dialogs.ask('Command', 'A command (:help lists them):', '', { complete });
    if (text === null) return;
    const parsed = parseCommand(text, this.context());
    if (!parsed) return;
    if ('error' in parsed) return this.dialogs.error(parsed.error);
    return this.run(parsed.command);
  }

  private async run(cmd: Command): Promise<void> {
    switch (cmd.verb) {
      case 'help':
        return this.dialogs.info('Commands', [...VERBS.filter((v) => v.usage).map((v) => `:${v.usage}`), '', 'Without a project they act on the selected one; Tab completes verbs, projects and refs.']);
      case 'quit':
        // After this flow's dialog session has ended: quitting opens its own.
        setImmediate(this.quit);
        return;
    }
    await this.select(cmd.project);
    switch (cmd.verb) {
      case 'deploy':
        return this.flows.deploy(cmd.project, cmd.ref ?? undefined);
      case 'rollback':
        return this.flows.rollback(cmd.project, cmd.sha ?? undefined);
      case 'prune':
        return this.flows.prune(cmd.project, cmd.keep ?? undefined);
      case 'remove':
        return this.flows.remove(cmd.project);
      case 'logs':
        this.view.openFullLogs(cmd.project);
        return;
    }
  }

  /**
   * A named project becomes the selected one, as if moved to: the panes, the progress view and
   * the flows (rollback picks from the selected project's history) then show that project.
   */
  private async select(project: string): Promise<void> {
    if (this.model.selected()?.project.name === project) return;
    if (!this.model.visible().some((s) => s.project.name === project)) this.model.setFilter('');
    this.model.selectName(project);
    // A refresh already running may have read the previous selection's history: one after it reads this one's.
    await this.model.refresh();
    await this.model.refresh();
  }
}
