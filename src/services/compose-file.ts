import fs from 'node:fs';
import path from 'node:path';
import { OtterError } from './errors.js';
import { isLink, resolvesInside } from './paths.js';
import type { Project } from '../db/schema.js';
import type { ServiceContext } from './context.js';

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

/**
 * The service names of the project's compose file at the repository's HEAD, read from git (no
 * checkout), for checking names an operator gives (`project set --shared`); null when unreadable.
 * Only the file itself: services that `include:` or `extends:` bring in are checked at deploy.
 */
export async function serviceNamesAtHead(ctx: ServiceContext, project: Project): Promise<string[] | null> {
  const { parse } = await import('./yaml.js');
  for (const file of project.compose_file ? [project.compose_file] : COMPOSE_FILE_CANDIDATES) {
    const text = await ctx.git.readFile(project.repo_path, 'HEAD', file);
    if (text === null) continue;
    try {
      const services = (parse(text) as { services?: unknown } | null)?.services;
      return services && typeof services === 'object' ? Object.keys(services) : null;
    } catch {
      return null;
    }
  }
  return null;
}
