import type { Project } from '../db/schema.js';
import type { ServiceContext } from './context.js';
import { OtterError } from './errors.js';
import type { PullPolicy } from './image-pull.js';

/** What `project add` decides about a project, whatever its source. */
export type ProjectFields = Pick<Project, 'compose_file' | 'compose_files' | 'compose_profiles' | 'env_files' | 'strategy' | 'persistent_paths' | 'auto_persist'> & { pull_policy?: PullPolicy };

/**
 * Inserts the project row. Two `project add` of one name can both pass the early check; the
 * database's unique index decides, and the loser gets the same "already exists" (exit 4).
 */
export async function insertProject(ctx: ServiceContext, row: Parameters<ServiceContext['store']['projects']['insert']>[0]): Promise<Project> {
  try {
    return await ctx.store.projects.insert(row);
  } catch (err) {
    if (/UNIQUE constraint failed: projects\.name/.test((err as Error).message)) {
      throw new OtterError('conflict', `project ${row.name} already exists: pick another name or remove it first`);
    }
    throw err;
  }
}
