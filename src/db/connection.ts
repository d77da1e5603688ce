import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { MIGRATIONS, migrate } from './migrations.js';
import { openSqlite } from './sqlite.js';
import { OtterError } from '../services/errors.js';
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
  // busy_timeout comes first: switching a fresh file to WAL needs an exclusive lock, and without a
  // timeout a second process opening it at the same moment fails at once.
  sqlite.exec('PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrate(db);
  // WAL side files are created by SQLite with the umask; keep them private too.
  for (const side of [`${file}-wal`, `${file}-shm`]) if (fs.existsSync(side)) fs.chmodSync(side, STATE_FILE_MODE);
  return { db, close: () => db.destroy() };
}

/**
 * Opens the state file of a read-only data dir (a read-only mount, a backup, another user's dir)
 * for reading only. SQLite cannot open a WAL database read-only when it may not create the `-shm`
 * file beside it, so this reads a private snapshot: the file (and its WAL) copied to a 0700 temp
 * dir, removed on close. Nothing can change it under us: its folder is not writable by us either.
 */
export async function openReadOnlySnapshot(file: string): Promise<OpenedDatabase> {
  if (!fs.existsSync(file)) throw new OtterError('environment', `the data dir is read-only and holds no state file (${file}): pass the right --data-dir, or remount it read-write`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otterstack-ro-'));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const copy = path.join(dir, path.basename(file));
    fs.copyFileSync(file, copy);
    if (fs.existsSync(`${file}-wal`)) fs.copyFileSync(`${file}-wal`, `${copy}-wal`);
    const sqlite = openSqlite(copy);
    sqlite.exec('PRAGMA query_only = ON;');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    const row = await sql<{ v: number | null }>`SELECT max(version) AS v FROM schema_version`.execute(db);
    const latest = Math.max(...MIGRATIONS.map((m) => m.version));
    if ((row.rows[0]?.v ?? 0) < latest) {
      await db.destroy();
      throw new OtterError('environment', `${file} needs a schema upgrade, which a read-only data dir does not allow: remount it read-write and run any command once`);
    }
    return {
      db,
      close: async () => {
        await db.destroy();
        remove();
      },
    };
  } catch (err) {
    remove();
    throw err;
  }
}
