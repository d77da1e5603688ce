import type { Project } from '../db/schema.js';
import type { ComposeTarget } from './commands/compose.js';
import { INSTANCE_LABEL, PROJECT_LABEL } from './commands/engine.js';
import { outputSummary } from './commands/exec.js';
import type { ServiceContext } from './context.js';
import { OtterError, firstLine } from './errors.js';
import type { Progress } from './events.js';
import { redact } from './redact.js';
import { waitHealthy } from './release.js';
import { sharedComposeProject, sharedNetworkName } from './shared-names.js';

/** How a release runs the project's shared services (prepared with the release). */
export interface SharedPlan {
  services: string[];
  /** The project's compose file with an override holding every service plus the definition hashes. */
  target: ComposeTarget;
  /** service → definition hash (shared-release.ts); a different one on the engine means "replace". */
  hashes: Record<string, string>;
}

export interface SharedOutcome {
  created: string[];
  replaced: string[];
  /** Containers of the previous release stopped because the service became shared (undo starts them). */
  stoppedInPrevious: string[];
}

/** The note history shows for a deploy that changed shared services ('' when none). */
export function sharedNote(o: SharedOutcome): string {
  return [...(o.created.length ? [`shared ${o.created.join(', ')} created`] : []), ...(o.replaced.length ? [`shared ${o.replaced.join(', ')} replaced`] : [])].join('; ');
}

/**
 * DESIGN (docs/stateful-services.md): shared services run once per project in their own compose
 * project, outside releases. Each deploy brings them up before the release: missing ones are
 * created, stopped ones started, and one whose definition changed is replaced: its old container
 * is STOPPED BEFORE the new one starts (a short outage of that service, said in progress), never
 * two at once. Unchanged ones are not touched. `allowUpdate: false` (--no-shared-update) refuses a
 * replacement instead. Waits until they are healthy (or running, without a healthcheck).
 */
export async function ensureSharedServices(
  ctx: ServiceContext,
  project: Project,
  plan: SharedPlan,
  progress: Progress,
  opts: { allowUpdate: boolean; signal?: AbortSignal; previousRelease?: string | null },
): Promise<SharedOutcome> {
  const cp = sharedComposeProject(project.name);
  await ctx.engine.ensureNetwork(sharedNetworkName(project.name), { [PROJECT_LABEL]: project.name, [INSTANCE_LABEL]: ctx.instanceId });
  const containers = await ctx.engine.listContainers(cp);
  const outcome: SharedOutcome = { created: [], replaced: [], stoppedInPrevious: [] };
  const keep: string[] = [];
  for (const service of plan.services) {
    const own = containers.filter((c) => c.service === service);
    if (own.length === 0) outcome.created.push(service);
    else if (own.some((c) => c.sharedHash !== plan.hashes[service])) outcome.replaced.push(service);
    else keep.push(service);
  }
  if (outcome.replaced.length > 0 && !opts.allowUpdate) {
    throw new OtterError('conflict', `shared service ${outcome.replaced.join(', ')} changed in this release and would be replaced (a short outage): deploy without --no-shared-update to replace it`);
  }
  const compose = await ctx.compose();
  const timeoutMs = ctx.settings.get('deployTimeoutSeconds') * 1000;
  const onOutput = (chunk: string) => chunk.split('\n').filter((l) => l.trim()).forEach((l) => progress.output(l.trim()));
  for (const service of outcome.replaced) {
    const old = containers.filter((c) => c.service === service);
    progress.stage('shared', `shared ${service} changed: stopping ${old.map((c) => c.name).join(', ')} before its new container starts (${service} is unavailable until then)`);
    await ctx.engine.stop(old.filter((c) => c.state === 'running' || c.state === 'restarting').map((c) => c.id), 30);
  }
  // A service that just became shared may still run inside the previous release, on the same
  // volume: that copy stops before the shared one starts.
  if (outcome.created.length > 0 && opts.previousRelease) {
    const inRelease = (await ctx.engine.listContainers(opts.previousRelease)).filter((c) => outcome.created.includes(c.service) && (c.state === 'running' || c.state === 'restarting'));
    if (inRelease.length > 0) {
      progress.stage('shared', `${[...new Set(inRelease.map((c) => c.service))].join(', ')} becomes shared: stopping its copy in ${opts.previousRelease} first`);
      await ctx.engine.stop(inRelease.map((c) => c.id), 30);
      outcome.stoppedInPrevious = inRelease.map((c) => c.id);
    }
  }
  if (keep.length + outcome.created.length > 0) {
    if (outcome.created.length > 0) progress.stage('shared', `creating shared ${outcome.created.join(', ')} (${cp})`);
    const res = await compose.upServices(plan.target, [...keep, ...outcome.created], 'no-recreate', { signal: opts.signal, timeoutMs, onOutput });
    if (res.exitCode !== 0) throw new OtterError('deploy_failed', `starting shared services failed: ${redact(firstLine(outputSummary(res)))}`);
  }
  if (outcome.replaced.length > 0) {
    const res = await compose.upServices(plan.target, outcome.replaced, 'force-recreate', { signal: opts.signal, timeoutMs, onOutput });
    if (res.exitCode !== 0) throw new OtterError('deploy_failed', `replacing shared ${outcome.replaced.join(', ')} failed: ${redact(firstLine(outputSummary(res)))}`);
    progress.stage('shared', `shared ${outcome.replaced.join(', ')} replaced`);
  }
  const untouched = outcome.created.length + outcome.replaced.length === 0;
  const settled = containers.filter((c) => plan.services.includes(c.service)).every((c) => c.state === 'running' && (c.health === 'healthy' || c.health === 'none'));
  if (untouched && settled) {
    // Unchanged and already serving: nothing to wait for (no grace period on every app deploy).
    progress.stage('shared', `shared ${keep.join(', ')} unchanged and running: left alone`);
    return outcome;
  }
  await waitHealthy(ctx, cp, plan.services, {
    timeoutMs: ctx.settings.get('healthTimeoutSeconds') * 1000,
    graceMs: ctx.settings.get('startupGraceSeconds') * 1000,
    signal: opts.signal,
    progress,
  });
  return outcome;
}

/** `project remove`: the shared services' containers and compose networks, then the project network. */
export async function removeSharedServices(ctx: ServiceContext, project: string): Promise<void> {
  const cp = sharedComposeProject(project);
  await ctx.engine.remove((await ctx.engine.listContainers(cp)).map((c) => c.id));
  await ctx.engine.removeNetworks(await ctx.engine.listNetworks(cp));
  await ctx.engine.removeNetworkByName(sharedNetworkName(project));
}
