/**
 * Free disk space where OtterStack and the engine write (#17): the data dir (worktrees, logs,
 * state) and the Docker root (images, build cache, volumes). A build fills the second fast, and a
 * full disk breaks the running release too (its database cannot write), so below minFreeDiskGiB
 * doctor and the TUI warn, and below half of it a deploy that builds refuses to start.
 */
import fs from 'node:fs';
import type { ServiceContext } from './context.js';
import { OtterError } from './errors.js';

export interface FreeSpace {
  /** What lives there, for people: "data dir" or "Docker root". */
  what: string;
  path: string;
  freeBytes: number;
}

const GIB = 1024 ** 3;

export function gib(bytes: number): string {
  return `${(bytes / GIB).toFixed(1)} GiB`;
}

function statFree(what: string, dir: string): FreeSpace | null {
  try {
    const st = fs.statfsSync(dir);
    return { what, path: dir, freeBytes: st.bavail * st.bsize };
  } catch {
    // A remote engine's root is not on this host: nothing to measure here.
    return null;
  }
}

/** Free space on the data dir's and the (local) Docker root's filesystems, the data dir first. */
export async function freeSpace(ctx: ServiceContext): Promise<FreeSpace[]> {
  const out: FreeSpace[] = [];
  const data = statFree('data dir', ctx.paths.root);
  if (data) out.push(data);
  const root = await ctx.engine.dockerRootDir();
  const docker = root ? statFree('Docker root', root) : null;
  if (docker) out.push(docker);
  return out;
}

/** The filesystems with less than `minGiB` free. */
export function lowSpaces(spaces: FreeSpace[], minGiB: number): FreeSpace[] {
  return spaces.filter((s) => s.freeBytes < minGiB * GIB);
}

/** The filesystems below `minGiB`, as one warning line each. */
export function lowSpaceWarnings(spaces: FreeSpace[], minGiB: number): string[] {
  return lowSpaces(spaces, minGiB).map((s) => `only ${gib(s.freeBytes)} free on the ${s.what} (${s.path}), less than minFreeDiskGiB ${minGiB}: free space (otterstack prune, docker image prune) before it fills`);
}

/** Refuses a build when either filesystem has less than half of minFreeDiskGiB free. */
export async function requireBuildSpace(ctx: ServiceContext): Promise<void> {
  const min = ctx.settings.get('minFreeDiskGiB');
  if (min <= 0) return;
  for (const s of await freeSpace(ctx)) {
    if (s.freeBytes < (min / 2) * GIB) {
      throw new OtterError(
        'environment',
        `only ${gib(s.freeBytes)} free on the ${s.what} (${s.path}): a deploy that builds needs ${gib((min / 2) * GIB)} (half of minFreeDiskGiB ${min}); free space (otterstack prune, docker image prune) or lower minFreeDiskGiB`,
      );
    }
  }
}
