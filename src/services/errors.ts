/**
 * Every failure a service reports is an OtterError: a one-line message that says what was
 * wrong and what to do, plus a kind that the CLI maps to an exit code.
 */
export type ErrorKind =
  | 'usage' // bad input from the operator
  | 'not_found' // project, ref, release or file does not exist
  | 'conflict' // lock held, already exists
  | 'environment' // docker/git missing or broken
  | 'deploy_failed' // the release did not become healthy
  | 'interrupted' // SIGINT/SIGTERM
  | 'internal';

export const EXIT_CODES: Record<ErrorKind, number> = {
  internal: 1,
  usage: 2,
  not_found: 3,
  conflict: 4,
  environment: 5,
  deploy_failed: 6,
  interrupted: 130,
};

export class OtterError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'OtterError';
  }
}

export function toOtterError(err: unknown): OtterError {
  if (err instanceof OtterError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const storage = storageProblem(err);
  if (storage) return new OtterError('environment', storage);
  return new OtterError('internal', firstLine(message));
}

/**
 * A failure of the disk or the state database, said as a sentence with what to do (exit 5), or
 * null for anything else. SQLite reports these by message (both drivers), the file system by code.
 */
/** SQLite's "another connection holds the lock" (SQLITE_BUSY), from either driver. */
export function isDatabaseLocked(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return /database is locked|SQLITE_BUSY|database table is locked/i.test(message) || code.startsWith('SQLITE_BUSY');
}

export function storageProblem(err: unknown): string | null {
  const e = err as { code?: unknown; path?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const where = typeof e?.path === 'string' ? ` (${e.path})` : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (isDatabaseLocked(err)) {
    return 'the state database is locked by another process (waited 10 s): let the other otterstack or sqlite3 session finish (see `fuser <data dir>/otterstack.db`), then retry';
  }
  if (code === 'ENOSPC' || code === 'SQLITE_FULL' || /database or disk is full|no space left/i.test(message)) {
    return `the disk holding the data dir is full${where}: free space, then retry`;
  }
  if (code === 'EROFS' || code.startsWith('SQLITE_READONLY') || /readonly database|read-only file system/i.test(message)) {
    return `the data dir is read-only${where}: remount it read-write to deploy or change anything (status, history, logs and doctor work read-only)`;
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return `permission denied${where}: run otterstack as the data dir's owner, or fix its permissions`;
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO' || /disk I\/O error/i.test(message)) {
    return `the state database could not be read or written (disk I/O error)${where}: check the disk (dmesg, free space), then run otterstack doctor`;
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || /database disk image is malformed|file is not a database/i.test(message)) {
    return 'the state database is damaged: restore otterstack.db from a backup (or move it aside to start empty)';
  }
  return null;
}

export function firstLine(text: string): string {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  return line ?? '';
}
