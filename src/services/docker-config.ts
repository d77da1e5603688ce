/**
 * OtterStack's own Docker config directory (`<data-dir>/docker`): where `registry login` keeps
 * registry credentials, so deploys pull private images without touching the operator's ~/.docker.
 * It is handed to OtterStack's own docker and compose calls through DOCKER_CONFIG (the docker CLI,
 * the compose v2 plugin and docker-py in compose v1 all read it) once it holds a config.json: until
 * the first login nothing about how docker runs changes.
 *
 * DOCKER_CONFIG moves everything docker reads from the config dir, not only credentials, so what
 * decides *which* docker runs is carried over from the operator's config dir:
 * - cli-plugins: docker looks for plugins in $DOCKER_CONFIG/cli-plugins instead of ~/.docker/cli-plugins;
 *   a `docker compose` installed there would vanish. Each entry is linked into ours (kept in step on
 *   every process's first docker call), so the same binaries answer and compose detection's cache
 *   (binaryIdentity, which follows the links) still names the binary that runs.
 * - contexts and currentContext: a context selected with `docker context use` would otherwise fall
 *   back to the default engine. The contexts folder is linked and its current context passed as
 *   DOCKER_CONTEXT (unless DOCKER_HOST or DOCKER_CONTEXT already decide).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Exec } from './commands/exec.js';

export const DOCKER_CONFIG_DIR_MODE = 0o700;
export const DOCKER_CONFIG_FILE_MODE = 0o600;

/** The docker config dir the operator's own docker commands use. */
export function operatorDockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG ? path.resolve(env.DOCKER_CONFIG) : path.join(env.HOME || os.homedir(), '.docker');
}

export class OwnDockerConfig {
  private mirrored = false;

  constructor(
    /** `<data-dir>/docker` */
    readonly dir: string,
    /** The environment OtterStack was started with: where the operator's config dir is. */
    private readonly callerEnv: NodeJS.ProcessEnv = process.env,
  ) {}

  get file(): string {
    return path.join(this.dir, 'config.json');
  }

  /** Whether a login has made this dir the one OtterStack's docker calls use. */
  inUse(): boolean {
    return fs.existsSync(this.file);
  }

  /** Creates the dir (0700: it holds credentials) and mirrors the operator's plugins and contexts into it. */
  prepare(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: DOCKER_CONFIG_DIR_MODE });
    fs.chmodSync(this.dir, DOCKER_CONFIG_DIR_MODE);
    this.mirror();
  }

  /** What OtterStack's docker and compose calls add to their environment: nothing before the first login. */
  env(): Record<string, string> {
    if (!this.inUse()) return {};
    if (!this.mirrored) {
      try {
        this.mirror();
      } catch {
        /* a read-only data dir: the links made earlier still serve */
      }
    }
    const out: Record<string, string> = { DOCKER_CONFIG: this.dir };
    const context = this.callerEnv.DOCKER_HOST || this.callerEnv.DOCKER_CONTEXT ? undefined : operatorCurrentContext(operatorDockerConfigDir(this.callerEnv));
    if (context) out.DOCKER_CONTEXT = context;
    return out;
  }

  /** An Exec for docker and compose: every call gets env() on top of the environment it was given. */
  exec(run: Exec): Exec {
    return (argv, opts = {}) => run(argv, { ...opts, env: { ...(opts.env ?? process.env), ...this.env() } });
  }

  private mirror(): void {
    this.mirrored = true;
    const operator = operatorDockerConfigDir(this.callerEnv);
    if (path.resolve(operator) === path.resolve(this.dir)) return;
    mirrorEntries(path.join(operator, 'cli-plugins'), path.join(this.dir, 'cli-plugins'));
    linkTo(path.join(operator, 'contexts'), path.join(this.dir, 'contexts'));
  }
}

/**
 * Makes `dst` hold one symlink per entry of `src` (absolute targets), removing links of entries
 * that are gone; anything in `dst` that is not a symlink is left alone. `src` is only read.
 */
export function mirrorEntries(src: string, dst: string): void {
  let wanted: string[];
  try {
    wanted = fs.readdirSync(src);
  } catch {
    wanted = [];
  }
  fs.mkdirSync(dst, { recursive: true, mode: DOCKER_CONFIG_DIR_MODE });
  for (const name of fs.readdirSync(dst)) {
    const file = path.join(dst, name);
    if (isSymlink(file) && !wanted.includes(name)) fs.rmSync(file, { force: true });
  }
  for (const name of wanted) linkTo(path.join(src, name), path.join(dst, name));
}

/** `link` → `target` (replacing a stale link atomically); a real file or folder at `link` is never replaced. */
function linkTo(target: string, link: string): void {
  if (!fs.existsSync(target)) {
    if (isSymlink(link)) fs.rmSync(link, { force: true });
    return;
  }
  let current: string | null = null;
  try {
    current = fs.readlinkSync(link);
  } catch (err) {
    // EINVAL: something real lives there (not ours to replace); ENOENT: nothing yet.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return;
  }
  if (current === target) return;
  const tmp = `${link}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  fs.symlinkSync(target, tmp);
  fs.renameSync(tmp, link);
}

function isSymlink(file: string): boolean {
  try {
    return fs.lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The context `docker context use` selected in a config dir, or null for the default one. */
export function operatorCurrentContext(configDir: string): string | null {
  try {
    const config = JSON.parse(fs.readFileSync(path.join(configDir, 'config.json'), 'utf8')) as { currentContext?: unknown };
    return typeof config.currentContext === 'string' && config.currentContext && config.currentContext !== 'default' ? config.currentContext : null;
  } catch {
    return null;
  }
}
