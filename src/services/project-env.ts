import type { Project } from '../db/schema.js';
import type { ServiceContext } from './context.js';
import { ENV_KEY, formatDotenv, parseDotenv } from './dotenv.js';
import { OtterError } from './errors.js';
import { requireProject } from './projects.js';
import { isSecretName, rememberSecretValues } from './redact.js';

/**
 * A project's configuration: variables for compose interpolation (`${KEY}`), optionally injected
 * into services' environments and passed as build args. Every change is a new version (a full,
 * encrypted snapshot), so each release records the configuration it ran with (docs/configuration.md).
 */
export interface ConfigVar {
  value: string;
  /** Services whose container environment gets the variable (through the generated override). */
  services: string[];
  /** Passed as a build arg to `build:` services. */
  build: boolean;
}

export interface ProjectConfig {
  vars: Record<string, ConfigVar>;
}

export interface LoadedConfig {
  version: number;
  config: ProjectConfig;
}

const EMPTY: LoadedConfig = { version: 0, config: { vars: {} } };

/** NAME -> value, as compose receives them. */
export function configValues(config: LoadedConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(config.config.vars).map(([k, v]) => [k, v.value]));
}

/** Values at least this long are masked wherever they appear; shorter ones only when their name says secret. */
const MASK_MIN_LENGTH = 6;

export function validateKey(key: string): string {
  if (!ENV_KEY.test(key)) throw new OtterError('usage', `invalid variable name ${JSON.stringify(key)}: use letters, digits and _, not starting with a digit`);
  return key;
}

export function validateValue(key: string, value: string): string {
  if (value.includes('\0')) throw new OtterError('usage', `the value of ${key} contains NUL, which no environment can carry`);
  return value;
}

/** `****`, or `****` plus the last 2 characters of a value of 12 characters or more. */
export function maskValue(value: string): string {
  return value.length >= 12 ? `****${value.slice(-2)}` : '****';
}

/** The configuration a release runs with: `version` (0 = none yet), or the latest. */
export async function loadConfig(ctx: ServiceContext, project: Project, version?: number | null): Promise<LoadedConfig> {
  const row = version ? await ctx.store.configVersions.byVersion(project.id, version) : await ctx.store.configVersions.latest(project.id);
  if (!row) {
    if (version) throw new OtterError('not_found', `configuration version ${version} of ${project.name} no longer exists`);
    return EMPTY;
  }
  const config = JSON.parse(ctx.secrets.open(row.sealed)) as ProjectConfig;
  rememberConfigValues(config);
  return { version: row.version, config };
}

/** From here on, these values are masked in everything printed, logged, stored or sent. */
export function rememberConfigValues(config: ProjectConfig): void {
  rememberSecretValues(Object.entries(config.vars).filter(([k, v]) => v.value.length >= MASK_MIN_LENGTH || (isSecretName(k) && v.value.length > 0)).map(([, v]) => v.value));
}

/** Names only, never values: `+NEW ~CHANGED -GONE`. */
export function describeChanges(before: ProjectConfig, after: ProjectConfig): string {
  const keys = [...new Set([...Object.keys(before.vars), ...Object.keys(after.vars)])].sort();
  return keys
    .flatMap((k) => {
      const a = before.vars[k];
      const b = after.vars[k];
      if (!a && b) return [`+${k}`];
      if (a && !b) return [`-${k}`];
      return JSON.stringify(a) === JSON.stringify(b) ? [] : [`~${k}`];
    })
    .join(' ');
}

function canonical(config: ProjectConfig): string {
  const keys = Object.keys(config.vars).sort();
  return JSON.stringify(keys.map((k) => [k, config.vars[k]!.value, [...config.vars[k]!.services].sort(), config.vars[k]!.build]));
}

export interface ConfigChange {
  project: string;
  version: number;
  /** Empty when nothing changed (no new version). */
  changes: string;
}

/** Applies `mutate` to a copy of the latest configuration and records it as a new version if it differs. */
export async function changeConfig(ctx: ServiceContext, name: string, mutate: (vars: Record<string, ConfigVar>) => void): Promise<ConfigChange> {
  const project = await requireProject(ctx, name);
  const current = await loadConfig(ctx, project);
  const next: ProjectConfig = structuredClone(current.config);
  mutate(next.vars);
  return recordConfig(ctx, project, current, next);
}

export async function recordConfig(ctx: ServiceContext, project: Project, current: LoadedConfig, next: ProjectConfig): Promise<ConfigChange> {
  const changes = describeChanges(current.config, next);
  if (!changes) return { project: project.name, version: current.version, changes: '' };
  rememberConfigValues(next);
  const row = await ctx.store.configVersions.append(project.id, { sealed: ctx.secrets.seal(JSON.stringify(next)), digest: ctx.secrets.digest(canonical(next)), changes });
  return { project: project.name, version: row.version, changes };
}

export interface SetOptions {
  services?: string[];
  build?: boolean;
}

export function setVars(ctx: ServiceContext, name: string, pairs: [string, string][], opts: SetOptions = {}): Promise<ConfigChange> {
  if (pairs.length === 0) throw new OtterError('usage', 'nothing to set: give KEY=VALUE, or KEY --stdin');
  const checked = pairs.map(([k, v]) => [validateKey(k), validateValue(k, v)] as const);
  for (const s of opts.services ?? []) if (!/^[a-zA-Z0-9._-]+$/.test(s)) throw new OtterError('usage', `invalid service name ${JSON.stringify(s)}`);
  return changeConfig(ctx, name, (vars) => {
    for (const [k, v] of checked) {
      const before = vars[k];
      vars[k] = {
        value: v,
        services: [...new Set([...(before?.services ?? []), ...(opts.services ?? [])])].sort(),
        build: opts.build ?? before?.build ?? false,
      };
    }
  });
}

export function unsetVars(ctx: ServiceContext, name: string, keys: string[]): Promise<ConfigChange> {
  if (keys.length === 0) throw new OtterError('usage', 'nothing to unset: give one or more names');
  keys.forEach(validateKey);
  return changeConfig(ctx, name, (vars) => {
    const missing = keys.filter((k) => !(k in vars));
    if (missing.length > 0) throw new OtterError('not_found', `${name} has no variable ${missing.join(', ')}: see otterstack env list ${name}`);
    for (const k of keys) delete vars[k];
  });
}

export function importVars(ctx: ServiceContext, name: string, text: string, source: string, opts: SetOptions = {}): Promise<ConfigChange> {
  return setVars(ctx, name, parseDotenv(text, source), opts);
}

export interface ListedVar {
  key: string;
  value: string;
  masked: boolean;
  services: string[];
  build: boolean;
}

export async function listVars(ctx: ServiceContext, name: string, reveal = false): Promise<{ version: number; vars: ListedVar[] }> {
  const project = await requireProject(ctx, name);
  const { version, config } = await loadConfig(ctx, project);
  const vars = Object.keys(config.vars)
    .sort()
    .map((key) => {
      const v = config.vars[key]!;
      return { key, value: reveal ? v.value : maskValue(v.value), masked: !reveal, services: v.services, build: v.build };
    });
  return { version, vars };
}

export async function exportVars(ctx: ServiceContext, name: string): Promise<string> {
  const project = await requireProject(ctx, name);
  const { config } = await loadConfig(ctx, project);
  return formatDotenv(Object.keys(config.vars).sort().map((k) => [k, config.vars[k]!.value]));
}

/** Two configuration versions hold the same variables (compared by keyed digest; 0/null = none). */
export async function sameConfig(ctx: ServiceContext, project: Project, a: number | null, b: number | null): Promise<boolean> {
  if ((a ?? 0) === (b ?? 0)) return true;
  const digest = async (v: number | null) => (v ? ((await ctx.store.configVersions.byVersion(project.id, v))?.digest ?? `missing-${v}`) : 'none');
  return (await digest(a)) === (await digest(b));
}
