/**
 * What every attempt to bring up a release shares, whichever target runs it (ReleaseRun: compose on
 * this engine; SwarmRun: a Docker Swarm stack): its `deploying` row, the abort check, whether its
 * hooks run, and how success and failure are recorded.
 */
import type { DeployTarget, Deployment, Project } from '../db/schema.js';
import type { ServiceContext } from './context.js';
import type { DeployRequest } from './deploy.js';
import { OtterError, toOtterError } from './errors.js';
import type { Progress } from './events.js';
import type { OperationLogger } from './oplog.js';
import type { LoadedConfig } from './project-env.js';
import type { PreparedRelease } from './release.js';
import { projectComposeInputs } from './compose-inputs.js';
import { redact } from './redact.js';
import { writeAfterSwitch } from './state-retry.js';

export abstract class ReleaseAttempt {
  prepared: PreparedRelease | null = null;
  protected deployment: Deployment | null = null;
  /** For history: shared services changed, hooks skipped or failed. */
  protected readonly notes: string[] = [];

  constructor(
    protected readonly ctx: ServiceContext,
    protected readonly project: Project,
    protected readonly ref: string,
    protected readonly sha: string,
    protected readonly cp: string,
    protected readonly previous: Deployment | null,
    protected readonly progress: Progress,
    protected readonly req: Omit<DeployRequest, 'ref'>,
    protected readonly log: OperationLogger,
    protected readonly config: LoadedConfig,
  ) {}

  abstract execute(): Promise<Deployment>;

  protected get worktree(): string {
    return this.ctx.paths.worktree(this.project.name, this.sha);
  }

  protected checkAbort(): void {
    if (this.req.signal?.aborted) throw new OtterError('interrupted', `${this.req.action ?? 'deploy'} interrupted by signal`);
  }

  /** The release's `deploying` row: what cleanup finds if this process dies. */
  protected async insertDeploying(target: DeployTarget): Promise<Deployment> {
    this.deployment = await this.ctx.store.deployments.insert({
      project_id: this.project.id,
      git_sha: this.sha,
      git_ref: this.ref,
      action: this.req.action ?? 'deploy',
      compose_project: this.cp,
      worktree_path: this.worktree,
      status: 'deploying',
      pid: process.pid,
      previous_deployment_id: this.previous?.id ?? null,
      started_at: Date.now(),
      config_version: this.config.version || null,
      invoked_by: this.ctx.invokedBy,
      compose_inputs: JSON.stringify(projectComposeInputs(this.project)),
      target,
    });
    return this.deployment;
  }

  /** Whether this run runs the release's hooks; says why not when it does not. */
  protected hooksWanted(): boolean {
    const hooks = this.prepared?.hooks ?? {};
    if (Object.keys(hooks).length === 0) return false;
    if (this.req.skipHooks) {
      this.progress.warning(`--skip-hooks: not running ${Object.keys(hooks).join(', ')}`);
      if (!this.notes.includes('hooks skipped (--skip-hooks)')) this.notes.push('hooks skipped (--skip-hooks)');
      return false;
    }
    if (this.req.action === 'rollback' && !this.req.runHooks) {
      this.progress.stage('hook', `a rollback runs no hooks (not running ${Object.keys(hooks).join(', ')}): pass --run-hooks to run them`);
      return false;
    }
    return true;
  }

  /** The new release serves and the old one is retired: record it, never undo it (state-retry.ts). */
  protected async recordActive(deployment: Deployment, message: string): Promise<Deployment> {
    const { ctx, progress } = this;
    const what = `${this.cp} as active`;
    // Rolling back demotes the release we leave to `rolled_back`, so history shows why it stopped.
    await writeAfterSwitch(what, progress, () => ctx.store.deployments.finish(deployment.id, 'active', null, this.req.action === 'rollback' ? 'rolled_back' : 'inactive'));
    if (this.notes.length > 0) await writeAfterSwitch(what, progress, () => ctx.store.deployments.setNotes(deployment.id, redact(this.notes.join('; '))));
    progress.stage('done', message);
    await writeAfterSwitch(what, progress, () => this.log.finish('success', message, deployment.id));
    return (await writeAfterSwitch(what, progress, () => ctx.store.deployments.byId(deployment.id)))!;
  }

  /**
   * post_deploy runs after the switch: the release already serves, so a failure is reported (a
   * warning, a notification, a note in history) and never undoes the deploy.
   */
  protected async postDeployFailed(deployment: Deployment, err: unknown): Promise<void> {
    const message = toOtterError(err).message;
    this.progress.warning(`the release serves, but ${message}`);
    this.notes.push(`post_deploy failed: ${message}`);
    await writeAfterSwitch(`${this.cp} notes`, this.progress, () => this.ctx.store.deployments.setNotes(deployment.id, redact(this.notes.join('; '))));
    const { notify } = await import('./notify/notifier.js');
    await notify(this.ctx, this.project.id, {
      event: 'post_deploy_failed',
      project: this.project.name,
      severity: 'warning',
      message: `${this.ref} (${this.sha.slice(0, 7)}) serves, but ${message}`,
      ref: this.ref,
      sha: this.sha,
    }).catch(() => undefined);
  }

  /** undo()'s steps: each tried, a failure collected in `problems` rather than thrown. */
  protected attempter(problems: string[]): (what: string, fn: () => Promise<unknown>) => Promise<void> {
    return async (what, fn) => {
      try {
        await fn();
      } catch (err) {
        problems.push(`${what}: ${toOtterError(err).message}`);
      }
    };
  }

  /** The end of undo(): the row and the operation log say failed or interrupted, and why. Never throws. */
  protected async recordFailure(cause: OtterError, problems: string[]): Promise<void> {
    const attempt = this.attempter(problems);
    const status = cause.kind === 'interrupted' ? 'interrupted' : 'failed';
    const message = problems.length > 0 ? `${cause.message} (cleanup: ${problems.join('; ')})` : cause.message;
    if (this.deployment) await attempt('record status', () => this.ctx.store.deployments.finish(this.deployment!.id, status, redact(message)));
    if (this.deployment && this.notes.length > 0) await attempt('record notes', () => this.ctx.store.deployments.setNotes(this.deployment!.id, redact(this.notes.join('; '))));
    await this.log.finish(status, message, this.deployment?.id);
  }
}
