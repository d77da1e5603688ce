import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from './wait.js';

/**
 * A lock shared by every test process on this machine, for tests that observe engine-wide state
 * (e.g. "is any Traefik container running?") and so cannot run beside their twin in the other
 * compose project. mkdir is atomic; the owner's PID lets a lock left by a killed run be taken over.
 */
export async function holdExclusive(name: string, timeoutMs = 600_000): Promise<() => void> {
  const dir = path.join(os.tmpdir(), `otterstack-test-exclusive-${name}`);
  await waitFor(() => {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'pid'), String(process.pid));
      return true;
    } catch {
      const owner = Number(fs.readFileSync(path.join(dir, 'pid'), { encoding: 'utf8', flag: 'r' }).trim() || 0);
      if (owner && !alive(owner)) fs.rmSync(dir, { recursive: true, force: true });
      return false;
    }
  }, `exclusive test lock ${name}`, timeoutMs);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
