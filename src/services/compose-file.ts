import fs from 'node:fs';
import path from 'node:path';
import { OtterError } from './errors.js';
import { isLink, resolvesInside } from './paths.js';
import type { Project } from '../db/schema.js';
import type { ServiceContext } from './context.js';
import { projectComposeInputs } from './compose-inputs.js';

export const COMPOSE_FILE_CANDIDATES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

/** The release's compose file: the configured one or the first candidate present, never one that leads out of the checkout. */
export function findComposeFile(worktree: string, configured: string | null, refLabel: string): string {
  const candidates = configured ? [configured] : COMPOSE_FILE_CANDIDATES;
  const name = candidates.find((c) => fs.existsSync(path.join(worktree, c)) || isLink(path.join(worktree, c)));
  if (!name) {
    throw configured
      ? new OtterError('not_found', `compose file ${configured} not found at ${refLabel}: check the path or change it with --compose-file`)
      : new OtterError('not_found', `no compose file at ${refLabel} (looked for ${COMPOSE_FILE_CANDIDATES.join(', ')}): add one to the repository or set --compose-file`);
  }
  const file = path.join(worktree, name);
  // A repository is untrusted: a compose file (or a folder on its path) that is a symlink out of the
  // checkout would have compose read, and echo in its errors, a host file. Symlinks inside stay fine.
  if (!resolvesInside(file, worktree)) {
    throw new OtterError('usage', `compose file ${name} at ${refLabel} resolves outside the repository checkout (a symlink?): refusing to read it; commit the file itself`);
  }
  return file;
}

/** The release's compose files in the configured order (each found and confined as findComposeFile does), or the one auto-detected. */
export function findComposeFiles(worktree: string, configured: readonly string[], refLabel: string): string[] {
  if (configured.length === 0) return [findComposeFile(worktree, null, refLabel)];
  return configured.map((f) => findComposeFile(worktree, f, refLabel));
}

/**
 * The project's env files in the release: each must exist and, like a compose file, stay inside
 * the checkout (a symlink out would have us copy a host file into what compose reads).
 */
export function findEnvFiles(worktree: string, configured: readonly string[], refLabel: string): string[] {
  return configured.map((name) => {
    const file = path.join(worktree, name);
    if (!fs.existsSync(file) && !isLink(file)) throw new OtterError('not_found', `env file ${name} not found at ${refLabel}: commit it, or change the list with project set --compose-env-file`);
    if (!resolvesInside(file, worktree)) {
      throw new OtterError('usage', `env file ${name} at ${refLabel} resolves outside the repository checkout (a symlink?): refusing to read it; commit the file itself`);
    }
    if (!fs.statSync(file).isFile()) throw new OtterError('usage', `env file ${name} at ${refLabel} is not a file: give the path of a dotenv file`);
    return file;
  });
}

/** The project's compose files as named in git: the configured ones, or the candidates to try in turn. */
export function composeFilesToRead(project: Pick<Project, 'compose_file' | 'compose_files' | 'compose_profiles' | 'env_files'>): { files: string[]; autoDetect: boolean } {
  const { files } = projectComposeInputs(project);
  return files.length > 0 ? { files, autoDetect: false } : { files: COMPOSE_FILE_CANDIDATES, autoDetect: true };
}

/**
 * The service names of the project's compose files at the repository's HEAD, read from git (no
 * checkout), for checking names an operator gives (`project set --shared`); null when unreadable.
 * Only the files themselves: services that `include:` or `extends:` bring in are checked at deploy.
 */
export async function serviceNamesAtHead(ctx: ServiceContext, project: Project): Promise<string[] | null> {
  const { parse } = await import('./yaml.js');
  const { files, autoDetect } = composeFilesToRead(project);
  const names = new Set<string>();
  let read = false;
  for (const file of files) {
    const text = await ctx.git.readFile(project.repo_path, 'HEAD', file);
    if (text === null) continue;
    try {
      const services = (parse(text) as { services?: unknown } | null)?.services;
      if (services && typeof services === 'object') Object.keys(services).forEach((n) => names.add(n));
      read = true;
    } catch {
      return null;
    }
    if (autoDetect) break;
  }
  return read ? [...names] : null;
}
