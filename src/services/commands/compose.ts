import { OtterError } from '../errors.js';
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
 */
export async function detectCompose(run: Exec = defaultExec, override = ''): Promise<ComposeCli> {
  const candidates: string[][] = override.trim()
    ? [override.trim().split(/\s+/)]
    : [['docker', 'compose'], ['docker-compose']];
  for (const argv of candidates) {
    const res = await run([...argv, 'version', '--short'], { timeoutMs: 15_000 }).catch(() => null);
    if (!res || res.exitCode !== 0) continue;
    const version = /(\d+\.\d+\.\d+)/.exec(res.stdout)?.[1];
    if (!version) continue;
    const kind = Number(version.split('.')[0]) >= 2 ? 'v2' : 'v1';
    return { kind, argv, version };
  }
  const tried = candidates.map((c) => `'${c.join(' ')}'`).join(' and ');
  throw new OtterError(
    'environment',
    `no Docker Compose found (tried ${tried}): install the compose plugin (docker compose) or docker-compose v1`,
  );
}

export interface ComposeTarget {
  /** Compose project name, e.g. otterstack-web-abc1234 */
  project: string;
  /** Absolute compose files, in order (user file first, our override last). */
  files: string[];
  /** Directory relative paths in the compose file resolve against. */
  projectDir: string;
  envFile?: string;
}

/**
 * Compose commands limited to what both v1 and v2 understand (DESIGN): -p, -f,
 * --project-directory, --env-file, config -q, config --services, up -d, logs.
 * Never `--wait`: v1 silently ignores it. Health is polled from the engine instead.
 */
export class Compose {
  constructor(
    readonly cli: ComposeCli,
    private readonly run: Exec = defaultExec,
  ) {}

  private argv(target: ComposeTarget, args: string[]): string[] {
    const out = [...this.cli.argv, '--project-name', target.project, '--project-directory', target.projectDir];
    if (target.envFile) out.push('--env-file', target.envFile);
    for (const f of target.files) out.push('--file', f);
    return [...out, ...args];
  }

  private env(): NodeJS.ProcessEnv {
    // Operator-level COMPOSE_* settings must not retarget our per-release project.
    const env = { ...process.env };
    delete env.COMPOSE_PROJECT_NAME;
    delete env.COMPOSE_FILE;
    return env;
  }

  exec(target: ComposeTarget, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.run(this.argv(target, args), { cwd: target.projectDir, env: this.env(), ...opts });
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

  logs(target: ComposeTarget, opts: { follow: boolean; tail: number } & ExecOptions): Promise<ExecResult> {
    const args = ['logs', '--no-color', '--timestamps', '--tail', String(opts.tail)];
    if (opts.follow) args.push('--follow');
    return this.exec(target, args, opts);
  }
}
