import fs from 'node:fs';
import path from 'node:path';
import { OtterError } from '../errors.js';
import { profileArgs } from '../compose-inputs.js';
import { exec as defaultExec, type Exec, type ExecOptions, type ExecResult } from './exec.js';

export interface ComposeCli {
  kind: 'v1' | 'v2';
  /** e.g. ['docker', 'compose'] or ['docker-compose'] */
  argv: string[];
  version: string;
}

/**
 * DESIGN: try `docker compose` (v2) first, then `docker-compose` (v1). An explicit setting
 * ('docker compose', 'docker-compose' or a path) skips detection but is still checked to answer.
 *
 * With a cache file, a candidate whose binary (path, size, mtime) is unchanged since it last
 * answered is not asked again: `docker-compose version` is a Python start-up (~0.5-1 s) that every
 * v1 deploy would otherwise pay before it can validate anything.
 */
export async function detectCompose(run: Exec = defaultExec, override = '', cacheFile: string | null = null, env: NodeJS.ProcessEnv = process.env): Promise<ComposeCli> {
  const candidates: string[][] = override.trim()
    ? [override.trim().split(/\s+/)]
    : [['docker', 'compose'], ['docker-compose']];
  const cache = cacheFile ? readCache(cacheFile) : {};
  for (const argv of candidates) {
    const key = argv.join(' ');
    const identity = binaryIdentity(argv, env);
    const cached = cache[key];
    if (identity && cached && cached.identity === identity) return { kind: kindOf(cached.version), argv, version: cached.version };
    const res = await run([...argv, 'version', '--short'], { timeoutMs: 15_000 }).catch(() => null);
    if (!res || res.exitCode !== 0) continue;
    const version = /(\d+\.\d+\.\d+)/.exec(res.stdout)?.[1];
    if (!version) continue;
    if (cacheFile && identity) writeCache(cacheFile, { ...cache, [key]: { identity, version } });
    return { kind: kindOf(version), argv, version };
  }
  const tried = candidates.map((c) => `'${c.join(' ')}'`).join(' and ');
  throw new OtterError(
    'environment',
    `no Docker Compose found (tried ${tried}): install the compose plugin (docker compose) or docker-compose v1`,
  );
}

function kindOf(version: string): 'v1' | 'v2' {
  return Number(version.split('.')[0]) >= 2 ? 'v2' : 'v1';
}

type DetectionCache = Record<string, { identity: string; version: string }>;

function readCache(file: string): DetectionCache {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as DetectionCache;
  } catch {
    return {};
  }
}

function writeCache(file: string, cache: DetectionCache): void {
  try {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(cache), { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch {
    /* a read-only data dir only costs the probe next time */
  }
}

/**
 * "path:size:mtime" of the binary a candidate runs, found the way docker and the shell find it;
 * null when it cannot be found (then it is probed every time, never cached).
 */
export function binaryIdentity(argv: string[], env: NodeJS.ProcessEnv): string | null {
  let dirs: string[];
  let name: string;
  if (argv.length === 2 && argv[0] === 'docker' && argv[1] === 'compose') {
    const home = env.HOME ?? '';
    dirs = [env.DOCKER_CONFIG ? path.join(env.DOCKER_CONFIG, 'cli-plugins') : path.join(home, '.docker', 'cli-plugins'), '/usr/local/lib/docker/cli-plugins', '/usr/local/libexec/docker/cli-plugins', '/usr/lib/docker/cli-plugins', '/usr/libexec/docker/cli-plugins'];
    name = 'docker-compose';
  } else if (argv.length === 1) {
    if (path.isAbsolute(argv[0]!)) return statIdentity(argv[0]!);
    dirs = (env.PATH ?? '').split(':').filter(Boolean);
    name = argv[0]!;
  } else return null;
  for (const dir of dirs) {
    const id = statIdentity(path.join(dir, name));
    if (id) return id;
  }
  return null;
}

function statIdentity(file: string): string | null {
  try {
    const st = fs.statSync(file);
    return st.isFile() ? `${file}:${st.size}:${st.mtimeMs}` : null;
  } catch {
    return null;
  }
}

export interface ComposeTarget {
  /** Compose project name, e.g. otterstack-web-abc1234 */
  project: string;
  /** Absolute compose files, in order (user file first, our override last). */
  files: string[];
  /** Directory relative paths in the compose file resolve against. */
  projectDir: string;
  /** The release's one env file (rendered from the project's env files: Compose v1 takes only one). */
  envFile?: string;
  /** Profiles to enable (validated names: compose-inputs.ts validateProfiles). */
  profiles?: string[];
  /** The project's configuration: compose's only variables besides a fixed, minimal environment. */
  env?: Record<string, string>;
}

/**
 * DESIGN (docs/configuration.md): compose sees the project's variables plus only what it needs to
 * find the engine and run, so a deploy from the CLI, the TUI, rollback or `watch` renders the same
 * file whoever starts it. The caller's other variables never reach interpolation.
 */
const PASSED_THROUGH = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'XDG_RUNTIME_DIR'];

export function composeEnvironment(caller: NodeJS.ProcessEnv, vars: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(caller)) if (v !== undefined && (PASSED_THROUGH.includes(k) || k.startsWith('DOCKER_'))) env[k] = v;
  return { ...env, ...vars };
}

/**
 * Compose commands limited to what both v1 and v2 understand (DESIGN): -p, -f,
 * --project-directory, --env-file (once), --profile (v1 >= 1.28), config -q, config --services, up -d, logs.
 * Never `--wait`: v1 silently ignores it. Health is polled from the engine instead.
 */
export class Compose {
  constructor(
    readonly cli: ComposeCli,
    private readonly run: Exec = defaultExec,
  ) {}

  /** The full argv for `args` on `target` (exported for unit tests of argv building). */
  argv(target: ComposeTarget, args: string[]): string[] {
    const out = [...this.cli.argv, '--project-name', target.project, '--project-directory', target.projectDir];
    if (target.envFile) out.push('--env-file', target.envFile);
    for (const f of target.files) out.push('--file', f);
    out.push(...profileArgs(target.profiles));
    return [...out, ...args];
  }

  private env(target: ComposeTarget): NodeJS.ProcessEnv {
    const env = composeEnvironment(process.env, target.env);
    // Not even the project's configuration may retarget our per-release project.
    delete env.COMPOSE_PROJECT_NAME;
    delete env.COMPOSE_FILE;
    return env;
  }

  exec(target: ComposeTarget, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.run(this.argv(target, args), { cwd: target.projectDir, env: this.env(target), ...opts });
  }

  /** Resolved configuration (YAML), or the compose error. */
  config(target: ComposeTarget): Promise<ExecResult> {
    return this.exec(target, ['config'], { timeoutMs: 60_000 });
  }

  services(target: ComposeTarget): Promise<ExecResult> {
    return this.exec(target, ['config', '--services'], { timeoutMs: 60_000 });
  }

  up(target: ComposeTarget, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(target, ['up', '--detach', '--no-color'], opts);
  }

  /**
   * Builds the named services' images. v1 (classic builder) gets --force-rm, so a failed step leaves no
   * intermediate container behind; v2 has no such flag (its builder keeps none).
   */
  build(target: ComposeTarget, services: string[], opts: { noCache?: boolean; pull?: boolean; exec?: ExecOptions } = {}): Promise<ExecResult> {
    const args = ['build', ...(this.cli.kind === 'v1' ? ['--force-rm'] : []), ...(opts.noCache ? ['--no-cache'] : []), ...(opts.pull ? ['--pull'] : []), '--', ...services];
    return this.exec(target, args, opts.exec ?? {});
  }

  /** Creates the release's containers (networks, volumes) without starting any. */
  create(target: ComposeTarget, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(target, ['up', '--no-start', '--no-color'], opts);
  }

  /**
   * Starts only the named services, without their dependencies (shared services): `mode` decides
   * what happens to an existing container, so compose never recreates one on its own judgement.
   */
  upServices(target: ComposeTarget, services: string[], mode: 'no-recreate' | 'force-recreate', opts: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(target, ['up', '--detach', '--no-color', '--no-deps', `--${mode}`, '--', ...services], opts);
  }

  /**
   * A one-off container of a service (release hooks): removed when it exits, no dependencies, no
   * TTY, named so it can be removed if we kill the client. The command follows the service name, so
   * neither v1 (docopt) nor v2 (cobra, no interspersed flags) reads it as options.
   */
  runOnce(target: ComposeTarget, service: string, command: string[], name: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(target, ['run', '--rm', '--no-deps', '-T', '--name', name, service, ...command], opts);
  }

  logs(target: ComposeTarget, opts: { follow: boolean; tail: number } & ExecOptions): Promise<ExecResult> {
    const args = ['logs', '--no-color', '--timestamps', '--tail', String(opts.tail)];
    if (opts.follow) args.push('--follow');
    return this.exec(target, args, opts);
  }
}
