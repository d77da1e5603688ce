import { createRequire } from 'node:module';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * The SQLite binding under the state file, chosen per Node version (docs/node-versions.md):
 *
 * - Node 24+: the built-in `node:sqlite`. better-sqlite3 12 (the last line that runs on Node 20)
 *   derives its objects from node::ObjectWrap, whose destructor Node 24.19+ CHECKs against a live
 *   Environment: a Statement or Database finalised by a GC outside a JS context (idle GC, process
 *   teardown) aborts the process (`RemoveEnvironmentCleanupHook: Assertion failed: (env) !=
 *   nullptr`). We saw it abort a CLI run and a test worker here. better-sqlite3 13 fixes it but
 *   needs Node 22+ and segfaults on Node 20.
 * - Node 20/22: better-sqlite3 12, required lazily so Node 24 never loads it.
 *
 * Both are wrapped into kysely's SqliteDatabase plus the few calls our own code makes.
 */
export interface StateDatabase extends SqliteDatabase {
  exec(sql: string): void;
  /** Rows of a query, for tests and tools that read the file directly. */
  all(sql: string, ...params: unknown[]): Record<string, unknown>[];
  readonly driver: 'node:sqlite' | 'better-sqlite3';
}

const require = createRequire(import.meta.url);

export function useBuiltinSqlite(version = process.versions.node): boolean {
  return Number(version.split('.')[0]) >= 24;
}

export function openSqlite(file: string, opts: { readonly?: boolean } = {}): StateDatabase {
  return useBuiltinSqlite() ? openBuiltin(file, opts.readonly ?? false) : openBetterSqlite(file, opts.readonly ?? false);
}

interface BuiltinStatement {
  columns(): unknown[];
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

function openBuiltin(file: string, readOnly: boolean): StateDatabase {
  const { DatabaseSync } = require('node:sqlite') as {
    DatabaseSync: new (file: string, opts: { readOnly: boolean }) => { prepare(sql: string): BuiltinStatement; exec(sql: string): void; close(): void };
  };
  const db = new DatabaseSync(file, { readOnly });
  return {
    driver: 'node:sqlite',
    close: () => db.close(),
    exec: (sql) => db.exec(sql),
    all: (sql, ...params) => db.prepare(sql).all(...params) as Record<string, unknown>[],
    prepare(sql: string): SqliteStatement {
      const stmt = db.prepare(sql);
      return {
        // kysely asks whether a statement returns rows (all) or not (run): a statement with result columns does.
        reader: stmt.columns().length > 0,
        all: (params) => stmt.all(...params),
        run: (params) => stmt.run(...params),
        iterate: (params) => stmt.iterate(...params),
      };
    },
  };
}

function openBetterSqlite(file: string, readonly: boolean): StateDatabase {
  const SQLite = require('better-sqlite3') as typeof import('better-sqlite3');
  const db = new SQLite(file, { readonly });
  return {
    driver: 'better-sqlite3',
    close: () => db.close(),
    exec: (sql) => void db.exec(sql),
    all: (sql, ...params) => db.prepare(sql).all(...params) as Record<string, unknown>[],
    prepare: (sql) => db.prepare(sql) as unknown as SqliteStatement,
  };
}
