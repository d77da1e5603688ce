import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface DataDirInputs {
  flag?: string;
  env: NodeJS.ProcessEnv;
  uid: number;
  home: string;
}

/** DESIGN: --data-dir > OTTERSTACK_DATA_DIR > /var/lib/otterstack when root > $XDG_DATA_HOME/otterstack. */
export function resolveDataDir({ flag, env, uid, home }: DataDirInputs): string {
  if (flag) return path.resolve(flag);
  if (env.OTTERSTACK_DATA_DIR) return path.resolve(env.OTTERSTACK_DATA_DIR);
  if (uid === 0) return '/var/lib/otterstack';
  const xdg = env.XDG_DATA_HOME || path.join(home, '.local', 'share');
  return path.join(xdg, 'otterstack');
}

export function defaultDataDir(flag?: string): string {
  return resolveDataDir({ flag, env: process.env, uid: process.getuid?.() ?? 1000, home: os.homedir() });
}

export const MANAGED_DIR_MODE = 0o750;

/** Where everything lives inside the data dir. Only this file knows the layout. */
export class DataPaths {
  constructor(readonly root: string) {}

  get database(): string {
    return path.join(this.root, 'otterstack.db');
  }
  /** Encrypts project configuration (SecretBox); never in the database. Back it up. */
  get secretKey(): string {
    return path.join(this.root, 'secret.key');
  }
  get reposDir(): string {
    return path.join(this.root, 'repos');
  }
  get worktreesDir(): string {
    return path.join(this.root, 'worktrees');
  }
  get locksDir(): string {
    return path.join(this.root, 'locks');
  }
  get logsDir(): string {
    return path.join(this.root, 'logs');
  }
  get envDir(): string {
    return path.join(this.root, 'env');
  }
  get sharedDir(): string {
    return path.join(this.root, 'shared');
  }
  /** OtterStack's own Docker config dir (registry credentials; docker-config.ts): 0700, made by the first login. */
  get dockerConfigDir(): string {
    return path.join(this.root, 'docker');
  }
  /** The managed proxy's files (#18): its options, the routes last applied, its config and admin socket. */
  get proxyDir(): string {
    return path.join(this.root, 'proxy');
  }
  /** Mode 0700: holds Caddy's admin socket, bind-mounted into the proxy container; only we may reach it. */
  get proxyAdminDir(): string {
    return path.join(this.root, 'proxy', 'admin');
  }
  get proxyAdminSocket(): string {
    return path.join(this.proxyAdminDir, 'caddy.sock');
  }
  /** The Caddy config the proxy starts from (bind-mounted read-only); rewritten by every config change. */
  get proxyConfigDir(): string {
    return path.join(this.root, 'proxy', 'config');
  }
  get proxyConfigFile(): string {
    return path.join(this.proxyConfigDir, 'caddy.json');
  }
  /** The options `proxy install` was given (proxy-state.ts). */
  get proxyInstallFile(): string {
    return path.join(this.proxyDir, 'install.json');
  }
  /** The routes last applied (applyProxyConfig), so a re-install or a restart serves them again. */
  get proxyRoutesFile(): string {
    return path.join(this.proxyDir, 'routes.json');
  }
  repo(project: string): string {
    return path.join(this.reposDir, project);
  }
  projectWorktrees(project: string): string {
    return path.join(this.worktreesDir, project);
  }
  worktree(project: string, sha: string): string {
    return path.join(this.worktreesDir, project, sha.slice(0, 7));
  }
  projectLock(project: string): string {
    return path.join(this.locksDir, `${project}.lock`);
  }
  projectLogs(project: string): string {
    return path.join(this.logsDir, project);
  }
  projectShared(project: string): string {
    return path.join(this.sharedDir, project);
  }
  /** Generated compose override for one release (`key`: sha7, or sha7-c<N>); beside (not inside) the worktree. */
  override(project: string, key: string): string {
    return path.join(this.worktreesDir, project, `${key}.otterstack.yaml`);
  }
  /** The override the project's shared services start with (the release's override, plus their definition hashes). */
  sharedOverride(project: string, key: string): string {
    return path.join(this.worktreesDir, project, `${key}.shared.yaml`);
  }
  /** What the release is made of (release-shape.ts), for `plan` to compare a target with. */
  releaseShape(project: string, key: string): string {
    return path.join(this.worktreesDir, project, `${key}.shape.json`);
  }
  /**
   * The release's rewritten copy of its compose file number `index` (blue-green labels, shared
   * services left out); beside the worktree, never inside it. The first keeps the name it always had.
   */
  releaseCompose(project: string, key: string, index = 0): string {
    return path.join(this.worktreesDir, project, `${key}.release${index > 0 ? `-${index + 1}` : ''}.yaml`);
  }
  /** Swarm: the release's stack file (stack-render.ts), what `docker stack deploy` and a rollback to it run. */
  stackFile(project: string, key: string): string {
    return path.join(this.worktreesDir, project, `${key}.stack.yaml`);
  }
  /** The release's one env file, rendered from the project's env files (compose-inputs.ts). */
  renderedEnv(project: string, key: string): string {
    return path.join(this.worktreesDir, project, `${key}.compose.env`);
  }

  /** Creates the managed folders with 0750 (idempotent; fixes looser modes). */
  ensure(): void {
    for (const dir of [this.root, this.reposDir, this.worktreesDir, this.locksDir, this.logsDir, this.envDir, this.sharedDir]) {
      ensureManagedDir(dir);
    }
  }
}

/**
 * What an entry of worktrees/<project>/ belongs to: a worktree folder (one per commit, shared by
 * the releases of that commit) or a file generated for one release (override, blue-green copy,
 * named by its release key: sha7, or sha7-c<N>). null for anything else.
 */
export function releaseOfWorktreeEntry(entry: string): { sha7: string; key: string; worktree: boolean } | null {
  const m = /^(([0-9a-f]{7})(?:-c\d+)?)(\.(?:otterstack\.yaml|release(?:-\d+)?\.yaml|shared\.yaml|stack\.yaml|compose\.env|shape\.json))?$/.exec(entry);
  if (!m || (!m[3] && m[1] !== m[2])) return null;
  return { sha7: m[2]!, key: m[1]!, worktree: !m[3] };
}

/**
 * Writes a file OtterStack generates, in a folder it owns: a new temp file opened with
 * O_EXCL|O_NOFOLLOW, then renamed over the target. A symlink planted at either name is never
 * followed (rename replaces the link itself).
 */
export function writeGeneratedFile(file: string, text: string, mode = 0o640): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, mode);
  try {
    fs.writeFileSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Whether `child` is `parent` or lies below it, as written (no symlinks resolved). */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel));
}

/** Whether `target` (after resolving symlinks) lies inside `root` (after resolving symlinks). */
export function resolvesInside(target: string, root: string): boolean {
  let real: string;
  try {
    real = fs.realpathSync(target);
  } catch {
    return false;
  }
  return isInside(real, fs.realpathSync(root));
}

/**
 * A persistent folder (--persistent): created 0750 once; an existing folder's owner and mode are
 * never touched, so the operator can hand it to a container's user. With `owner` ("uid:gid"), the
 * folders this call creates at or below `ownedRoot` (the persistent path itself) get that owner;
 * the folders above it stay ours.
 */
export function ensurePersistentDir(dir: string, owner?: { uidGid: string; ownedRoot: string }): void {
  if (fs.existsSync(dir)) return;
  const first = fs.mkdirSync(dir, { recursive: true, mode: MANAGED_DIR_MODE });
  if (owner && first) chownCreated(dir, isInside(first, owner.ownedRoot) ? first : owner.ownedRoot, owner.uidGid);
}

/** chown `dir` and its parents up to and including `top`. */
function chownCreated(dir: string, top: string, uidGid: string): void {
  for (let d = dir; isInside(d, top); d = path.dirname(d)) {
    chownTo(d, uidGid);
    if (d === top) break;
  }
}

/** chown one path to a validated "uid:gid" (validation.ts validateOwner). */
export function chownTo(file: string, uidGid: string): void {
  const [uid, gid] = uidGid.split(':').map(Number) as [number, number];
  fs.chownSync(file, uid, gid);
}

export function ensureManagedDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: MANAGED_DIR_MODE });
  fs.chmodSync(dir, MANAGED_DIR_MODE);
}

/** Inside `root` after resolving symlinks; a path that does not exist yet is judged as written. */
export function staysInside(file: string, root: string): boolean {
  return fs.existsSync(file) || isLink(file) ? resolvesInside(file, root) : isInside(file, root);
}

export function isLink(file: string): boolean {
  try {
    return fs.lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}
