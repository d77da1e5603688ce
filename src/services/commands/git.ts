import fs from 'node:fs';
import { OtterError } from '../errors.js';
import { exec as defaultExec, type Exec, outputSummary } from './exec.js';

/** Environment for every git call: never prompt, never read a pager. */
const GIT_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', GIT_ASKPASS: '', SSH_ASKPASS: '' };

export interface RefInfo {
  name: string;
  kind: 'tag' | 'branch';
  sha: string;
}

/** Environment for talking to remotes: never prompt (SSH BatchMode, no terminal prompts). */
export function remoteEnv(base: NodeJS.ProcessEnv, credentials: { username: string; password: string } | null): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ...GIT_ENV };
  env.GIT_SSH_COMMAND = `${base.GIT_SSH_COMMAND || 'ssh'} -o BatchMode=yes -o ConnectTimeout=15`;
  if (credentials) {
    // Handed to git's credential protocol through the child's environment only: nothing on disk.
    env.OTTERSTACK_GIT_USERNAME = credentials.username;
    env.OTTERSTACK_GIT_PASSWORD = credentials.password;
  }
  return env;
}

const ENV_CREDENTIAL_HELPER = '!f() { test "$1" = get && echo "username=$OTTERSTACK_GIT_USERNAME" && echo "password=$OTTERSTACK_GIT_PASSWORD"; }; f';

export class Git {
  constructor(private readonly run: Exec = defaultExec) {}

  /** `git ls-remote` as a pre-flight check: answers whether the URL is reachable and readable. */
  lsRemote(url: string, opts: { timeoutMs: number; credentials: { username: string; password: string } | null }) {
    return this.run(['git', ...credentialArgs(opts.credentials), 'ls-remote', '--heads', '--end-of-options', url], {
      env: remoteEnv(process.env, opts.credentials),
      timeoutMs: opts.timeoutMs,
    });
  }

  /** Full (not shallow) clone with hooks disabled in the new repository. */
  clone(url: string, dir: string, opts: { timeoutMs: number; credentials: { username: string; password: string } | null }) {
    return this.run(
      ['git', ...credentialArgs(opts.credentials), 'clone', '--quiet', '--config', 'core.hooksPath=/dev/null', '--end-of-options', url, dir],
      { env: remoteEnv(process.env, opts.credentials), timeoutMs: opts.timeoutMs },
    );
  }

  fetch(repo: string, timeoutMs: number) {
    return this.run(['git', '-C', repo, '-c', 'core.hooksPath=/dev/null', 'fetch', '--quiet', '--prune', '--prune-tags', '--tags', '--force', 'origin'], {
      env: remoteEnv(process.env, null),
      timeoutMs,
    });
  }

  /** Local edits or commits in a managed clone: `git status --porcelain` plus unpushed commits. */
  async localChanges(repo: string): Promise<string[]> {
    const status = await this.git(repo, ['status', '--porcelain', '--untracked-files=normal']);
    const changes = status.exitCode === 0 ? status.stdout.split('\n').filter(Boolean) : [];
    const ahead = await this.git(repo, ['rev-list', '--count', '--branches', '--not', '--remotes']);
    const n = Number(ahead.stdout.trim());
    if (ahead.exitCode === 0 && n > 0) changes.push(`${n} local commit(s) not on the remote`);
    return changes;
  }

  /** Hooks off for everything we run in a repository we manage or check out from. */
  private git(repo: string, args: string[], timeoutMs = 120_000) {
    return this.run(['git', '-C', repo, '-c', 'core.hooksPath=/dev/null', ...args], {
      env: { ...process.env, ...GIT_ENV },
      timeoutMs,
    });
  }

  async version(): Promise<string | null> {
    const res = await this.run(['git', '--version']).catch(() => null);
    if (!res || res.exitCode !== 0) return null;
    return /(\d+\.\d+(?:\.\d+)?)/.exec(res.stdout)?.[1] ?? null;
  }

  async isRepository(dir: string): Promise<boolean> {
    if (!fs.existsSync(dir)) return false;
    const res = await this.git(dir, ['rev-parse', '--git-dir']);
    return res.exitCode === 0;
  }

  /** Resolves a (validated) ref to a full commit SHA, or null when it names no commit. */
  async resolveCommit(repo: string, ref: string): Promise<string | null> {
    const res = await this.git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
    const sha = res.stdout.trim();
    return res.exitCode === 0 && /^[0-9a-f]{40}$/.test(sha) ? sha : null;
  }

  async addWorktree(repo: string, dir: string, sha: string): Promise<void> {
    const res = await this.git(repo, ['worktree', 'add', '--detach', '--force', '--end-of-options', dir, sha]);
    if (res.exitCode !== 0) {
      throw new OtterError('internal', `git worktree add failed for ${sha.slice(0, 7)}: ${outputSummary(res)}`);
    }
  }

  /** Removes a worktree; tolerates one already deleted by hand (prunes the stale entry). */
  async removeWorktree(repo: string, dir: string): Promise<void> {
    await this.git(repo, ['worktree', 'remove', '--force', '--force', '--end-of-options', dir]);
    if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
    await this.git(repo, ['worktree', 'prune']);
  }

  /** Whether dir is a usable checkout of exactly sha. */
  async worktreeAt(dir: string, sha: string): Promise<boolean> {
    if (!fs.existsSync(dir)) return false;
    const res = await this.git(dir, ['rev-parse', '--verify', '--quiet', 'HEAD']);
    return res.exitCode === 0 && res.stdout.trim() === sha;
  }

  async listRefs(repo: string): Promise<RefInfo[]> {
    const res = await this.git(repo, [
      'for-each-ref',
      // Newest first; refs made in the same second (a release script tagging fast) by version, highest first.
      '--sort=-version:refname',
      '--sort=-creatordate',
      '--format=%(refname)%09%(objectname)%09%(*objectname)',
      'refs/tags',
      'refs/heads',
    ]);
    if (res.exitCode !== 0) return [];
    return res.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [ref, sha, peeled] = line.split('\t');
        const kind = ref!.startsWith('refs/tags/') ? 'tag' : 'branch';
        return { name: ref!.replace(/^refs\/(tags|heads)\//, ''), kind, sha: peeled || sha! } as RefInfo;
      });
  }

  /** Commits reachable from `to` but not from `from` (both full SHAs), newest first. */
  async commitsBetween(repo: string, from: string | null, to: string, limit = 50): Promise<{ sha: string; subject: string }[]> {
    const range = from ? `${from}..${to}` : to;
    const res = await this.git(repo, ['log', '--format=%H%x09%s', `--max-count=${limit}`, '--end-of-options', range]);
    if (res.exitCode !== 0) return [];
    return res.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [sha, ...rest] = l.split('\t');
        return { sha: sha!, subject: rest.join('\t') };
      });
  }

  /** Every path tracked at `treeish` (files and symlinks), relative to the repository root; null if it cannot be read. */
  async trackedFiles(repo: string, treeish: string): Promise<string[] | null> {
    const res = await this.git(repo, ['ls-tree', '-r', '-z', '--name-only', '--end-of-options', treeish]);
    return res.exitCode === 0 ? res.stdout.split('\0').filter(Boolean) : null;
  }

  /** A file's content at a commit, without a checkout; null when it is not there. */
  async readFile(repo: string, sha: string, file: string): Promise<string | null> {
    const res = await this.git(repo, ['cat-file', 'blob', `${sha}:${file}`]);
    return res.exitCode === 0 ? res.stdout : null;
  }

  async commitSubject(repo: string, sha: string): Promise<string> {
    const res = await this.git(repo, ['log', '-1', '--format=%s', '--end-of-options', sha]);
    return res.exitCode === 0 ? res.stdout.trim() : '';
  }
}

function credentialArgs(credentials: { username: string; password: string } | null): string[] {
  return credentials ? ['-c', 'credential.helper=', '-c', `credential.helper=${ENV_CREDENTIAL_HELPER}`] : [];
}
