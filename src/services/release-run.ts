import fs from 'node:fs';
import type { Deployment } from '../db/schema.js';
import { mostUsefulLine } from './commands/exec.js';
import { ReleaseAttempt } from './release-attempt.js';
import { sameConfig } from './project-env.js';
import { OtterError, toOtterError } from './errors.js';
import { redact } from './redact.js';
import { checkoutWorktree, connectReleaseNetwork, ensurePinnedVolumes, sleepUntil, releaseKey, prepareRelease, removeGeneratedFiles, removeRelease, startRelease, stopRelease, upRelease, waitHealthy, type PreparedRelease } from './release.js';
import { releaseAlias } from './traefik-network.js';
import { pullImages } from './image-pull.js';
import { buildImages } from './image-build.js';
import { traefikProblems, type ContainerProcess } from './traefik-detect.js';
import { runningTraefik } from './traefik-running.js';
import { apiReachable, confirmSwitch, THROTTLE_MARGIN_MS, throttleMs, traefikApiUrl } from './traefik-switch.js';
import { nextGeneration } from './traefik-priority.js';
import { runHook } from './hooks.js';
import { ensureSharedServices, sharedNote } from './shared-services.js';
import { sharedComposeProject } from './shared-names.js';
import { findComposeFiles } from './compose-file.js';
import { mergeMappings, projectComposeInputs, recordedComposeInputs, sameComposeInputs } from './compose-inputs.js';
import type { ProxyRoute } from './proxy-routes.js';
import type { NetworkAttachment } from './traefik-network.js';

const PORT_CONFLICT = /port is already allocated|address already in use|bind for .* failed/i;

/** One attempt to bring up a release, with everything needed to undo it. */
export class ReleaseRun extends ReleaseAttempt {
  private createdWorktree = false;
  private stoppedPrevious = false;
  /** The release's containers existed before this run (a stopped older release being brought back). */
  private preexisting = false;
  /** Blue-green (Traefik running and the project opted in) rather than recreate. */
  private blueGreen = false;
  /** Stateful containers of the previous release stopped before this one started its copies. */
  private stoppedStateful: string[] = [];
  /** Services that became shared in this run while the previous release ran its own copy: undo removes the shared one first. */
  private sharedTakingOver: string[] = [];
  /** Blue-green: the Traefik found and this release's generation (router priorities, traefik-priority.ts). */
  private traefik: ContainerProcess | null = null;
  private generation = 0;
  /** Blue-green: Traefik's API that confirms the switch (null: none answers; the throttle is waited out). */
  private traefikApi: string | null = null;
  /** Proxy strategy: the project's routes and the proxy network its routed services join (null: another strategy). */
  private proxy: { routes: ProxyRoute[]; attachment: NetworkAttachment } | null = null;
  /** Proxy strategy: the routes point at this release, not yet recorded; undo() puts them back with this. */
  private proxyRevert: (() => Promise<void>) | null = null;

  async execute(): Promise<Deployment> {
    const { ctx, progress } = this;
    const deployment = await this.insertDeploying('compose');
    try {
      await this.chooseStrategy();
      const services = (await this.startKeptContainers()) ?? (await this.checkoutAndStart());
      const timeoutSeconds = this.req.timeoutSeconds ?? ctx.settings.get('healthTimeoutSeconds');
      progress.stage('health', `waiting up to ${timeoutSeconds}s for ${services.join(', ')} to be healthy`);
      await waitHealthy(ctx, this.cp, services, { timeoutMs: timeoutSeconds * 1000, graceMs: ctx.settings.get('startupGraceSeconds') * 1000, signal: this.req.signal, progress });
      this.checkAbort();
      await this.retirePrevious();
    } catch (err) {
      const e = toOtterError(err);
      await this.undo(e);
      throw e;
    }
    const recorded = await this.recordSwitch(deployment);
    await this.postDeploy(recorded);
    return (await ctx.store.deployments.byId(recorded.id)) ?? recorded;
  }

  /** A rollback of a kept release reads no compose file; its hooks are looked up only to say they do not run. */
  private async sayHooksNotRun(): Promise<void> {
    try {
      const files = findComposeFiles(this.worktree, projectComposeInputs(this.project).files, this.ref);
      const texts = files.map((f) => fs.readFileSync(f, 'utf8'));
      // Most files have no extension: the YAML parser (a module load) only for those that do.
      if (!texts.some((t) => t.includes('x-otterstack'))) return;
      const { parse } = await import('./yaml.js');
      const ext = mergeMappings(texts.map((t) => (parse(t) as Record<string, unknown> | null)?.['x-otterstack'])) as { hooks?: Record<string, unknown> } | undefined;
      const hooks = Object.keys(ext?.hooks ?? {});
      if (hooks.length > 0) this.progress.stage('hook', `a rollback runs no hooks (not running ${hooks.join(', ')}): pass --run-hooks to run them`);
    } catch {
      /* no readable file: nothing to say */
    }
  }

  /**
   * post_deploy runs after the switch: the release already serves, so a failure is reported (a
   * warning, a notification, a note in history) and never undoes the deploy.
   */
  private async postDeploy(deployment: Deployment): Promise<void> {
    const hook = this.prepared?.hooks.post_deploy;
    if (!hook || !this.prepared || !this.hooksWanted()) return;
    try {
      await runHook(this.ctx, this.prepared.target, hook, this.progress, this.req.signal);
    } catch (err) {
      await this.postDeployFailed(deployment, err);
    }
  }

  /** The new release serves and the old one is retired: record it, never undo it (state-retry.ts). */
  private recordSwitch(deployment: Deployment): Promise<Deployment> {
    return this.recordActive(deployment, `${this.cp} is active (${this.ref})`);
  }

  private async checkout(): Promise<void> {
    const { ctx, project, progress } = this;
    const created = await checkoutWorktree(ctx, project, this.sha, () => {
      progress.stage('worktree', `checking out ${this.sha.slice(0, 7)} into ${this.worktree}`);
      // Set before the checkout: a half-made worktree is removed by undo() too.
      this.createdWorktree = true;
    });
    if (!created) progress.stage('worktree', `reusing worktree ${this.worktree}`);
  }

  /**
   * Fast path (rollback, or redeploying a kept release): its containers still exist, stopped,
   * so starting them is enough; no checkout, no compose. Returns null when there is nothing kept.
   */
  private async startKeptContainers(): Promise<string[] | null> {
    if (this.previous?.compose_project === this.cp) return null;
    // Hooks need the release's files: --run-hooks takes the full path.
    if (this.req.runHooks) return null;
    const kept = await this.ctx.engine.listContainers(this.cp);
    if (kept.length === 0) return null;
    if (this.blueGreen) {
      // DESIGN (#16 item 5): a kept release carries the router priorities of its own, older generation,
      // below the running release's: started as it is, Traefik would keep routing to the release we
      // leave until it stops. Through compose, with labels rewritten for this run's generation, its
      // containers are recreated and outrank the running release once healthy. A failure stops them again.
      this.preexisting = true;
      return null;
    }
    // Kept containers carry the configuration they were created with; another one needs compose.
    const keptRow = (await this.ctx.store.deployments.all(this.project.id)).find((d) => d.compose_project === this.cp && d.status !== 'failed' && d.status !== 'interrupted');
    if (!(await sameConfig(this.ctx, this.project, keptRow?.config_version ?? null, this.config.version))) return null;
    // So do other compose files, profiles or env files: compose recreates what they change.
    const keptInputs = keptRow ? recordedComposeInputs(keptRow) : null;
    if (keptInputs && !sameComposeInputs(keptInputs, projectComposeInputs(this.project))) return null;
    this.preexisting = true;
    if (this.req.action === 'rollback') await this.sayHooksNotRun();
    // A release from before the project used the proxy is not on its network yet.
    if (this.proxy) await connectReleaseNetwork(this.ctx, this.cp, this.proxy.attachment);
    await this.stopStatefulOfPrevious();
    this.progress.stage('start', `starting the kept containers of ${this.cp}`);
    await this.startWithPortRetry('start', async () => {
      try {
        await startRelease(this.ctx, this.cp);
        return null;
      } catch (err) {
        return toOtterError(err).message;
      }
    });
    return [...new Set(kept.map((c) => c.service))];
  }

  private async chooseStrategy(): Promise<void> {
    if (this.project.strategy === 'proxy') {
      await this.chooseProxy();
      return;
    }
    if (this.project.strategy !== 'blue-green') return;
    const choice = await runningTraefik(this.ctx);
    if (!choice) {
      this.progress.warning('blue-green requested but no running container enables Traefik\'s docker provider (--providers.docker): falling back to recreate; set traefikContainer if Traefik reads a static file');
      return;
    }
    if ('error' in choice) throw new OtterError('usage', choice.error);
    const problem = traefikProblems(choice.container, { tcpRouters: false })[0];
    if (problem) throw new OtterError('usage', `blue-green: ${problem}`);
    this.traefik = choice.container;
    await this.findTraefikApi(choice.container);
    const taken = await this.ctx.store.projects.nextTraefikGeneration(this.project.id, nextGeneration);
    this.generation = taken.generation;
    // Older releases still running keep their higher priorities: this one takes over when they stop.
    if (taken.renumber) this.progress.warning('blue-green priorities start again at generation 1: the running release outranks this one until it is stopped');
    this.blueGreen = true;
    this.progress.stage('start', `blue-green via Traefik (${choice.container.name}): new release starts next to the old one, generation ${this.generation}`);
  }

  /**
   * DESIGN (docs/proxy.md): with the proxy strategy the new release starts beside the old one, its
   * routed services join the proxy's network under per-release aliases, and the routes move only
   * once it is healthy. A proxy that is not installed or does not answer stops the deploy here,
   * before anything starts.
   */
  private async chooseProxy(): Promise<void> {
    const { readyProxyRoutes } = await import('./proxy/proxy-ready.js');
    const { routes, names } = await readyProxyRoutes(this.ctx, this.project);
    const services = [...new Set(routes.map((r) => r.service))];
    this.proxy = { routes, attachment: { network: names.network, services } };
    this.progress.stage('start', `through the OtterStack proxy (${names.container}): the new release starts next to the old one; ${routes.map((r) => `${r.domains.join(', ')} → ${r.service}:${r.port}`).join('; ')}`);
  }

  /** Traefik's API for the switch confirmation; a configured one that does not answer stops the deploy before anything starts. */
  private async findTraefikApi(traefik: ContainerProcess): Promise<void> {
    const api = traefikApiUrl(traefik, this.ctx.settings.get('traefikApiUrl'));
    if (!api) return;
    const problem = await apiReachable(api.url);
    if (!problem) {
      this.traefikApi = api.url;
      return;
    }
    if (api.configured) throw new OtterError('usage', `blue-green: Traefik's API at ${api.url} (traefikApiUrl) does not answer: ${problem}; fix the setting, or clear it to switch without confirmation`);
    this.progress.warning(`Traefik's API at ${api.url} (--api.insecure) does not answer (${problem}): the switch is not confirmed, the old release stops after Traefik's throttle`);
  }

  private async checkoutAndStart(): Promise<string[]> {
    const { ctx, project, progress } = this;
    await this.checkout();
    this.checkAbort();
    progress.stage('validate', 'validating compose file');
    this.prepared = await prepareRelease(ctx, project, this.sha, this.worktree, `${this.ref} (${this.sha.slice(0, 7)})`, this.blueGreen ? { generation: this.generation, traefik: this.traefik } : null, this.config, this.cp);
    for (const n of this.prepared.notes) progress.stage('validate', n);
    for (const w of this.prepared.warnings) progress.warning(w);
    if (this.proxy) this.prepared.networkAttachment = this.proxyAttachment(this.prepared);
    this.checkAbort();
    // Before anything starts or stops: a pull that fails leaves the running release as it was.
    await pullImages(ctx, this.prepared.images, { policy: project.pull_policy, explicit: this.req.pull, signal: this.req.signal, timeoutMs: ctx.settings.get('deployTimeoutSeconds') * 1000 }, progress);
    this.checkAbort();
    if (this.prepared.built.length > 0) {
      // Recorded before building: a failed release's images (if any got built) are pruned with it.
      await ctx.store.deployments.setBuiltImages(this.deployment!.id, this.prepared.built.map((b) => b.tag));
      await buildImages(ctx, this.prepared.target, this.prepared.built, { noCache: this.req.noCache, pullBase: this.req.pullBase, signal: this.req.signal, timeoutMs: ctx.settings.get('buildTimeoutSeconds') * 1000 }, progress);
      this.checkAbort();
    }
    await ensurePinnedVolumes(ctx, project, this.prepared);
    if (this.prepared.shared) {
      const outcome = await ensureSharedServices(ctx, project, this.prepared.shared, progress, {
        allowUpdate: !this.req.noSharedUpdate,
        signal: this.req.signal,
        previousRelease: this.previous?.compose_project !== this.cp ? this.previous?.compose_project : null,
      });
      this.stoppedStateful.push(...outcome.stoppedInPrevious);
      if (outcome.stoppedInPrevious.length > 0) this.sharedTakingOver = outcome.created;
      const note = sharedNote(outcome);
      if (note) this.notes.push(note);
      this.checkAbort();
    }
    // Before the release starts and before the old one is touched: a failure leaves it serving.
    const preDeploy = this.prepared.hooks.pre_deploy;
    if (preDeploy && this.hooksWanted()) {
      await runHook(ctx, this.prepared.target, preDeploy, progress, this.req.signal);
      this.checkAbort();
    }
    if (!this.blueGreen) await this.stopStatefulOfPrevious();
    const compose = await ctx.compose();
    const prepared = this.prepared;
    progress.stage('start', `starting ${this.cp} (${compose.cli.kind === 'v2' ? 'docker compose' : 'docker-compose'} ${compose.cli.version})`);
    if (prepared.networkAttachment) progress.stage('start', `connecting ${prepared.networkAttachment.services.join(', ')} to ${this.proxy ? 'the proxy' : 'Traefik'}'s network ${prepared.networkAttachment.network} before they start (as ${prepared.networkAttachment.services.map((s) => releaseAlias(s, releaseKey(this.cp))).join(', ')})`);
    await this.startWithPortRetry('compose up', async () => {
      const res = await upRelease(ctx, prepared, {
        signal: this.req.signal,
        timeoutMs: ctx.settings.get('deployTimeoutSeconds') * 1000,
        onOutput: (chunk) => chunk.split('\n').filter((l) => l.trim()).forEach((l) => progress.output(l.trim())),
      });
      return res.exitCode === 0 ? null : `${res.stdout}\n${res.stderr}`;
    });
    return this.prepared.services;
  }

  /** The proxy network for the routed services, once the release is known to define each of them. */
  private proxyAttachment(prepared: PreparedRelease): NetworkAttachment {
    const { attachment, routes } = this.proxy!;
    for (const r of routes) {
      if (prepared.shared?.services.includes(r.service)) throw new OtterError('usage', `route ${r.domains[0]} → ${r.service}:${r.port}: ${r.service} is a shared service (x-otterstack.shared), which the proxy does not switch: route a service of the release`);
      if (!prepared.services.includes(r.service)) {
        throw new OtterError('usage', `route ${r.domains[0]} → ${r.service}:${r.port}: ${this.ref} (${this.sha.slice(0, 7)}) defines no service ${r.service} (it has ${prepared.services.join(', ') || 'none'}): otterstack project set ${this.project.name} --route SERVICE:PORT`);
      }
    }
    return attachment;
  }

  /**
   * DESIGN (docs/stateful-services.md): a service of the previous release that keeps data (a named
   * volume, a persistent folder) is stopped before the new release starts its own copy, so two
   * writers never share that data; stateless services still overlap. undo() starts them again.
   * Judged from the engine (the containers' mounts), so a kept release being brought back is too.
   */
  private async stopStatefulOfPrevious(): Promise<void> {
    const prev = this.previous && this.previous.compose_project !== this.cp ? this.previous : null;
    if (!prev) return;
    const running = (await this.ctx.engine.listContainers(prev.compose_project)).filter((c) => c.state === 'running' || c.state === 'restarting');
    const mounts = await this.ctx.engine.lastingMounts(running.map((c) => c.id), this.ctx.paths.projectShared(this.project.name));
    const stateful = running.filter((c) => (mounts.get(c.id) ?? []).length > 0);
    if (stateful.length === 0) return;
    const what = stateful.map((c) => `${c.service} (${mounts.get(c.id)!.join(', ')})`).join(', ');
    this.progress.stage('start', `stopping stateful ${what} of ${prev.compose_project} before the new release starts its copy (never two at once; list it under x-otterstack.shared to keep it running across releases)`);
    await this.ctx.engine.stop(stateful.map((c) => c.id));
    this.stoppedStateful.push(...stateful.map((c) => c.id));
  }

  /**
   * DESIGN (recreate): when host ports are taken by the running release, stop (not remove) it
   * and try once more; undo() starts it again if the new release then fails.
   */
  private async startWithPortRetry(what: string, attempt: () => Promise<string | null>): Promise<void> {
    let error = await attempt();
    this.checkAbort();
    const prev = this.previous && this.previous.compose_project !== this.cp ? this.previous : null;
    // Blue-green never touches the old release before the new one is healthy.
    if (error && prev && !this.blueGreen && PORT_CONFLICT.test(error)) {
      this.progress.stage('start', `host port in use by ${prev.compose_project}; stopping it and retrying`);
      await stopRelease(this.ctx, prev.compose_project);
      this.stoppedPrevious = true;
      error = await attempt();
      this.checkAbort();
    }
    if (error) throw new OtterError('deploy_failed', `${what} failed for ${this.cp}: ${redact(mostUsefulLine(error) || 'no output')}`);
  }

  private async retirePrevious(): Promise<void> {
    const prev = this.previous;
    if (this.proxy) await this.switchProxy(prev && prev.compose_project !== this.cp ? prev : null);
    if (!prev || prev.compose_project === this.cp) return;
    const keep = this.ctx.settings.get('keepPreviousContainers');
    if (this.blueGreen) await this.switchTraffic(prev);
    this.progress.stage('retire', `${keep ? 'stopping' : 'removing'} previous release ${prev.compose_project}`);
    if (this.proxy) {
      // The point of no return: the routes serve the new release. Undoing it now would send them to
      // a release being stopped, so a failure to stop the old one is reported, never undone.
      this.proxyRevert = null;
      try {
        if (keep) await stopRelease(this.ctx, prev.compose_project);
        else await removeRelease(this.ctx, prev.compose_project);
      } catch (err) {
        const message = `the new release serves, but ${prev.compose_project} was not ${keep ? 'stopped' : 'removed'}: ${toOtterError(err).message}; otterstack cleanup finishes it`;
        this.progress.warning(message);
        this.notes.push(message);
      }
      return;
    }
    if (keep) await stopRelease(this.ctx, prev.compose_project);
    else await removeRelease(this.ctx, prev.compose_project);
  }

  /**
   * DESIGN (#16 item 4, docs/blue-green.md): the old release stops only once Traefik routes to the new
   * one. With Traefik's API that is watched (every router enabled, its servers the new release's
   * reachable addresses), then requests in flight get drainSeconds. Without it, the wait is at least
   * Traefik's providersThrottleDuration plus a margin, the soonest Traefik can have switched.
   */
  private async switchTraffic(prev: Deployment): Promise<void> {
    const drainMs = this.ctx.settings.get('drainSeconds') * 1000;
    const throttle = this.traefik ? throttleMs(this.traefik) : 2000;
    const routers = this.prepared?.httpRouters ?? [];
    if (this.traefikApi && this.traefik && routers.length > 0) {
      this.progress.stage('retire', `new release healthy; confirming with Traefik's API (${this.traefikApi}) that ${routers.join(', ')} route to it`);
      const containers = await this.ctx.engine.listContainers(this.cp);
      const networks = await this.ctx.engine.containerNetworks(containers.map((c) => c.id));
      const releaseIps = new Set<string>();
      const reachableIps = new Set<string>();
      for (const nets of networks.values()) {
        for (const [net, ep] of Object.entries(nets)) {
          if (!ep.ip) continue;
          releaseIps.add(ep.ip);
          if (this.traefik.networks.includes(net)) reachableIps.add(ep.ip);
        }
      }
      const warnings = await confirmSwitch({ api: this.traefikApi, routers, releaseIps, reachableIps, timeoutMs: Math.max(30_000, 10 * throttle), signal: this.req.signal });
      for (const w of warnings) this.progress.warning(w);
      this.progress.stage('retire', `Traefik routes to ${this.cp}${drainMs > 0 ? `; draining ${drainMs / 1000}s` : ''} before stopping ${prev.compose_project}`);
      if (drainMs > 0) await new Promise((r) => setTimeout(r, drainMs));
      return;
    }
    const floor = throttle + THROTTLE_MARGIN_MS;
    const wait = Math.max(drainMs, floor);
    const why = drainMs >= floor ? '' : ` (at least Traefik's providersThrottleDuration ${throttle / 1000}s + ${THROTTLE_MARGIN_MS / 1000}s: without its API the switch cannot be confirmed)`;
    this.progress.stage('retire', `new release healthy; waiting ${wait / 1000}s${why} before stopping ${prev.compose_project}`);
    await new Promise((r) => setTimeout(r, wait));
  }

  /**
   * DESIGN (docs/proxy.md): the routes move to the healthy release (switchProjectRoutes: read back,
   * then a request that must be answered by it), requests in flight on the old release get
   * drainSeconds, and only then does the old release stop. A failed switch has already put the
   * routes back when it throws.
   */
  private async switchProxy(prev: Deployment | null): Promise<void> {
    const { switchProjectRoutes } = await import('./proxy/proxy-switch.js');
    const { routes } = this.proxy!;
    this.progress.stage('retire', `new release healthy; switching ${routes.flatMap((r) => r.domains).join(', ')} to ${this.cp}`);
    // On failure it puts the routes back itself before it throws.
    const result = await switchProjectRoutes(this.ctx, this.project.name, routes, { composeProject: this.cp, target: 'compose' }, this.req.signal);
    this.proxyRevert = result.revert;
    for (const d of result.unprobed) this.progress.warning(`${d}: the proxy has no certificate for it yet, so no request could confirm the switch (its config was read back); see otterstack proxy status`);
    const drainMs = this.ctx.settings.get('drainSeconds') * 1000;
    this.progress.stage('retire', `the proxy routes to ${this.cp} (confirmed in ${result.ms} ms${result.how === 'load' ? ', whole config loaded' : ''})${prev && drainMs > 0 ? `; draining ${drainMs / 1000}s before stopping ${prev.compose_project}` : ''}`);
    if (prev && drainMs > 0) await sleepUntil(drainMs, this.req.signal);
    this.checkAbort();
  }

  /** Leaves things as they were before this run, as far as possible; never throws. */
  private async undo(cause: OtterError): Promise<void> {
    const { ctx, project, progress } = this;
    progress.stage('cleanup', `${cause.kind === 'interrupted' ? 'interrupted' : 'failed'}: ${cause.message}`);
    const problems: string[] = [];
    const attempt = this.attempter(problems);
    if (this.proxyRevert) {
      // Before the new release goes: the routes must point at the old one (still running) again.
      progress.stage('cleanup', `switching the proxy's routes back to ${this.previous?.compose_project ?? 'nothing'}`);
      await attempt('switch the proxy back', this.proxyRevert);
    }
    const reusedActive = this.previous?.compose_project === this.cp;
    if (!reusedActive && this.preexisting) {
      // An older release brought back (rollback): keep its containers, stopped, as they were.
      progress.stage('cleanup', `stopping release ${this.cp} again`);
      await attempt('stop release', () => stopRelease(ctx, this.cp));
    } else if (!reusedActive) {
      progress.stage('cleanup', `removing release ${this.cp}`);
      await attempt('remove release', () => removeRelease(ctx, this.cp));
      removeGeneratedFiles(ctx, project.name, releaseKey(this.cp));
      if (this.createdWorktree) await attempt('remove worktree', () => ctx.git.removeWorktree(project.repo_path, this.worktree));
    }
    if (this.sharedTakingOver.length > 0) {
      // The previous release's own copy comes back below: the new shared one must be gone first.
      progress.stage('cleanup', `removing shared ${this.sharedTakingOver.join(', ')} again (the previous release runs its own)`);
      await attempt('remove new shared services', async () => {
        const containers = await ctx.engine.listContainers(sharedComposeProject(project.name));
        const ids = containers.filter((c) => this.sharedTakingOver.includes(c.service)).map((c) => c.id);
        // Stopped first: a database gets its SIGTERM and time to shut down cleanly.
        await ctx.engine.stop(ids, 30);
        await ctx.engine.remove(ids);
      });
    }
    if ((this.stoppedPrevious || this.stoppedStateful.length > 0) && this.previous) {
      progress.stage('restore', `starting previous release ${this.previous.compose_project} again`);
      await attempt('restart previous release', async () => {
        if (this.stoppedPrevious) await startRelease(ctx, this.previous!.compose_project);
        else await ctx.engine.start(this.stoppedStateful);
        const services = [...new Set((await ctx.engine.listContainers(this.previous!.compose_project)).map((c) => c.service))];
        await waitHealthy(ctx, this.previous!.compose_project, services, {
          timeoutMs: ctx.settings.get('healthTimeoutSeconds') * 1000,
          graceMs: ctx.settings.get('startupGraceSeconds') * 1000,
          progress,
        });
      });
    }
    await this.recordFailure(cause, problems);
  }
}

