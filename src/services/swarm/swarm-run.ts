/**
 * DESIGN (docs/swarm.md): one attempt to bring up a release of a swarm project (issue #20), with
 * what is needed to undo it. The same lock, fetch, resolve, worktree, validation (prepareRelease),
 * configuration and hooks as a compose release; then: build and push images, render the stack file
 * (stack-render.ts), `docker stack deploy` as stack otterstack-<project>, and the health gate
 * (swarm-gate.ts). A failure puts the previous release's stack file back (the swarm has usually
 * rolled the failed services back already), or removes the stack when there was none.
 */
import fs from 'node:fs';
import type { Deployment } from '../../db/schema.js';
import type { SwarmInfo } from '../commands/swarm.js';
import type { ServiceContext } from '../context.js';
import { OtterError, toOtterError } from '../errors.js';
import { redact } from '../redact.js';
import { checkoutWorktree, ensurePinnedVolumes, prepareRelease, releaseKey, removeGeneratedFiles, sleepUntil, stopRelease, startRelease, type PreparedRelease } from '../release.js';
import { buildImages } from '../image-build.js';
import { mostUsefulLine } from '../commands/exec.js';
import { ReleaseAttempt } from '../release-attempt.js';
import { writeGeneratedFile } from '../paths.js';
import { releaseStack } from './release-stack.js';
import { expectedReleases, waitForStack } from './swarm-gate.js';
import { runSwarmHook } from './swarm-hooks.js';
import { swarmImageTag } from './swarm-settings.js';
import { requireManager, stackName } from './swarm-state.js';
import { detachProxyFromStack, routedNetworks, routeStackThroughProxy } from './swarm-proxy.js';
import { readyProxyRoutes } from '../proxy/proxy-ready.js';
import type { ProxyRoute } from '../proxy-routes.js';

export class SwarmRun extends ReleaseAttempt {
  private createdWorktree = false;
  /** The stack was handed to the swarm: undo must put the previous file back (or remove the stack). */
  private deployed = false;
  /** The previous release ran on compose (the project moved to swarm): stopped, started again on failure. */
  private stoppedCompose = false;
  private doc: Record<string, unknown> | null = null;
  /** Proxy strategy: the project's routes (the proxy joins the stack's network once the stack is healthy). */
  private routes: ProxyRoute[] | null = null;

  /** The swarm as runLocked found it before the lock (a manager: checked there). */
  private swarm: SwarmInfo | null = null;

  /** The swarm this run deploys to, as runLocked's manager check read it. */
  on(swarm: SwarmInfo): this {
    this.swarm = swarm;
    return this;
  }

  private get stack(): string {
    return stackName(this.project.name);
  }

  private get stackFile(): string {
    return this.ctx.paths.stackFile(this.project.name, releaseKey(this.cp));
  }

  async execute(): Promise<Deployment> {
    const { ctx, project, progress } = this;
    // Before anything is recorded or checked out: a non-manager cannot deploy a stack at all.
    const swarm = this.swarm ?? (await requireManager(ctx, project.name));
    if (project.strategy === 'proxy') this.routes = (await readyProxyRoutes(ctx, project)).routes;
    const deployment = await this.insertDeploying('swarm');
    try {
      const services = (await this.keptStackFile()) ?? (await this.prepareStack(swarm.nodes));
      await this.stopComposePrevious();
      progress.stage('start', `docker stack deploy ${this.stack} (${this.cp}) on a swarm of ${swarm.nodes} node${swarm.nodes === 1 ? '' : 's'}`);
      const since = Date.now();
      this.deployed = true;
      await this.deployFile(this.stackFile);
      const timeoutSeconds = this.req.timeoutSeconds ?? ctx.settings.get('healthTimeoutSeconds');
      progress.stage('health', `waiting up to ${timeoutSeconds}s for ${services.join(', ')} to run ${this.cp} (healthy, start-first)`);
      await waitForStack(ctx, this.stack, expectedReleases(this.doc!), { timeoutMs: timeoutSeconds * 1000, signal: this.req.signal, progress, since });
      this.checkAbort();
      if (this.routes) await routeStackThroughProxy(ctx, project, this.stack, this.doc!, this.routes, this.cp, progress, this.req.signal);
    } catch (err) {
      const e = toOtterError(err);
      await this.undo(e);
      throw e;
    }
    const recorded = await this.record(deployment);
    await this.postDeploy(recorded);
    return (await ctx.store.deployments.byId(recorded.id)) ?? recorded;
  }

  /**
   * Rollback (or a redeploy) of a release whose stack file is kept: deployed as it was, images by
   * their tags, no checkout. Hooks need the release's files: --run-hooks takes the full path.
   */
  private async keptStackFile(): Promise<string[] | null> {
    if (this.req.runHooks || !fs.existsSync(this.stackFile)) return null;
    const { parse } = await import('../yaml.js');
    this.doc = parse(fs.readFileSync(this.stackFile, 'utf8')) as Record<string, unknown>;
    this.checkRoutes(this.doc);
    const services = Object.keys((this.doc.services ?? {}) as object);
    this.progress.stage('start', `deploying the kept stack file of ${this.cp} (${services.join(', ')})${this.req.action === 'rollback' ? '; a rollback runs no hooks' : ''}`);
    return services;
  }

  private async prepareStack(nodes: number): Promise<string[]> {
    const { ctx, project, progress } = this;
    const created = await checkoutWorktree(ctx, project, this.sha, () => {
      progress.stage('worktree', `checking out ${this.sha.slice(0, 7)} into ${this.worktree}`);
      this.createdWorktree = true;
    });
    if (!created) progress.stage('worktree', `reusing worktree ${this.worktree}`);
    this.checkAbort();
    progress.stage('validate', 'validating compose file');
    const prepared = await prepareRelease(ctx, project, this.sha, this.worktree, `${this.ref} (${this.sha.slice(0, 7)})`, null, this.config, this.cp);
    this.prepared = prepared;
    for (const n of prepared.notes) progress.stage('validate', n);
    for (const w of prepared.warnings) progress.warning(w);
    if (prepared.built.length > 0 && nodes > 1 && !project.registry) {
      throw new OtterError('usage', `the swarm has ${nodes} nodes and ${project.name} builds ${prepared.built.map((b) => b.service).join(', ')}: the other nodes need the images from a registry: otterstack project set ${project.name} --registry HOST[:PORT]`);
    }
    const doc = await this.render(prepared);
    this.checkAbort();
    if (prepared.built.length > 0) {
      const tags = prepared.built.map((b) => b.tag);
      const pushed = project.registry ? prepared.built.map((b) => swarmImageTag(project.registry, project.name, b.service, releaseKey(this.cp))) : [];
      // Recorded before building: a failed release's images are pruned with it.
      await ctx.store.deployments.setBuiltImages(this.deployment!.id, [...tags, ...pushed]);
      await buildImages(ctx, prepared.target, prepared.built, { noCache: this.req.noCache, pullBase: this.req.pullBase, signal: this.req.signal, timeoutMs: ctx.settings.get('buildTimeoutSeconds') * 1000 }, progress);
      this.checkAbort();
      for (const [i, b] of prepared.built.entries()) {
        if (!project.registry) continue;
        progress.stage('build', `pushing ${pushed[i]}`);
        await ctx.swarm.tag(b.tag, pushed[i]!);
        await ctx.swarm.push(pushed[i]!, { signal: this.req.signal, timeoutMs: ctx.settings.get('buildTimeoutSeconds') * 1000, onOutput: (c) => c.split('\n').filter((l) => l.trim()).forEach((l) => progress.output(l.trim())) });
        this.checkAbort();
      }
    }
    // This node's copy of each pinned volume; on other nodes the engine creates it where a task lands.
    await ensurePinnedVolumes(ctx, project, prepared);
    const preDeploy = prepared.hooks.pre_deploy;
    if (preDeploy && this.hooksWanted()) {
      await runSwarmHook(ctx, project.name, this.stack, doc, preDeploy, ctx.paths.projectWorktrees(project.name), progress, this.req.signal);
      this.checkAbort();
    }
    return Object.keys((doc.services ?? {}) as object);
  }

  /** The stack file of this release (release-stack.ts); values interpolated, so readable by its owner only. */
  private async render(prepared: PreparedRelease): Promise<Record<string, unknown>> {
    const doc = await releaseStack(this.ctx, this.project, prepared, this.cp, this.req.timeoutSeconds ?? this.ctx.settings.get('healthTimeoutSeconds'), this.progress);
    const { stringify } = await import('../yaml.js');
    writeGeneratedFile(this.stackFile, `# generated by otterstack for docker stack deploy (${this.cp}); do not edit\n${stringify(doc)}`, 0o600);
    this.doc = doc;
    this.checkRoutes(doc);
    return doc;
  }

  /** Every route names a service of the stack: refused before anything is built, pushed or started. */
  private checkRoutes(doc: Record<string, unknown>): void {
    if (this.routes) routedNetworks(this.stack, doc, this.routes);
  }

  private deployFile(file: string): Promise<void> {
    return deployStackFile(this.ctx, this.stack, file, { signal: this.req.signal, onLine: (l) => this.progress.output(l) });
  }

  /** The project moved from compose to swarm: its compose release holds the ports; stopped now, started again on failure. */
  private async stopComposePrevious(): Promise<void> {
    const prev = this.previous;
    if (!prev || prev.target === 'swarm') return;
    this.progress.warning(`${this.project.name} moves from compose to a swarm: stopping ${prev.compose_project} before the stack starts (a short outage this once)`);
    await stopRelease(this.ctx, prev.compose_project);
    this.stoppedCompose = true;
  }

  private record(deployment: Deployment): Promise<Deployment> {
    if (this.stoppedCompose && this.previous) {
      // The compose release is kept stopped (a rollback target); it never serves beside the stack.
      this.progress.stage('retire', `${this.previous.compose_project} stays stopped (compose); the stack ${this.stack} serves`);
    }
    return this.recordActive(deployment, `${this.cp} is active (${this.ref}) as swarm stack ${this.stack}`);
  }

  /** post_deploy runs after the switch: a failure is a warning and a note, never an undo. */
  private async postDeploy(deployment: Deployment): Promise<void> {
    const hook = this.prepared?.hooks.post_deploy;
    if (!hook || !this.doc || !this.hooksWanted()) return;
    try {
      await runSwarmHook(this.ctx, this.project.name, this.stack, this.doc, hook, this.ctx.paths.projectWorktrees(this.project.name), this.progress, this.req.signal);
    } catch (err) {
      await this.postDeployFailed(deployment, err);
    }
  }

  /** Leaves things as they were before this run, as far as possible; never throws. */
  private async undo(cause: OtterError): Promise<void> {
    const { ctx, project, progress } = this;
    progress.stage('cleanup', `${cause.kind === 'interrupted' ? 'interrupted' : 'failed'}: ${cause.message}`);
    const problems: string[] = [];
    const attempt = this.attempter(problems);
    const prev = this.previous?.target === 'swarm' ? this.previous : null;
    const prevFile = prev ? ctx.paths.stackFile(project.name, releaseKey(prev.compose_project)) : null;
    if (this.deployed && prev && prevFile && fs.existsSync(prevFile) && prev.compose_project !== this.cp) {
      // Usually the swarm has rolled the failed services back already; services that did update
      // (another one failed) go back too, and the gate says when the previous release serves again.
      progress.stage('restore', `deploying ${prev.compose_project} again (its kept stack file)`);
      await attempt('redeploy the previous release', async () => {
        const since = Date.now();
        await this.deployFile(prevFile);
        const { parse } = await import('../yaml.js');
        const expected = expectedReleases(parse(fs.readFileSync(prevFile, 'utf8')) as Record<string, unknown>);
        await waitForStack(ctx, this.stack, expected, { timeoutMs: ctx.settings.get('healthTimeoutSeconds') * 1000, progress, since });
      });
    } else if (this.deployed && !prev) {
      progress.stage('cleanup', `removing stack ${this.stack} (no earlier swarm release to go back to)`);
      await attempt('remove stack', () => removeStack(ctx, this.stack));
    } else if (this.deployed && prev && prev.compose_project !== this.cp) {
      // Never take down what serves: without its file, the swarm's own rollback is all there is.
      problems.push(`the stack file of ${prev.compose_project} is gone, so only the swarm's own rollback restored it: check otterstack status ${project.name}`);
    }
    if (this.stoppedCompose && this.previous) {
      progress.stage('restore', `starting ${this.previous.compose_project} (compose) again`);
      await attempt('restart previous release', () => startRelease(ctx, this.previous!.compose_project));
    }
    if (prev?.compose_project !== this.cp && !this.keptRelease()) {
      removeGeneratedFiles(ctx, project.name, releaseKey(this.cp));
      if (this.createdWorktree) await attempt('remove worktree', () => ctx.git.removeWorktree(project.repo_path, this.worktree));
    }
    await this.recordFailure(cause, problems);
  }

  /** A kept release's stack file was deployed again (rollback): its files stay, for the next try. */
  private keptRelease(): boolean {
    return this.prepared === null && this.doc !== null;
  }
}

/** `docker stack deploy` of a stack file (a release's, or the kept one of the active release), its output line by line. */
export async function deployStackFile(ctx: ServiceContext, stack: string, file: string, opts: { signal?: AbortSignal; onLine?: (line: string) => void } = {}): Promise<void> {
  const res = await ctx.swarm.deployStack(stack, file, {
    signal: opts.signal,
    timeoutMs: ctx.settings.get('deployTimeoutSeconds') * 1000,
    onOutput: (chunk) => chunk.split('\n').filter((l) => l.trim() && !/detach|future release/i.test(l)).forEach((l) => opts.onLine?.(l.trim())),
  });
  if (res.exitCode !== 0) throw new OtterError('deploy_failed', `docker stack deploy ${stack} failed: ${redact(mostUsefulLine(res.output) || 'no output')}`);
}

/** `docker stack rm` (the proxy taken off its networks first), then a bounded wait for its networks (a next deploy would find them half-removed). */
export async function removeStack(ctx: ServiceContext, stack: string): Promise<void> {
  await detachProxyFromStack(ctx, stack);
  await ctx.swarm.removeStack(stack);
  const deadline = Date.now() + 60_000;
  while ((await ctx.swarm.stackNetworks(stack)).length > 0 && Date.now() < deadline) await sleepUntil(500);
}
