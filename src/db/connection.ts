import fs from 'node:fs';
import { Kysely, SqliteDialect } from 'kysely';
import { migrate } from './migrations.js';
import { openSqlite } from './sqlite.js';
import type { Database } from './schema.js';

export const STATE_FILE_MODE = 0o600;

export interface OpenedDatabase {
  db: Kysely<Database>;
  close(): Promise<void>;
}

/** Opens (creating if needed) the state file: mode 0600, WAL, foreign keys on, migrated. */
export async function openDatabase(file: string): Promise<OpenedDatabase> {
  if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'a', STATE_FILE_MODE));
  fs.chmodSync(file, STATE_FILE_MODE);
  const sqlite = openSqlite(file);
  // Several otterstack processes (TUI, CI deploys) share the file; wait for a writer instead of failing.
  sqlite.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrate(db);
  // WAL side files are created by SQLite with the umask; keep them private too.
  for (const side of [`${file}-wal`, `${file}-shm`]) if (fs.existsSync(side)) fs.chmodSync(side, STATE_FILE_MODE);
  return { db, close: () => db.destroy() };
}
