import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * A transaction that takes SQLite's write lock at BEGIN (`BEGIN IMMEDIATE`).
 *
 * Why not kysely's `transaction()`: it issues a plain (deferred) BEGIN, which takes the write lock
 * only at the first write. In WAL mode, if another process committed since our first read, that
 * upgrade fails at once with SQLITE_BUSY — busy_timeout is not consulted, because waiting cannot
 * help a stale snapshot. Several otterstack processes share the state file (TUI, CI deploys, the
 * first run of many at once), so every read-then-write transaction waits for the lock up front.
 */
export function writeTransaction<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`BEGIN IMMEDIATE`.execute(conn);
    let result: T;
    try {
      result = await fn(conn);
    } catch (err) {
      // SQLite may already have rolled back (e.g. SQLITE_FULL); the original error is what matters.
      await sql`ROLLBACK`.execute(conn).catch(() => undefined);
      throw err;
    }
    await sql`COMMIT`.execute(conn);
    return result;
  });
}
