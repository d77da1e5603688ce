/**
 * Deploys that webhooks ask for (#19), one at a time per project. A push that arrives while the
 * project deploys does not queue a deploy of its own: it marks the project for one more run, which
 * fetches and deploys the newest head then. So any number of pushes during a deploy give at most
 * one follow-up deploy, and it ends on the newest commit.
 */
export class HookDeployQueue {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(private readonly run: (project: string) => Promise<void>) {}

  /** Asks for a deploy of the project's followed branch (now, or after the one running). */
  push(project: string): void {
    if (this.running.has(project)) {
      this.again.add(project);
      return;
    }
    const loop = (async () => {
      do {
        this.again.delete(project);
        await this.run(project).catch(() => undefined);
      } while (this.again.has(project));
    })().finally(() => this.running.delete(project));
    this.running.set(project, loop);
  }

  /** Resolves when nothing runs or waits (for a clean stop, and for tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }
}
