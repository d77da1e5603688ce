import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** Reads the real state file directly, to check what the CLI recorded. */
export function deployments(dataDir: string, project: string): { id: number; status: string; git_sha: string; git_ref: string; error_message: string | null; worktree_path: string; compose_project: string }[] {
  const db = new Database(path.join(dataDir, 'otterstack.db'), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT d.* FROM deployments d JOIN projects p ON p.id = d.project_id WHERE p.name = ? ORDER BY d.id')
      .all(project) as ReturnType<typeof deployments>;
  } finally {
    db.close();
  }
}

export function instanceId(dataDir: string): string {
  const db = new Database(path.join(dataDir, 'otterstack.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT value FROM meta WHERE key = 'instance_id'").get() as { value: string }).value;
  } finally {
    db.close();
  }
}

export function worktreeDirs(dataDir: string, project: string): string[] {
  const dir = path.join(dataDir, 'worktrees', project);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => !f.endsWith('.yaml')).sort() : [];
}

export function lockFiles(dataDir: string): string[] {
  const dir = path.join(dataDir, 'locks');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}
