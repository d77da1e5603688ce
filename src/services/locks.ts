import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What a lock file records about its holder, so a second process can name it or detect it died. */
export interface LockHolder {
  pid: number;
  /** Kernel start time of the holder (from /proc), so a reused PID is not mistaken for the holder. */
  procStart: string | null;
  host: string;
  operation: string;
  acquiredAt: number;
  token: string;
}

export function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); fields after the ')' that closes the command name.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export function isProcessAlive(pid: number, procStart: string | null = null): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (procStart === null) return true;
  const now = processStartTime(pid);
  return now === null || now === procStart;
}

export function isHolderAlive(holder: LockHolder): boolean {
  // A lock from another host (shared data dir) cannot be checked; treat it as alive.
  if (holder.host !== os.hostname()) return true;
  return isProcessAlive(holder.pid, holder.procStart);
}

export function readHolder(file: string): LockHolder | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return null;
  }
}

export class FileLock {
  private released = false;
  constructor(
    readonly file: string,
    readonly holder: LockHolder,
  ) {}

  /** Removes the lock file only if it is still ours. Safe to call twice. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (readHolder(this.file)?.token === this.holder.token) fs.rmSync(this.file, { force: true });
  }
}

export type AcquireResult = { ok: true; lock: FileLock; tookOverFrom: LockHolder | null } | { ok: false; holder: LockHolder | null };

/**
 * Creates the lock file atomically (link of a fully written temp file, so readers never see a
 * half-written holder). A lock whose holder process is dead is taken over.
 */
export function tryAcquire(file: string, operation: string): AcquireResult {
  const holder: LockHolder = {
    pid: process.pid,
    procStart: processStartTime(process.pid),
    host: os.hostname(),
    operation,
    acquiredAt: Date.now(),
    token: crypto.randomUUID(),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
  const tmp = `${file}.${holder.token}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(holder), { mode: 0o640 });
  let tookOverFrom: LockHolder | null = null;
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        fs.linkSync(tmp, file);
        return { ok: true, lock: new FileLock(file, holder), tookOverFrom };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const current = readHolder(file);
      if (current && isHolderAlive(current)) return { ok: false, holder: current };
      if (!current && fs.existsSync(file) && Date.now() - fs.statSync(file).mtimeMs < 5_000) {
        return { ok: false, holder: null }; // unreadable and fresh: someone is mid-write
      }
      // Stale: move it aside; only the process whose rename succeeds removes it.
      const aside = `${file}.stale.${holder.token}`;
      try {
        fs.renameSync(file, aside);
      } catch {
        continue;
      }
      const moved = readHolder(aside);
      if (moved && current && moved.token !== current.token && isHolderAlive(moved)) {
        // We raced with another takeover and moved its fresh lock: put it back.
        try {
          fs.linkSync(aside, file);
        } catch {
          /* someone else holds it now */
        }
        fs.rmSync(aside, { force: true });
        return { ok: false, holder: moved };
      }
      fs.rmSync(aside, { force: true });
      tookOverFrom = current;
    }
    return { ok: false, holder: readHolder(file) };
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

export function describeHolder(holder: LockHolder | null): string {
  if (!holder) return 'another otterstack process';
  const since = new Date(holder.acquiredAt).toISOString();
  return `${holder.operation} by PID ${holder.pid} on ${holder.host} since ${since}`;
}

/** Lists lock files whose holder is dead (for `cleanup`). */
export function staleLocks(dir: string): { file: string; holder: LockHolder | null }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    // Besides locks: a taker's temp file, or a stale lock moved aside, left by a process killed mid-way.
    .filter((f) => /\.(lock|slot)$/.test(f) || /\.(lock|slot)\.(.+\.tmp|stale\..+)$/.test(f))
    .map((f) => path.join(dir, f))
    .map((file) => ({ file, holder: readHolder(file) }))
    .filter(({ file, holder }) => (holder ? !isHolderAlive(holder) : /\.(lock|slot)$/.test(file) || Date.now() - fs.statSync(file).mtimeMs > 5_000));
}
