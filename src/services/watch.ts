import type { Project } from '../db/schema.js';
import { INSTANCE_LABEL } from './commands/engine.js';
import { exec } from './commands/exec.js';
import type { ServiceContext } from './context.js';
import { deploy } from './deploy.js';
import { toOtterError } from './errors.js';
import { Progress } from './events.js';
import { deliverDue, notify } from './notify/notifier.js';
import { fetchProject } from './remote-projects.js';
import { getStatus } from './status.js';
import { swarmSeenState } from './swarm/swarm-status.js';
import { RateLimiter, transitionOf, type SeenState } from './watch-rules.js';
import type { HookDeployQueue } from './webhooks/deploy-queue.js';
import type { HookListener } from './webhooks/hook-listener.js';

export interface WatchOptions {
  signal: AbortSignal;
  log: (line: string) => void;
  /** GitOps: deploy new commits of each project's followed branch (off by default). */
  gitops: boolean;
  /** Push-to-deploy (#19): serve webhooks on this address (validated by the caller: watch-listen.ts). */
  listen?: { host: string; port: number };
  /** Told the bound address once the listener is up. */
  onListening?: (address: string) => void;
}

const SEVERITY = { unhealthy: 'error', exited: 'error', restarting: 'error', recovered: 'info' } as const;

/**
 * The long-running monitor: follows `docker events` for this installation's containers plus a
 * periodic poll, turns health changes of active releases into notifications (de-duplicated by
 * transition, rate-limited per project/service/event), retries queued deliveries, and
 * optionally deploys new commits of followed branches. Returns when `signal` aborts.
 */
export async function watch(ctx: ServiceContext, opts: WatchOptions): Promise<void> {
  const seen = new Map<string, SeenState>();
  const limiter = new RateLimiter(ctx.settings.get('notifyMinIntervalSeconds') * 1000);
  const { log, signal } = opts;

  let evaluating: Promise<void> | null = null;
  const evaluate = () =>
    (evaluating ??= (async () => {
      if (signal.aborted) return; // nothing may run (or log) after 'watch stopped'
      try {
        const deploying = new Set((await ctx.store.deployments.byStatus('deploying')).map((d) => d.project_id));
        for (const status of await getStatus(ctx)) {
          // A deploy stops and starts containers on purpose and reports its own outcome.
          if (!status.active || deploying.has(status.project.id)) continue;
          // A swarm project's services count as one each: replicas below wanted is unhealthy, none running exited.
          const observed = [
            ...status.containers.map((c) => ({ key: c.name, service: c.service, name: c.name, state: c.state, health: c.health, status: c.status })),
            ...(status.swarm ?? []).map((svc) => ({ key: `swarm:${svc.service}`, service: svc.service, name: `${status.project.name}_${svc.service}`, ...swarmSeenState(svc) })),
          ];
          for (const c of observed) {
            const key = `${status.project.name}/${c.service}/${c.key}`;
            const now = { state: c.state, health: c.health };
            const transition = transitionOf(seen.get(key), now);
            seen.set(key, now);
            if (!transition) continue;
            const line = `${status.project.name}: service ${c.service} ${transition} (${c.status})`;
            if (!limiter.allow(`${status.project.name}/${c.service}/${transition}`)) {
              log(`suppressed (rate limit): ${line}`);
              continue;
            }
            log(`notify: ${line}`);
            await notify(ctx, status.project.id, {
              event: transition,
              project: status.project.name,
              severity: SEVERITY[transition],
              message: `service ${c.service} ${transition} (${c.status})`,
              service: c.service,
              container: c.name,
              ref: status.active.git_ref,
              sha: status.active.git_sha,
            });
          }
        }
      } catch (err) {
        log(`poll failed: ${toOtterError(err).message}`);
      }
    })().finally(() => (evaluating = null)));

  await evaluate();
  log(`watching ${seen.size} container(s); gitops ${opts.gitops ? 'on' : 'off'}`);

  // docker events: react within a moment; the poll below catches anything an event missed.
  let debounce: NodeJS.Timeout | null = null;
  const events = exec(['docker', 'events', '--filter', 'type=container', '--filter', `label=${INSTANCE_LABEL}=${ctx.instanceId}`, '--format', '{{.Action}} {{.Actor.Attributes.name}}'], {
    signal,
    onOutput: () => {
      if (signal.aborted) return;
      if (debounce) clearTimeout(debounce);
      debounce = setTimeout(() => void evaluate(), 200);
    },
  }).catch(() => undefined);

  let listener: HookListener | null = null;
  let queue: HookDeployQueue | null = null;
  if (opts.listen) {
    const { HookDeployQueue: Queue } = await import('./webhooks/deploy-queue.js');
    const { startHookListener } = await import('./webhooks/hook-listener.js');
    queue = new Queue(async (name) => {
      const project = await ctx.store.projects.byName(name);
      if (!project?.follow_branch || signal.aborted) return 'done';
      return followBranch(ctx, project, project.follow_branch, log, signal);
    });
    const q = queue;
    listener = await startHookListener(ctx, { ...opts.listen, log, onPush: (name) => q.push(name) });
    log(`listening for webhooks on http://${listener.address}/hooks/<project>`);
    opts.onListening?.(listener.address);
  }
  // With a listener, a project with a webhook is deployed by its pushes only (#19): a poll must not
  // "rescue" a delivery that was rejected or replayed.
  const polled = (p: Project) => !(listener && p.webhook_secret_env);

  let gitopsPass: Promise<void> | null = null;
  let certPass: Promise<void> | null = null;
  const certNotified = new Map<string, number>();
  // #18: a proxy found without the routes SQLite gives (restarted from an empty config, changed by
  // hand) gets them back within one poll; syncProxyRoutes keeps a deploy's in-flight switch.
  let proxyPass: Promise<void> | null = null;
  const checkProxy = () => (proxyPass ??= proxyRoutesOnce(ctx, log).finally(() => (proxyPass = null)));
  checkProxy();
  const checkCerts = () => (certPass ??= certificatesOnce(ctx, log, certNotified).finally(() => (certPass = null)));
  checkCerts();
  const timers = [
    setInterval(() => void evaluate(), ctx.settings.get('watchPollSeconds') * 1000),
    setInterval(() => ctx.background(deliverDue(ctx)), 1000),
    setInterval(checkCerts, CERT_CHECK_MS),
    setInterval(checkProxy, ctx.settings.get('watchPollSeconds') * 1000),
  ];
  if (opts.gitops) {
    timers.push(setInterval(() => (gitopsPass ??= gitopsOnce(ctx, log, signal, polled).finally(() => (gitopsPass = null))), ctx.settings.get('gitopsPollSeconds') * 1000));
  }

  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  timers.forEach(clearInterval);
  if (debounce) clearTimeout(debounce);
  // Stop cleanly: an in-flight GitOps deploy sees the same signal, undoes itself and returns.
  await listener?.close();
  queue?.stop();
  await Promise.all([events, evaluating, gitopsPass, certPass, proxyPass, queue?.idle()]);
  log('watch stopped');
}

/** The proxy's routes put back from SQLite when they differ (nothing when the proxy is not installed). */
async function proxyRoutesOnce(ctx: ServiceContext, log: (line: string) => void): Promise<void> {
  try {
    const { syncProxyRoutes } = await import('./proxy/proxy-routing.js');
    // Only routes the proxy lost, as last applied: never a route change before its deploy (#18).
    const res = await syncProxyRoutes(ctx, 'watch', { source: 'applied', onlyLost: true });
    if (res.reloaded) log(`proxy: it had lost routes; reloaded ${res.routes} route(s)`);
  } catch (err) {
    log(`proxy check failed: ${toOtterError(err).message}`);
  }
}

/** How often the served certificates are read, and how often one still expiring is notified again. */
const CERT_CHECK_MS = 3_600_000;
const CERT_RENOTIFY_MS = 86_400_000;

/**
 * #18: a certificate renewal should have replaced (renewalFailing) is notified for its project, once
 * a day while it stays so. Caddy renews on its own; this is the warning that it keeps failing.
 */
export async function certificatesOnce(ctx: ServiceContext, log: (line: string) => void, notified: Map<string, number>, now = Date.now()): Promise<void> {
  try {
    const { domainCertificates, describeExpiry, expiringSoon } = await import('./proxy/certificates.js');
    for (const c of expiringSoon(await domainCertificates(ctx, now))) {
      if (now - (notified.get(c.domain) ?? -Infinity) < CERT_RENOTIFY_MS) continue;
      notified.set(c.domain, now);
      const project = await ctx.store.projects.byName(c.project);
      log(`notify: ${c.project}: certificate of ${c.domain} ${describeExpiry(c)}`);
      await notify(ctx, project?.id ?? null, { event: 'certificate_expiring', project: c.project, severity: 'warning', message: `the certificate of ${c.domain} ${describeExpiry(c)}` });
    }
  } catch (err) {
    log(`certificate check failed: ${toOtterError(err).message}`);
  }
}

/** One GitOps pass: each project following a branch gets its new head deployed, once. */
export async function gitopsOnce(ctx: ServiceContext, log: (line: string) => void, signal?: AbortSignal, polled: (p: Project) => boolean = () => true): Promise<void> {
  for (const project of await ctx.store.projects.all()) {
    if (signal?.aborted) return;
    if (project.follow_branch && polled(project)) await followBranch(ctx, project, project.follow_branch, log, signal);
  }
}

/** Deploys the branch's head when it is new. 'retry': it could not be decided now (busy project, fetch failed). */
async function followBranch(ctx: ServiceContext, project: Project, branch: string, log: (line: string) => void, signal?: AbortSignal): Promise<'done' | 'retry'> {
  try {
    await fetchProject(ctx, project, new Progress([]));
    const sha =
      (project.repo_type === 'remote' ? await ctx.git.resolveCommit(project.repo_path, `refs/remotes/origin/${branch}`) : null) ??
      (await ctx.git.resolveCommit(project.repo_path, `refs/heads/${branch}`));
    if (!sha) {
      log(`gitops: ${project.name}: branch ${branch} not found`);
      return 'done';
    }
    const active = await ctx.store.deployments.active(project.id);
    if (active?.git_sha === sha) return 'done';
    if (project.gitops_last_sha === sha) {
      log(`gitops: ${project.name}: ${sha.slice(0, 7)} already tried; waiting for a new commit on ${branch}`);
      return 'done';
    }
    log(`gitops: ${project.name}: deploying ${branch} at ${sha.slice(0, 7)}`);
    try {
      await deploy(ctx, { project: project.name, ref: sha, signal });
      await ctx.store.projects.update(project.id, { gitops_last_sha: sha });
      log(`gitops: ${project.name}: ${sha.slice(0, 7)} is active`);
      return 'done';
    } catch (err) {
      const e = toOtterError(err);
      // A busy project or an interrupted watch is retried next pass; a failed commit is not
      // retried until the branch moves.
      const retry = e.kind === 'conflict' || e.kind === 'interrupted';
      if (!retry) await ctx.store.projects.update(project.id, { gitops_last_sha: sha });
      log(`gitops: ${project.name}: ${sha.slice(0, 7)} ${retry ? 'postponed' : 'failed'}: ${e.message}`);
      return retry && e.kind === 'conflict' ? 'retry' : 'done';
    }
  } catch (err) {
    log(`gitops: ${project.name}: ${toOtterError(err).message}`);
    return 'retry';
  }
}
