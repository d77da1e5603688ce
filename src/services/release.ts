import fs from 'node:fs';
import path from 'node:path';
import type { Deployment, Project } from '../db/schema.js';
import type { ComposeTarget } from './commands/compose.js';
import type { ExecOptions, ExecResult } from './commands/exec.js';
import { INSTANCE_LABEL, PROJECT_LABEL, type ContainerInfo } from './commands/engine.js';
import type { ServiceContext } from './context.js';
import { OtterError, firstLine } from './errors.js';
import { evaluateRelease } from './health.js';
import { Progress } from './events.js';
import { outputSummary } from './commands/exec.js';
import { buildOverride } from './override.js';
import { TrackedPaths } from './tracked-paths.js';
import { v2OnlySyntax } from './compose-syntax.js';
import { configValues, type LoadedConfig } from './project-env.js';
import { oneshotServices } from './oneshots.js';
import { referencedFiles, riskWarnings } from './compose-risks.js';
import { isSecretName, rememberSecretValues, secretValuesInConfig } from './redact.js';
import { ensurePersistentDir, isInside, isLink, staysInside, writeGeneratedFile } from './paths.js';
import { findComposeFiles, findEnvFiles } from './compose-file.js';
import { enabledProfiles, mergeEnvFiles, mergeMappings, projectComposeInputs, projectWithInputs, recordedComposeInputs, renderEnvFile } from './compose-inputs.js';
import { activeServices, checkReleaseFiles, injectConfig, requireVariables } from './release-checks.js';
import { checkBlueGreen } from './traefik.js';
import { networkProblems, traefikProblems, type ContainerProcess } from './traefik-detect.js';
import { releaseImages, type ReleaseImage } from './image-pull.js';
import { tagBuiltImages, type BuiltImage } from './image-build.js';
import { attachTraefikNetwork, releaseAlias, type NetworkAttachment } from './traefik-network.js';
import { nextGeneration } from './traefik-priority.js';
import { hookOnSharedError, parseExtension, resolveShared, type Hook, type HookName } from './extension.js';
import { SHARED_HASH_LABEL, sharedComposeProject } from './shared-names.js';
import type { SharedPlan } from './shared-services.js';
import { blueGreenStatefulError, statefulServices, type StatefulService } from './stateful.js';

import { releaseShape, type ReleaseShape } from './release-shape.js';
export { COMPOSE_FILE_CANDIDATES, findComposeFile, findComposeFiles } from './compose-file.js';
export { activeServices, preflightConfig } from './release-checks.js';

/**
 * A release's compose project: `otterstack-<project>-<sha7>` for the first release of a commit;
 * a later release of the same commit with other configuration gets `-c<N>` (its config version),
 * so it can start next to the one serving (docs/configuration.md).
 */
export function composeProjectName(project: string, sha: string, configVersion?: number): string {
  return `otterstack-${project}-${sha.slice(0, 7)}${configVersion ? `-c${configVersion}` : ''}`;
}

/** The release's key (sha7, or sha7-c<N>): names its generated files. Any other name is its own key. */
export function releaseKey(composeProject: string): string {
  return parseComposeProjectName(composeProject)?.key ?? composeProject;
}

/** Inverse of composeProjectName for names the engine reports. */
export function parseComposeProjectName(name: string): { project: string; sha7: string; key: string } | null {
  const m = /^otterstack-([a-z0-9][a-z0-9-]*?)-(([0-9a-f]{7})(?:-c\d+)?)$/.exec(name);
  return m ? { project: m[1]!, sha7: m[3]!, key: m[2]! } : null;
}

/** What a blue-green release needs: its generation (router priorities) and the Traefik it goes through (null: not inspected). */
export interface BlueGreenPlan {
  generation: number;
  traefik: ContainerProcess | null;
}

export interface PreparedRelease {
  target: ComposeTarget;
  services: string[];
  pinnedVolumes: Record<string, string>;
  /** Pinned volumes the override declares external: create them (ensurePinnedVolumes) before `up`. */
  externalVolumes: string[];
  warnings: string[];
  /** How bind mounts are used (release content, auto-persisted data): informational. */
  notes: string[];
  /** The project's shared services, started before the release (null: none). */
  shared: SharedPlan | null;
  hooks: Partial<Record<HookName, Hook>>;
  /** Services of the release that keep data beyond their container: never two copies at once. */
  stateful: StatefulService[];
  /** Blue-green: routed services to connect to Traefik's network between create and start (null: none). */
  networkAttachment: NetworkAttachment | null;
  /** Blue-green: the release's renamed HTTP routers, whose switch is confirmed through Traefik's API. */
  httpRouters: string[];
  /** Every service's image (shared ones too), for the pull stage (image-pull.ts). */
  images: ReleaseImage[];
  /** Services that build, and the per-release tag they build into (image-build.ts). */
  built: BuiltImage[];
  /** What the release is made of (release-shape.ts), also written beside it for `plan`. */
  shape: ReleaseShape;
}

/**
 * Validates the release's compose file with `compose config`, writes the data-pinning override
 * next to the worktree, and returns the compose target to start. Throws a one-line error on
 * invalid configuration.
 */
export async function prepareRelease(
  ctx: ServiceContext,
  project: Project,
  sha: string,
  worktree: string,
  refLabel: string,
  blueGreen: BlueGreenPlan | null,
  config: LoadedConfig,
  composeProject: string,
): Promise<PreparedRelease> {
  const compose = await ctx.compose();
  const inputs = projectComposeInputs(project);
  // Every input is the checkout's own (findComposeFiles/findEnvFiles confine them) before compose reads any.
  const composeFiles = findComposeFiles(worktree, inputs.files, refLabel);
  const envFiles = findEnvFiles(worktree, inputs.envFiles, refLabel);
  const vars = configValues(config);
  // Compose resolves the relative paths of every file against the first file's folder (v1 and v2).
  const projectDir = path.dirname(composeFiles[0]!);
  const base: ComposeTarget = { project: composeProject, files: composeFiles, projectDir, env: vars, ...(inputs.profiles.length ? { profiles: inputs.profiles } : {}) };
  const rel = composeFiles.map((f) => path.relative(worktree, f)).join(' + ');
  const { parse: parseYaml, stringify: stringifyYaml } = await import('./yaml.js');
  // The raw files (inside the checkout: findComposeFiles checked): x- keys and blue-green labels as
  // written, and the other files they make compose read, checked before compose reads any of them.
  const rawTexts = composeFiles.map((f) => fs.readFileSync(f, 'utf8'));
  const raws = rawTexts.map((text) => {
    try {
      return parseYaml(text) as Record<string, unknown> | null;
    } catch {
      return null; /* not YAML: compose config below says so in its own words */
    }
  });
  const dotEnv = path.join(projectDir, '.env');
  const hasDotEnv = fs.existsSync(dotEnv) || isLink(dotEnv);
  for (const ref of [...raws.flatMap((raw) => referencedFiles(raw)), ...(hasDotEnv ? [{ what: 'the .env file', file: '.env' }] : [])]) {
    if (!staysInside(path.resolve(projectDir, ref.file), worktree)) {
      throw new OtterError('usage', `${ref.what} (${ref.file}) in ${rel} at ${refLabel} resolves outside the repository checkout: refusing to let compose read it; keep the file in the repository`);
    }
  }
  const dotEnvText = hasDotEnv ? fs.readFileSync(dotEnv, 'utf8') : '';
  // The project's env files, merged over the checkout's .env (which --env-file would otherwise
  // replace), into the one file compose takes; its configuration still wins (compose-inputs.ts).
  let envText = dotEnvText;
  let envFileVars = new Map<string, string>();
  if (envFiles.length > 0) {
    envFileVars = mergeEnvFiles([...(hasDotEnv ? [{ source: '.env', text: dotEnvText }] : []), ...envFiles.map((f) => ({ source: path.relative(worktree, f), text: fs.readFileSync(f, 'utf8') }))]);
    rememberSecretValues([...envFileVars].filter(([k, v]) => isSecretName(k) && v.length > 0).map(([, v]) => v));
    envText = renderEnvFile(envFileVars);
    base.envFile = ctx.paths.renderedEnv(project.name, releaseKey(composeProject));
    writeGeneratedFile(base.envFile, envText);
  } else {
    fs.rmSync(ctx.paths.renderedEnv(project.name, releaseKey(composeProject)), { force: true });
  }
  requireVariables(project, rawTexts.join('\n'), vars, envText);
  const rendered = await compose.config(base);
  if (rendered.exitCode !== 0) {
    const needsV2 = compose.cli.kind === 'v1' ? raws.map((raw) => v2OnlySyntax(raw, `${rendered.stdout}\n${rendered.stderr}`)).find(Boolean) : null;
    if (needsV2) throw new OtterError('usage', needsV2.replace('this compose file', `${rel} at ${refLabel}`));
    throw new OtterError('usage', `invalid compose file ${rel} at ${refLabel}: ${firstLine(outputSummary(rendered))}`);
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = (parseYaml(rendered.stdout) ?? {}) as Record<string, unknown>;
  } catch (err) {
    throw new OtterError('internal', `could not read compose config output: ${(err as Error).message}`);
  }
  // From here on, the values of its secret-named variables are masked wherever they would appear.
  rememberSecretValues(secretValuesInConfig(parsed));
  const services = activeServices(parsed, enabledProfiles(inputs.profiles, vars.COMPOSE_PROFILES ?? envFileVars.get('COMPOSE_PROFILES')));
  if (services.length === 0) throw new OtterError('usage', `compose file at ${refLabel} defines no services: add at least one service`);

  // x-otterstack as compose would merge it across the files (v1's `config` drops x- keys, so not from there).
  const extension = mergeMappings(raws.map((raw) => raw?.['x-otterstack']));
  const oneshots = oneshotServices(parsed, extension);
  if (oneshots.errors.length > 0) throw new OtterError('usage', `${rel} at ${refLabel}: ${oneshots.errors[0]!}`);

  const files = await ctx.git.trackedFiles(worktree, sha);
  if (!files) throw new OtterError('internal', `could not list the files of ${refLabel} (git ls-tree failed)`);
  const tracked = new TrackedPaths(files);
  checkReleaseFiles(parsed, worktree, tracked, rel, refLabel);

  const built = buildOverride({
    config: parsed,
    project: project.name,
    composeProject: base.project,
    worktree,
    persistentPaths: JSON.parse(project.persistent_paths) as string[],
    sharedDir: ctx.paths.projectShared(project.name),
    instanceId: ctx.instanceId,
    oneshots: oneshots.services,
    tracked,
    autoPersist: project.auto_persist === 1,
  });
  if (built.errors.length > 0) throw new OtterError('usage', built.errors[0]!);
  const sharedRoot = ctx.paths.projectShared(project.name);
  const serviceNames = Object.keys((parsed.services ?? {}) as object);
  const ext = parseExtension(extension, serviceNames);
  const chosen = resolveShared(ext.shared, JSON.parse(project.shared_services) as string[], serviceNames);
  const extError = ext.errors[0] ?? chosen.errors[0] ?? hookOnSharedError(ext.hooks, chosen.shared);
  if (extError) throw new OtterError('usage', `${rel} at ${refLabel}: ${extError.replace('<project>', project.name)}`);
  const shared = chosen.shared;
  const stateful = statefulServices(parsed, built.override, { exclude: [...shared, ...oneshots.services], sharedRoot });
  // Blue-green runs both releases at once by design: a stateful service in them would be doubled.
  if (blueGreen && stateful.length > 0) throw new OtterError('usage', `blue-green: ${blueGreenStatefulError(stateful[0]!)}`);

  const warnings = [...built.warnings, ...riskWarnings(parsed, worktree), ...injectConfig(built.override, parsed, config.config)];
  // The files as the release runs them: rewritten copies (shared services out, blue-green labels) or as they are.
  let releaseTexts: string[] | null = null;
  let sharedPlan: SharedPlan | null = null;
  if (shared.length > 0) {
    const split = await import('./shared-release.js');
    const problems = [
      ...split.sharedServiceProblems(parsed, shared, worktree, Object.fromEntries(shared.map((s) => [s, ((built.override.services as Record<string, { volumes?: string[] }> | undefined)?.[s]?.volumes ?? [])]))),
    ];
    const definedIn = raws.map((raw) => Object.keys((raw?.services ?? {}) as object));
    const without = rawTexts.map((text, i) => split.withoutSharedServices(text, shared, definedIn.filter((_, j) => j !== i).flat()));
    problems.push(...new Set(without.flatMap((w) => w.errors)));
    if (problems.length > 0) throw new OtterError('usage', `${rel} at ${refLabel}: ${problems[0]!}`);
    releaseTexts = without.map((w) => w.text);
    split.attachSharedNetwork(built.override, parsed, project.name);
    const serviceOverride = built.override.services as Record<string, Record<string, unknown>>;
    const hashes: Record<string, string> = {};
    for (const s of shared) hashes[s] = split.sharedDefinitionHash((parsed.services as Record<string, unknown>)[s], serviceOverride[s], worktree);
    const sharedOverride = structuredClone(built.override);
    for (const s of shared) {
      const svc = (sharedOverride.services as Record<string, { labels: Record<string, string> }>)[s]!;
      svc.labels = { ...svc.labels, [SHARED_HASH_LABEL]: hashes[s]! };
    }
    for (const s of shared) delete serviceOverride[s];
    const sharedOverrideFile = ctx.paths.sharedOverride(project.name, releaseKey(composeProject));
    writeGeneratedFile(sharedOverrideFile, `# generated by otterstack: the project's shared services; do not edit\n${stringifyYaml(sharedOverride)}`);
    sharedPlan = { services: shared, hashes, target: { ...base, project: sharedComposeProject(project.name), files: [...composeFiles, sharedOverrideFile] } };
  }
  let releaseFiles = composeFiles;
  let networkAttachment: NetworkAttachment | null = null;
  const httpRouters: string[] = [];
  if (blueGreen) {
    const check = checkBlueGreen(parsed);
    if (check.errors.length > 0) throw new OtterError('usage', `blue-green: ${check.errors[0]!}`);
    warnings.push(...check.warnings);
    // Per-release router names and priority go into a copy of the raw file (labels cannot be
    // removed by an override).
    const { rewriteComposeFilesLabels } = await import('./traefik-rewrite.js');
    // Names take the release's key (sha7, or sha7-c<N> for a config-only release): two releases never share one.
    const rewritten = rewriteComposeFilesLabels(releaseTexts ?? rawTexts, { suffix: releaseKey(composeProject), generation: blueGreen.generation, resolved: parsed });
    const problem = blueGreen.traefik ? traefikProblems(blueGreen.traefik, { tcpRouters: rewritten.tcpRouters })[0] : undefined;
    if (problem) throw new OtterError('usage', `blue-green: ${problem}`);
    if (blueGreen.traefik) {
      // Routed services join Traefik's network (the override), or Traefik could not reach the new release.
      networkAttachment = attachTraefikNetwork(built.override, parsed, blueGreen.traefik, composeProject);
      warnings.push(...networkProblems(parsed, blueGreen.traefik, composeProject, new Set(networkAttachment?.services)).map((w) => `blue-green: ${w}`));
    }
    httpRouters.push(...rewritten.httpRouters);
    if (rewritten.routers.length === 0) warnings.push('no traefik.*.routers.* labels found: nothing for Traefik to route per release');
    releaseTexts = rewritten.texts;
  }
  if (releaseTexts !== null) {
    // Written beside the worktree (data dir), never into the checkout; --project-directory keeps the
    // files' relative paths resolving against the first file's folder in the checkout.
    const header = `# generated by otterstack${blueGreen ? ' for blue-green' : ''}${shared.length ? ' without the shared services' : ''}; do not edit\n`;
    releaseFiles = releaseTexts.map((text, i) => {
      const file = ctx.paths.releaseCompose(project.name, releaseKey(composeProject), i);
      writeGeneratedFile(file, header + text);
      return file;
    });
  }
  // Shared services keep compose's own image name: they outlive releases (shared-release.ts).
  const releaseServices = Object.fromEntries(Object.entries((parsed.services ?? {}) as Record<string, unknown>).filter(([s]) => !shared.includes(s)));
  const builtImages = tagBuiltImages(built.override, { services: releaseServices }, project.name, releaseKey(composeProject));
  const owners = JSON.parse(project.persistent_owners) as Record<string, string>;
  for (const dir of built.sharedDirs) {
    const owned = Object.keys(owners).find((p) => isInside(dir, path.join(sharedRoot, p)));
    ensurePersistentDir(dir, owned ? { uidGid: owners[owned]!, ownedRoot: path.join(sharedRoot, owned) } : undefined);
  }

  const overrideFile = ctx.paths.override(project.name, releaseKey(composeProject));
  // The generated override always comes last: it pins what the project's own files define.
  const target: ComposeTarget = { ...base, files: releaseFiles };
  if (Object.keys(built.override).length > 0) {
    writeGeneratedFile(overrideFile, `# generated by otterstack; do not edit\n${stringifyYaml(built.override)}`);
    target.files = [...releaseFiles, overrideFile];
  } else {
    fs.rmSync(overrideFile, { force: true });
  }
  const shape = releaseShape(parsed, {
    services: services.filter((s) => !shared.includes(s)),
    shared: sharedPlan?.hashes ?? {},
    volumes: Object.values(built.pinnedVolumes),
    configKeys: Object.keys(config.config.vars),
  });
  writeGeneratedFile(ctx.paths.releaseShape(project.name, releaseKey(composeProject)), `${JSON.stringify(shape, null, 2)}\n`);
  return {
    target,
    services: services.filter((s) => !shared.includes(s)),
    pinnedVolumes: built.pinnedVolumes,
    externalVolumes: built.externalVolumes,
    warnings,
    notes: built.notes,
    shared: sharedPlan,
    hooks: ext.hooks,
    stateful,
    networkAttachment,
    httpRouters,
    images: releaseImages(parsed, serviceNames),
    built: builtImages,
    shape,
  };
}

/**
 * `compose up` for a release. Blue-green with Traefik on another network, or the proxy strategy:
 * create, connect the routed containers to Traefik's (or the OtterStack proxy's) network under
 * per-release aliases (traefik-network.ts), then start, so Traefik's first look at a container (its
 * start event) already finds the address it can reach.
 * Compose leaves a network it does not manage alone on a later `up` (v1 and v2), and a container it
 * recreates comes back through here.
 */
export async function upRelease(ctx: ServiceContext, prepared: Pick<PreparedRelease, 'target' | 'networkAttachment'>, opts: ExecOptions = {}): Promise<ExecResult> {
  const compose = await ctx.compose();
  const attach = prepared.networkAttachment;
  if (!attach) return compose.up(prepared.target, opts);
  const created = await compose.create(prepared.target, opts);
  if (created.exitCode !== 0) return created;
  await connectReleaseNetwork(ctx, prepared.target.project, attach);
  return compose.up(prepared.target, opts);
}

/**
 * Connects the release's containers of `attach.services` to `attach.network` under their
 * per-release aliases only (traefik-network.ts releaseAlias), unless they are on it already.
 * Works on created, stopped or running containers; a connection outlives stop and start.
 */
export async function connectReleaseNetwork(ctx: ServiceContext, cp: string, attach: NetworkAttachment): Promise<void> {
  const containers = (await ctx.engine.listContainers(cp)).filter((c) => attach.services.includes(c.service));
  const networks = await ctx.engine.containerNetworks(containers.map((c) => c.id));
  for (const c of containers) {
    if (networks.get(c.id)?.[attach.network]) continue;
    await ctx.engine.connectNetwork(attach.network, c.id, [releaseAlias(c.service, releaseKey(cp))]);
  }
}

/**
 * Makes the release's worktree hold `sha`: reused when it already does, otherwise (re)created (a
 * corrupt or half-removed folder is cleared first). `beforeCreate` runs just before anything is
 * touched, so a caller can record that a half-made worktree is its to undo. Returns whether it created.
 */
export async function checkoutWorktree(ctx: ServiceContext, project: Project, sha: string, beforeCreate: () => void = () => {}): Promise<boolean> {
  const worktree = ctx.paths.worktree(project.name, sha);
  if (await ctx.git.worktreeAt(worktree, sha)) return false;
  beforeCreate();
  fs.mkdirSync(path.dirname(worktree), { recursive: true, mode: 0o750 });
  if (fs.existsSync(worktree)) await ctx.git.removeWorktree(project.repo_path, worktree);
  await ctx.git.addWorktree(project.repo_path, worktree, sha);
  return true;
}

/** Removes what prepareRelease generated for a release (override, rewritten copies, env file). */
export function removeGeneratedFiles(ctx: ServiceContext, project: string, key: string): void {
  fs.rmSync(ctx.paths.override(project, key), { force: true });
  fs.rmSync(ctx.paths.sharedOverride(project, key), { force: true });
  fs.rmSync(ctx.paths.releaseShape(project, key), { force: true });
  fs.rmSync(ctx.paths.renderedEnv(project, key), { force: true });
  fs.rmSync(ctx.paths.stackFile(project, key), { force: true });
  // One rewritten copy per compose file: release.yaml, release-2.yaml, …
  for (let i = 0; fs.existsSync(ctx.paths.releaseCompose(project, key, i)) || i === 0; i++) fs.rmSync(ctx.paths.releaseCompose(project, key, i), { force: true });
}

/** Creates the release's external pinned volumes that do not exist yet, labelled as ours. */
export async function ensurePinnedVolumes(ctx: ServiceContext, project: Project, prepared: PreparedRelease): Promise<void> {
  for (const name of prepared.externalVolumes) {
    await ctx.engine.ensureVolume(name, { [PROJECT_LABEL]: project.name, [INSTANCE_LABEL]: ctx.instanceId });
  }
}

/** Containers of one release, or all otterstack releases of a project, from one engine call. */
export async function releaseContainers(ctx: ServiceContext, composeProject: string): Promise<ContainerInfo[]> {
  return ctx.engine.listContainers(composeProject);
}

/** Removes a release's containers and networks. Never volumes: pinned volumes are shared by releases. */
export async function removeRelease(ctx: ServiceContext, composeProject: string): Promise<void> {
  const containers = await ctx.engine.listContainers(composeProject);
  await ctx.engine.remove(containers.map((c) => c.id));
  await ctx.engine.removeNetworks(await ctx.engine.listNetworks(composeProject));
}

/**
 * Networks of this project's releases that no container at all uses (of any installation: another
 * installation's release of the same name is never touched), except those of `keep`. A `compose up`
 * killed after creating its network, or whose network request the engine finished after the client
 * died, leaves one behind.
 */
export async function unusedReleaseNetworks(ctx: ServiceContext, project: string, keep: Set<string>): Promise<{ id: string; composeProject: string }[]> {
  const inUse = new Set((await ctx.engine.listContainers()).map((c) => c.composeProject));
  return (await ctx.engine.composeNetworks()).filter((n) => parseComposeProjectName(n.composeProject)?.project === project && !keep.has(n.composeProject) && !inUse.has(n.composeProject));
}

export async function stopRelease(ctx: ServiceContext, composeProject: string): Promise<void> {
  const containers = await ctx.engine.listContainers(composeProject);
  await ctx.engine.stop(containers.filter((c) => c.state === 'running' || c.state === 'restarting').map((c) => c.id));
}

export async function startRelease(ctx: ServiceContext, composeProject: string): Promise<number> {
  const containers = await ctx.engine.listContainers(composeProject);
  await ctx.engine.start(containers.filter((c) => c.state !== 'running').map((c) => c.id));
  return containers.length;
}

export interface WaitOptions {
  timeoutMs: number;
  /** Stability window for services without a healthcheck (startupGraceSeconds). */
  graceMs: number;
  signal?: AbortSignal;
  progress: Progress;
}

/**
 * Polls the engine until the release is healthy, fails, or the bound passes. Emits a container
 * event whenever a container's state or health changes. Works the same under compose v1 and v2.
 */
export async function waitHealthy(
  ctx: ServiceContext,
  composeProject: string,
  services: string[],
  { timeoutMs, graceMs, signal, progress }: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const seen = new Map<string, string>();
  const runningSince = new Map<string, number>();
  let delay = 100;
  for (;;) {
    if (signal?.aborted) throw new OtterError('interrupted', 'interrupted while waiting for containers to become healthy');
    const containers = await ctx.engine.listContainers(composeProject);
    for (const c of containers) {
      const key = `${c.state}/${c.health}`;
      if (seen.get(c.id) !== key) {
        seen.set(c.id, key);
        progress.container(c.service, c.name, c.state, c.health);
      }
    }
    const now = Date.now();
    for (const c of containers) {
      if (c.state !== 'running') runningSince.delete(c.id);
      else if (!runningSince.has(c.id)) runningSince.set(c.id, now);
    }
    const verdict = evaluateRelease(containers, services, { graceMs, runningSince, now });
    if (verdict.state === 'healthy') return;
    if (verdict.state === 'failed') {
      const detail = verdict.container ? await ctx.engine.healthDetail(verdict.container.id) : '';
      throw new OtterError('deploy_failed', `release ${composeProject} failed: ${verdict.reason}${detail ? `: ${detail}` : ''}`);
    }
    if (Date.now() >= deadline) {
      throw new OtterError(
        'deploy_failed',
        `release ${composeProject} not healthy after ${Math.round(timeoutMs / 1000)}s: waiting for ${verdict.waitingFor.join(', ')}; raise --timeout or fix the healthcheck`,
      );
    }
    await sleepUntil(Math.min(delay, Math.max(0, deadline - Date.now())), signal);
    // At most 250 ms between polls: the switch to a healthy release is noticed within that (bench: rollback).
    delay = Math.min(250, delay * 2);
  }
}

/** Waits `ms`, returning early when the signal aborts (the caller checks it). */
export function sleepUntil(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Brings back an active release whose containers are gone (removed by hand): from its worktree
 * (checked out again if missing), validated and started like a deploy, without waiting for health.
 * The project lock is the caller's.
 */
export async function recreateRelease(ctx: ServiceContext, project: Project, d: Deployment): Promise<void> {
  const worktree = ctx.paths.worktree(project.name, d.git_sha);
  await checkoutWorktree(ctx, project, d.git_sha);
  const label = `${d.git_ref ?? d.git_sha.slice(0, 7)} (${d.git_sha.slice(0, 7)})`;
  const { loadConfig } = await import('./project-env.js');
  const config = await loadConfig(ctx, project, d.config_version);
  let blueGreen: BlueGreenPlan | null = null;
  if (project.strategy === 'blue-green') {
    // Traefik is looked up again: the recreated containers must join its network as a deploy's do.
    const { runningTraefik } = await import('./traefik-running.js');
    const choice = await runningTraefik(ctx);
    blueGreen = { generation: (await ctx.store.projects.nextTraefikGeneration(project.id, nextGeneration)).generation, traefik: choice && 'container' in choice ? choice.container : null };
  }
  // The inputs the release ran with, when recorded (a project changed since runs it as it was).
  const recorded = recordedComposeInputs(d);
  const prepared = await prepareRelease(ctx, recorded ? projectWithInputs(project, recorded) : project, d.git_sha, worktree, label, blueGreen, config, d.compose_project);
  if (project.strategy === 'proxy') {
    // The proxy's route names this release's alias on the proxy network: the new containers must answer to it.
    const { projectRoutes } = await import('./proxy-routes.js');
    const { proxyNames } = await import('./proxy/proxy-names.js');
    const services = [...new Set(projectRoutes(project, await ctx.store.projectDomains.forProject(project.id)).map((r) => r.service))].filter((s) => prepared.services.includes(s));
    if (services.length > 0 && (await ctx.engine.networkExists(proxyNames().network))) prepared.networkAttachment = { network: proxyNames().network, services };
  }
  await ensurePinnedVolumes(ctx, project, prepared);
  if (prepared.shared) {
    const { ensureSharedServices } = await import('./shared-services.js');
    await ensureSharedServices(ctx, project, prepared.shared, new Progress([]), { allowUpdate: true });
  }
  const res = await upRelease(ctx, prepared, { timeoutMs: ctx.settings.get('deployTimeoutSeconds') * 1000 });
  if (res.exitCode !== 0) throw new OtterError('environment', `could not recreate ${d.compose_project}: ${firstLine(outputSummary(res))}`);
}
