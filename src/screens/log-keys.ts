import { LOG_WINDOWS } from '../services/logs.js';
import { tagSafe } from '../render/format.js';
import type { DashboardModel } from './model/dashboard.js';
import { inLogs, LOG_ACTIONS, type Action } from './keys.js';
import type { DashboardView } from './views/dashboard-view.js';
import type { DialogHost } from './views/dialogs.js';
import type { LogScroll } from './views/log-scroll.js';

/**
 * The keys of the container logs (wrap, timestamps, since, service, search): in the full-screen
 * logs, or in the Logs pane when it has the focus. Kept out of controller.ts, which only asks this first.
 */
export class LogKeys {
  constructor(
    private readonly model: DashboardModel,
    private readonly view: DashboardView,
    private readonly dialogs: DialogHost,
  ) {}

  /** Whether `action` is a log key here: w, t, o, v, N anywhere (refused outside the logs), / and n in the logs. */
  claims(action: Action): boolean {
    return LOG_ACTIONS.includes(this.view.logScroll() ? inLogs(action) : action);
  }

  /** Runs a claimed action. */
  async run(action: Action): Promise<void> {
    const scroll = this.view.logScroll();
    if (!scroll) return this.view.say('a log key: in the Logs pane (Tab to it) or the full-screen logs (l)');
    const act = inLogs(action);
    const state = this.model.logView;
    switch (act) {
      case 'wrap':
        state.wrap = !state.wrap;
        break;
      case 'timestamps':
        state.timestamps = !state.timestamps;
        break;
      case 'since':
        await this.pickWindow();
        break;
      case 'service':
        await this.pickService();
        break;
      case 'search':
        await this.search(scroll);
        break;
      case 'nextMatch':
      case 'prevMatch':
        this.next(scroll, act === 'nextMatch' ? 1 : -1);
        break;
    }
  }

  private async pickWindow(): Promise<void> {
    const current = this.model.logView.window;
    const choice = await this.dialogs.pick(
      'Logs since',
      LOG_WINDOWS.map((w) => `${w === current ? '●' : ' '} ${w.label}`),
      { hint: 'Enter select   Esc cancel   (at most the newest 2000 lines are kept)' },
    );
    if (choice && 'index' in choice) this.model.setLogStream({ window: LOG_WINDOWS[choice.index]! });
  }

  private async pickService(): Promise<void> {
    const { services, service } = this.model.logView;
    const items = [null, ...services];
    const choice = await this.dialogs.pick('Logs of', items.map((s) => `${s === service ? '●' : ' '} ${s ?? 'all services'}`));
    if (choice && 'index' in choice) this.model.setLogStream({ service: items[choice.index]! });
  }

  /** Asks for the text, then marks the first line containing it from the top of the view on (wrapping), and pauses there. */
  private async search(scroll: LogScroll): Promise<void> {
    const state = this.model.logView;
    // Empty to start (like less): n/N go on with the last text without asking.
    const term = await this.dialogs.ask('Search the logs', 'Find lines containing (empty: clear the search):');
    if (term === null) return;
    if (!term.trim()) {
      state.search = '';
      state.matchLine = null;
      return;
    }
    this.show(state.find(this.model.logs, this.model.logsDropped, term, scroll.topLine(), 1), scroll);
  }

  private next(scroll: LogScroll, dir: 1 | -1): void {
    const state = this.model.logView;
    if (!state.search) return this.view.say('no search yet: / searches the logs');
    this.show(state.next(this.model.logs, this.model.logsDropped, scroll.topLine(), dir), scroll);
  }

  private show(line: number | null, scroll: LogScroll): void {
    if (line === null) this.view.say(`not found in the logs: ${tagSafe(this.model.logView.search)}`);
    else scroll.reveal(line);
  }
}
