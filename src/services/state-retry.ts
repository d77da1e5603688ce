import { OtterError, isDatabaseLocked, storageProblem } from './errors.js';
import type { Progress } from './events.js';

/** SQLite already waits `busy_timeout` (10 s) inside each attempt, so 12 attempts bound this at ~2 minutes. */
const ATTEMPTS = 12;

/**
 * DESIGN: once the new release serves and the old one is retired, undoing it because the state
 * database was briefly locked (a backup, an operator's `sqlite3` session) would turn a lock into an
 * outage. Writes made after the switch go through here: retried while the database is locked,
 * and if it stays locked the release keeps serving and the error says how to record it.
 */
export async function writeAfterSwitch<T>(what: string, progress: Progress, write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (!isDatabaseLocked(err)) throw err;
      if (attempt >= ATTEMPTS) {
        throw new OtterError('environment', `${what}: the release is serving, but ${storageProblem(err)}; then run otterstack cleanup to reconcile the record`);
      }
      progress.warning(`the state database is locked by another process; retrying to record ${what} (attempt ${attempt + 1} of ${ATTEMPTS})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
