import fs from 'node:fs';
import path from 'node:path';
import type { ComposeTarget } from './commands/compose.js';
import type { ContainerInfo, ContainerState } from './commands/engine.js';
import { outputSummary } from './commands/exec.js';
import type { ServiceContext } from './context.js';
import { OtterError } from './errors.js';
import { findComposeFiles } from './compose-file.js';
import { projectComposeInputs, recordedComposeInputs, type ComposeInputs } from './compose-inputs.js';
import { configValues, loadConfig } from './project-env.js';
import { requireProject } from './projects.js';
import { redact, rememberSecretValues, secretValuesInConfig } from './redact.js';
import { parseComposeProjectName, releaseKey } from './release.js';
import { sharedComposeProject } from './shared-names.js';

/**
 * Actions on one container of a project (the TUI's Containers pane: restart, stop/start, shell,
 * inspect). Every call first checks that the container belongs to the project (its active
 * release, another of its releases, or its shared services), so an id from a stale listing can
 * never act on someone else's container.
 */
export async function projectContainer(ctx: ServiceContext, project: string, id: string): Promise<ContainerInfo> {
  await requireProject(ctx, project);
  const found = (await ctx.ownContainers()).find((c) => c.id === id || (id.length >= 12 && c.id.startsWith(id)));
  const owner = found ? (parseComposeProjectName(found.composeProject)?.project ?? (found.composeProject === sharedComposeProject(project) ? project : null)) : null;
  if (!found || owner !== project) throw new OtterError('not_found', `container ${id.slice(0, 12)} of ${project} no longer exists (refresh with C-r)`);
  return found;
}

export async function restartContainer(ctx: ServiceContext, project: string, id: string): Promise<ContainerInfo> {
  const c = await projectContainer(ctx, project, id);
  await ctx.engine.restart([c.id]);
  return c;
}

/** Stops a running container, starts a stopped one; says which it did. */
export async function toggleContainer(ctx: ServiceContext, project: string, id: string): Promise<{ container: ContainerInfo; now: 'stopped' | 'started' }> {
  const c = await projectContainer(ctx, project, id);
  const running = (await ctx.engine.containerState(c.id))?.running ?? false;
  await setContainerRunning(ctx, project, c.id, !running);
  return { container: c, now: running ? 'stopped' : 'started' };
}

export async function setContainerRunning(ctx: ServiceContext, project: string, id: string, running: boolean): Promise<ContainerInfo> {
  const c = await projectContainer(ctx, project, id);
  if (running) await ctx.engine.start([c.id]);
  else await ctx.engine.stop([c.id]);
  return c;
}

/** The container of `service` in the project's active release (or its shared services): the CLI names services, not ids. */
export async function serviceContainer(ctx: ServiceContext, name: string, service: string): Promise<ContainerInfo> {
  const project = await requireProject(ctx, name);
  const active = await ctx.store.deployments.active(project.id);
  if (!active) throw new OtterError('not_found', `${name} has no active release`);
  const mine = (await ctx.ownContainers()).filter((c) => c.composeProject === active.compose_project || c.composeProject === sharedComposeProject(name));
  const found = mine.filter((c) => c.service === service);
  if (found.length === 0) throw new OtterError('not_found', `${name} has no container of service ${JSON.stringify(service)}; its services: ${[...new Set(mine.map((c) => c.service))].sort().join(', ') || 'none running'}`);
  if (found.length > 1) throw new OtterError('usage', `service ${service} of ${name} has ${found.length} containers: use the TUI (Containers pane) to pick one`);
  return found[0]!;
}

export async function containerState(ctx: ServiceContext, project: string, id: string): Promise<{ container: ContainerInfo; state: ContainerState }> {
  const c = await projectContainer(ctx, project, id);
  const state = await ctx.engine.containerState(c.id);
  if (!state) throw new OtterError('not_found', `container ${c.name} no longer exists`);
  return { container: c, state };
}

/**
 * The argv of an interactive shell in the container (the TUI hands the terminal to it). Checked
 * first without a TTY: a stopped container or an image without `sh` gets a one-line error instead
 * of a terminal that flashes and returns.
 */
export async function shellCommand(ctx: ServiceContext, project: string, id: string): Promise<string[]> {
  const { container, state } = await containerState(ctx, project, id);
  if (!state.running) throw new OtterError('usage', `container ${container.name} is not running (${state.status}): start it first (T)`);
  const probe = await ctx.engine.execIn(container.id, ['sh', '-c', 'exit 0']);
  if (probe.exitCode !== 0) throw new OtterError('usage', `cannot open a shell in ${container.name}: ${redact(outputSummary(probe))}`);
  return ['docker', 'exec', '--interactive', '--tty', '--', container.id, 'sh'];
}

/**
 * What the inspect dialog shows: the container's state and health, then the release's compose
 * configuration as compose resolves it (the release's files and configuration version, like the
 * deploy that started it). Every value of the project's configuration and every secret-named
 * value is masked: the text is for a screen.
 */
export async function inspectContainer(ctx: ServiceContext, project: string, id: string): Promise<string[]> {
  const { container, state } = await containerState(ctx, project, id);
  const lines = [
    `container  ${container.name}  (service ${container.service}, compose project ${container.composeProject})`,
    `image      ${container.image}`,
    `state      ${state.status}${state.running ? '' : ` (exit code ${state.exitCode})`}   health ${state.health}   restarts ${state.restartCount}`,
    `started    ${state.startedAt}${state.running ? '' : `   finished ${state.finishedAt}`}`,
  ];
  if (state.lastCheck) lines.push(`last check ${state.lastCheck}`);
  if (state.error) lines.push(`error      ${state.error}`);
  lines.push('', 'resolved compose configuration (secrets masked):', '');
  lines.push(...(await releaseConfig(ctx, project, container.composeProject)));
  return redact(lines.join('\n')).split('\n');
}

async function releaseConfig(ctx: ServiceContext, name: string, composeProject: string): Promise<string[]> {
  const project = await requireProject(ctx, name);
  const active = await ctx.store.deployments.active(project.id);
  // A shared service's container runs from the active release's files too.
  const release = active && (active.compose_project === composeProject || composeProject === sharedComposeProject(name)) ? active : null;
  if (!release) return ['(not the active release: its configuration is not kept)'];
  // Loading the configuration remembers its values, which redact() then masks wherever they appear.
  const config = await loadConfig(ctx, project, release.config_version);
  const target = releaseTarget(ctx, name, release.worktree_path, recordedComposeInputs(release) ?? projectComposeInputs(project), release.compose_project, configValues(config));
  const compose = await ctx.compose();
  const res = await compose.config(target);
  if (res.exitCode !== 0) return [`compose config failed: ${outputSummary(res)}`];
  try {
    const { parse } = await import('./yaml.js');
    rememberSecretValues(secretValuesInConfig((parse(res.stdout) ?? {}) as Record<string, unknown>));
  } catch {
    /* not YAML: shown as compose printed it, still redacted */
  }
  return res.stdout.trimEnd().split('\n');
}

/** The files a release was started with (prepareRelease wrote the generated ones beside the worktree), its env file and profiles. */
function releaseTarget(ctx: ServiceContext, project: string, worktree: string, inputs: ComposeInputs, composeProject: string, env: Record<string, string>): ComposeTarget {
  const composeFiles = findComposeFiles(worktree, inputs.files, composeProject);
  const key = releaseKey(composeProject);
  const override = ctx.paths.override(project, key);
  const envFile = ctx.paths.renderedEnv(project, key);
  const files = [...composeFiles.map((f, i) => (fs.existsSync(ctx.paths.releaseCompose(project, key, i)) ? ctx.paths.releaseCompose(project, key, i) : f)), ...(fs.existsSync(override) ? [override] : [])];
  return { project: composeProject, files, projectDir: path.dirname(composeFiles[0]!), env, profiles: inputs.profiles, ...(fs.existsSync(envFile) ? { envFile } : {}) };
}
