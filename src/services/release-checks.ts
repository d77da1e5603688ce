import path from 'node:path';
import type { Project } from '../db/schema.js';
import { composeEnvironment } from './commands/compose.js';
import { composeFilesToRead } from './compose-file.js';
import { projectComposeInputs } from './compose-inputs.js';
import type { ServiceContext } from './context.js';
import { OtterError } from './errors.js';
import { requiredVariables } from './interpolation.js';
import { parseMount } from './override.js';
import { isInside, staysInside } from './paths.js';
import { configValues, type LoadedConfig, type ProjectConfig } from './project-env.js';
import type { TrackedPaths } from './tracked-paths.js';

/*
 * What prepareRelease checks and adds beyond compose's own validation: required variables, the
 * project's configuration in the override, profiles, and files that must be the release's own.
 * Pure where it can be; unit-tested through prepareRelease and test/unit/compose-syntax.test.ts.
 */

/**
 * Variables scoped to services (`env set --service`) go into their container environment, and
 * `--build` ones into build args, by name only (`- KEY`): compose takes each value from its own
 * environment, so no value is ever written to the override file.
 */
export function injectConfig(override: Record<string, unknown>, parsed: Record<string, unknown>, config: ProjectConfig): string[] {
  const warnings: string[] = [];
  const defined = (parsed.services ?? {}) as Record<string, { build?: unknown } | null>;
  const services = ((override.services ??= {}) as Record<string, Record<string, unknown>>);
  const add = (svc: string, key: 'environment' | 'args', name: string) => {
    const entry = (services[svc] ??= {});
    if (key === 'environment') ((entry.environment ??= []) as string[]).push(name);
    else (((entry.build ??= {}) as Record<string, string[]>).args ??= []).push(name);
  };
  for (const [name, v] of Object.entries(config.vars).sort(([a], [b]) => a.localeCompare(b))) {
    for (const svc of v.services) {
      if (svc in defined) add(svc, 'environment', name);
      else warnings.push(`variable ${name} is set for service ${svc}, which this release does not define`);
    }
    if (v.build) for (const [svc, def] of Object.entries(defined)) if (def?.build) add(svc, 'args', name);
  }
  return warnings;
}

/** Fails (exit 2) naming every variable the compose file needs that neither the project's configuration, the checkout's .env nor compose's environment gives. */
export function requireVariables(project: Project, composeText: string, vars: Record<string, string>, dotEnvText: string): void {
  const known = new Set([...Object.keys(vars), ...Object.keys(composeEnvironment(process.env))]);
  for (const line of dotEnvText.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    if (m) known.add(m[1]!);
  }
  const missing = requiredVariables(composeText).filter((v) => !known.has(v));
  if (missing.length > 0) {
    throw new OtterError('usage', `missing configuration for ${project.name}: ${missing.join(', ')} — set them with: otterstack env set ${project.name} KEY=…`);
  }
}

/**
 * The same check before a deploy creates anything (row, worktree, containers): the compose files,
 * their .env and the project's env files read straight from git at the release's commit.
 * prepareRelease checks again, and says what is missing or out of bounds.
 */
export async function preflightConfig(ctx: ServiceContext, project: Project, sha: string, config: LoadedConfig): Promise<void> {
  const vars = configValues(config);
  const { files, autoDetect } = composeFilesToRead(project);
  const texts: string[] = [];
  let first: string | null = null;
  for (const file of files) {
    const text = await ctx.git.readFile(project.repo_path, sha, file);
    if (text === null) continue;
    first ??= file;
    texts.push(text);
    if (autoDetect) break;
  }
  if (first === null) return;
  const envTexts = [await ctx.git.readFile(project.repo_path, sha, path.posix.join(path.posix.dirname(first), '.env'))];
  for (const f of projectComposeInputs(project).envFiles) envTexts.push(await ctx.git.readFile(project.repo_path, sha, f));
  requireVariables(project, texts.join('\n'), vars, envTexts.filter((t) => t !== null).join('\n'));
}

/**
 * The services `up` starts: those without `profiles`, or with one of the enabled profiles (the
 * project's --profile list, else COMPOSE_PROFILES: compose-inputs.ts enabledProfiles). Compose v2's
 * `config` already leaves the others out; v1's lists them all, and waiting for a service that never
 * starts would fail every deploy.
 */
export function activeServices(config: Record<string, unknown>, profilesEnv: string | undefined): string[] {
  const enabled = new Set((profilesEnv ?? '').split(',').map((p) => p.trim()).filter(Boolean));
  return Object.entries((config.services ?? {}) as Record<string, { profiles?: unknown } | null>)
    .filter(([, def]) => !Array.isArray(def?.profiles) || def.profiles.length === 0 || def.profiles.some((p) => enabled.has(String(p))))
    .map(([name]) => name);
}

/**
 * What the resolved config mounts or reads from the checkout must be the checkout's: a bind source
 * that is a symlink out of it would hand the container a host path, and a `configs`/`secrets` file
 * that git does not track will not be there in a fresh worktree.
 */
export function checkReleaseFiles(config: Record<string, unknown>, worktree: string, tracked: TrackedPaths, rel: string, refLabel: string): void {
  for (const [service, def] of Object.entries((config.services ?? {}) as Record<string, { volumes?: unknown[] } | null>)) {
    for (const entry of def?.volumes ?? []) {
      const m = parseMount(entry);
      if (!m || m.type !== 'bind' || !path.isAbsolute(m.source) || !isInside(m.source, worktree)) continue;
      if (!staysInside(m.source, worktree)) {
        throw new OtterError('usage', `service ${service} mounts ./${path.relative(worktree, m.source)}, which resolves outside the repository checkout (a symlink?) in ${rel} at ${refLabel}: refusing; mount the host path explicitly if that is meant`);
      }
    }
  }
  for (const top of ['configs', 'secrets'] as const) {
    for (const [name, def] of Object.entries((config[top] ?? {}) as Record<string, { file?: unknown } | null>)) {
      const file = typeof def?.file === 'string' ? def.file : null;
      if (!file || !isInside(file, worktree)) continue;
      const relFile = path.relative(worktree, file);
      if (!staysInside(file, worktree)) throw new OtterError('usage', `${top.slice(0, -1)} ${name} reads ./${relFile}, which resolves outside the repository checkout in ${rel} at ${refLabel}: keep the file in the repository`);
      if (tracked.kind(relFile) === 'absent') {
        throw new OtterError('usage', `${top.slice(0, -1)} ${name} reads ./${relFile}, which is not in the release (not tracked in git) at ${refLabel}: commit it, or define it without a file`);
      }
    }
  }
}
