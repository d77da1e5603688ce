import path from 'node:path';
import type { ServiceContext } from './context.js';
import { OtterError } from './errors.js';
import type { Progress } from './events.js';
import { describeHolder, isHolderAlive, readHolder, tryAcquire, type FileLock } from './locks.js';

/** Takes the per-project lock or fails at once, naming the holder. */
export function lockProject(ctx: ServiceContext, project: string, operation: string): FileLock {
  const res = tryAcquire(ctx.paths.projectLock(project), operation);
  if (!res.ok) {
    throw new OtterError('conflict', `project ${project} is busy: ${describeHolder(res.holder)}; wait for it to finish (or run cleanup if that process is gone)`);
  }
  return res.lock;
}

/**
 * Who holds the project's lock now (a live process), described, or null: the TUI warns before
 * the operator picks a ref the lock would refuse. Read-only; the lock itself still decides.
 */
export function projectLockHolder(ctx: ServiceContext, project: string): string | null {
  const holder = readHolder(ctx.paths.projectLock(project));
  return holder && isHolderAlive(holder) ? describeHolder(holder) : null;
}

/**
 * Global limit on parallel deploys: N slot files. Waits (bounded by the deploy timeout) for a
 * free slot rather than failing, since a queued CI deploy should just run a little later.
 */
export async function acquireDeploySlot(ctx: ServiceContext, progress: Progress, signal?: AbortSignal): Promise<FileLock> {
  const max = ctx.settings.get('maxParallelDeploys');
  const deadline = Date.now() + ctx.settings.get('deployTimeoutSeconds') * 1000;
  let announced = false;
  for (;;) {
    for (let i = 0; i < max; i++) {
      const res = tryAcquire(path.join(ctx.paths.locksDir, `deploy-slot-${i}.slot`), 'deploy slot');
      if (res.ok) return res.lock;
    }
    if (signal?.aborted) throw new OtterError('interrupted', 'interrupted while waiting for a deploy slot');
    if (Date.now() > deadline) throw new OtterError('conflict', `all ${max} deploy slots stayed busy: raise maxParallelDeploys or retry later`);
    if (!announced) {
      progress.stage('lock', `waiting for a free deploy slot (${max} deploys already running)`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
