/**
 * Deploys that webhooks ask for (#19), one at a time per project. A push that arrives while the
 * project deploys does not queue a deploy of its own: it marks the project for one more run, which
 * fetches and deploys the newest head then. So any number of pushes during a deploy give at most
 * one follow-up deploy, and it ends on the newest commit.
 */
export class HookDeployQueue {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  /**
   * `run` returns 'retry' when it could not decide now (the project busy with another operation, a
   * fetch that failed): the project is looked at again after `retryMs`, since no poll will.
   */
  constructor(
    private readonly run: (project: string) => Promise<'done' | 'retry' | void>,
    private readonly retryMs = 5_000,
  ) {}

  /** Asks for a deploy of the project's followed branch (now, or after the one running). */
  push(project: string): void {
    if (this.running.has(project)) {
      this.again.add(project);
      return;
    }
    const loop = (async () => {
      let outcome: 'done' | 'retry' | void = 'done';
      do {
        this.again.delete(project);
        outcome = await this.run(project).catch(() => 'retry' as const);
      } while (this.again.has(project));
      if (outcome === 'retry' && !this.stopped) {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (!this.stopped) this.push(project);
        }, this.retryMs);
        this.timers.add(timer);
      }
    })().finally(() => this.running.delete(project));
    this.running.set(project, loop);
  }

  /** No more retries; what runs finishes (await idle()). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Resolves when nothing runs or waits (for a clean stop, and for tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }
}
