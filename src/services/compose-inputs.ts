import type { Deployment, Project } from '../db/schema.js';
import { ENV_KEY, parseDotenv } from './dotenv.js';
import { OtterError } from './errors.js';
import { validateComposeFile } from './validation.js';

/**
 * What a project hands compose (issue #17): its compose files in order (none = auto-detect one),
 * the profiles to enable, and extra env files from the repository merged into the one env file
 * compose gets (Compose v1 takes a single --env-file). Stored per project and recorded per release,
 * so a rollback runs a release with the inputs it ran with. Pure; unit-tested.
 */
export interface ComposeInputs {
  /** Relative to the checkout; [] = auto-detect (compose-file.ts COMPOSE_FILE_CANDIDATES). */
  files: string[];
  profiles: string[];
  /** Relative to the checkout; merged in order, later wins. */
  envFiles: string[];
}

const jsonList = (text: string | null | undefined): string[] => {
  if (!text) return [];
  const v = JSON.parse(text) as unknown;
  return Array.isArray(v) ? v.map(String) : [];
};

/** The project's current inputs. A row from before migration 12 filled in compose_files from compose_file; the fallback covers a row written by an older binary since. */
export function projectComposeInputs(project: Pick<Project, 'compose_file' | 'compose_files' | 'compose_profiles' | 'env_files'>): ComposeInputs {
  const files = jsonList(project.compose_files);
  return {
    files: files.length > 0 ? files : project.compose_file ? [project.compose_file] : [],
    profiles: jsonList(project.compose_profiles),
    envFiles: jsonList(project.env_files),
  };
}

/** The inputs a release ran with; null when it was recorded before they were (then: the project's). */
export function recordedComposeInputs(d: Pick<Deployment, 'compose_inputs'>): ComposeInputs | null {
  if (!d.compose_inputs) return null;
  const v = JSON.parse(d.compose_inputs) as Partial<ComposeInputs>;
  return { files: v.files ?? [], profiles: v.profiles ?? [], envFiles: v.envFiles ?? [] };
}

/** A copy of the project that runs with `inputs` (rollback and recreate of a release recorded with other ones). */
export function projectWithInputs(project: Project, inputs: ComposeInputs): Project {
  return { ...project, ...inputColumns(inputs) };
}

/** The projects-table columns for `inputs`; compose_file keeps the first file for readers that know only it. */
export function inputColumns(inputs: ComposeInputs): Pick<Project, 'compose_file' | 'compose_files' | 'compose_profiles' | 'env_files'> {
  return {
    compose_file: inputs.files[0] ?? null,
    compose_files: JSON.stringify(inputs.files),
    compose_profiles: JSON.stringify(inputs.profiles),
    env_files: JSON.stringify(inputs.envFiles),
  };
}

export function sameComposeInputs(a: ComposeInputs, b: ComposeInputs): boolean {
  return JSON.stringify([a.files, a.profiles, a.envFiles]) === JSON.stringify([b.files, b.profiles, b.envFiles]);
}

/**
 * A repeatable flag's values: each one item, in order, duplicates dropped; a lone '' means "none"
 * (`project set --profile ''`), as `--shared ''` does.
 */
export function flagList(values: readonly string[]): string[] {
  if (values.length === 1 && values[0] === '') return [];
  return [...new Set(values)];
}

export function validateComposeFiles(values: readonly string[]): string[] {
  return flagList(values).map(validateComposeFile);
}

/** Compose's own rule for profile names (compose-go), which also keeps a value from reading as an option. */
const PROFILE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function validateProfiles(values: readonly string[]): string[] {
  return flagList(values).map((p) => {
    if (!PROFILE.test(p) || p.length > 128) {
      throw new OtterError('usage', `invalid profile ${JSON.stringify(p)}: use letters, digits, '_', '.' and '-', starting with a letter or digit`);
    }
    return p;
  });
}

/** Env files are read from the checkout, like compose files: relative, no '..', no control characters. */
export function validateEnvFiles(values: readonly string[]): string[] {
  return flagList(values).map((f) => {
    try {
      return validateComposeFile(f);
    } catch {
      throw new OtterError('usage', `invalid env file ${JSON.stringify(f)}: give a path relative to the repository root, without '..' or control characters`);
    }
  });
}

/** "compose.yaml + compose.prod.yaml, profiles extra, env files prod.env", for show and the TUI. */
export function describeInputs(inputs: ComposeInputs): { files: string; profiles: string; envFiles: string } {
  return {
    files: inputs.files.length ? inputs.files.join(' + ') : '(auto)',
    profiles: inputs.profiles.length ? inputs.profiles.join(', ') : '-',
    envFiles: inputs.envFiles.length ? inputs.envFiles.join(' + ') : '-',
  };
}

/** Names compose must not take from an env file: OtterStack alone decides the project and its files. */
const RESERVED = new Set(['COMPOSE_PROJECT_NAME', 'COMPOSE_FILE']);

/**
 * The env files' variables merged in order, a later file winning over an earlier one (compose's own
 * rule for several --env-file). The project's configuration is not in here: it reaches compose as
 * its environment, which compose ranks above any env file (v1 and v2), so it wins as before and its
 * values are never written to disk.
 */
export function mergeEnvFiles(sources: readonly { source: string; text: string }[]): Map<string, string> {
  const merged = new Map<string, string>();
  for (const { source, text } of sources) {
    for (const [k, v] of parseDotenv(text, source)) {
      if (RESERVED.has(k)) continue;
      merged.delete(k);
      merged.set(k, v);
    }
  }
  return merged;
}

/**
 * The single env file compose gets. Values are single-quoted where they can be, so neither v1's nor
 * v2's parser expands `$` in them (they are taken literally, as our parser read them); a value with a
 * quote or a line break is double-quoted with escapes both read back.
 */
export function renderEnvFile(vars: Map<string, string>): string {
  const lines = ['# generated by otterstack from the project\'s env files; do not edit'];
  for (const [k, v] of vars) {
    if (!ENV_KEY.test(k)) continue;
    if (!/['\n\r]/.test(v)) lines.push(`${k}='${v}'`);
    else lines.push(`${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '\\$').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`);
  }
  return lines.join('\n') + '\n';
}

/** The compose argv part for profiles (v1 >= 1.28 and v2 take `--profile` before the command). */
export function profileArgs(profiles: readonly string[] | undefined): string[] {
  return (profiles ?? []).flatMap((p) => ['--profile', p]);
}

/**
 * The profiles that decide which services `up` starts: the project's --profile list, else
 * COMPOSE_PROFILES (compose's own rule: --profile replaces the variable, v1 and v2).
 */
export function enabledProfiles(profiles: readonly string[], composeProfilesVar: string | undefined): string {
  return profiles.length > 0 ? profiles.join(',') : (composeProfilesVar ?? '');
}

/**
 * Top-level extension mappings (x-otterstack) of several files merged as compose merges them:
 * mappings key by key, anything else replaced by the later file.
 */
export function mergeMappings(values: readonly unknown[]): unknown {
  let out: unknown = undefined;
  for (const v of values) {
    if (v === undefined) continue;
    out = isPlainObject(out) && isPlainObject(v) ? mergeTwo(out, v) : v;
  }
  return out;
}

function mergeTwo(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isPlainObject(out[k]) && isPlainObject(v) ? mergeTwo(out[k] as Record<string, unknown>, v) : v;
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
