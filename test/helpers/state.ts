import fs from 'node:fs';
import path from 'node:path';
import { openSqlite } from '../../src/db/sqlite.js';

/** Rows of one query against the real state file (read-only), with the CLI's own SQLite binding. */
function query<T>(dataDir: string, sql: string, ...params: unknown[]): T[] {
  const file = path.join(dataDir, 'otterstack.db');
  if (!fs.existsSync(file)) throw new Error(`no state file at ${file}`);
  const db = openSqlite(file, { readonly: true });
  try {
    return db.all(sql, ...params).map((row) => ({ ...row }) as T);
  } finally {
    db.close();
  }
}

/** Reads the real state file directly, to check what the CLI recorded. */
export function deployments(dataDir: string, project: string): { id: number; status: string; git_sha: string; git_ref: string; error_message: string | null; worktree_path: string; compose_project: string }[] {
  return query(dataDir, 'SELECT d.* FROM deployments d JOIN projects p ON p.id = d.project_id WHERE p.name = ? ORDER BY d.id', project);
}

export function instanceId(dataDir: string): string {
  return query<{ value: string }>(dataDir, "SELECT value FROM meta WHERE key = 'instance_id'")[0]!.value;
}

export function worktreeDirs(dataDir: string, project: string): string[] {
  const dir = path.join(dataDir, 'worktrees', project);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => !f.endsWith('.yaml') && !f.endsWith('.compose.env') && !f.endsWith('.shape.json')).sort() : [];
}

export function lockFiles(dataDir: string): string[] {
  const dir = path.join(dataDir, 'locks');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

/** Operation log rows still marked running (a process that died mid-operation leaves them). */
export function runningOperationLogs(dataDir: string, project: string): { id: number; operation: string }[] {
  return query(dataDir, "SELECT o.id, o.operation FROM operation_logs o JOIN projects p ON p.id = o.project_id WHERE p.name = ? AND o.status = 'running'", project);
}
