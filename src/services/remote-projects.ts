import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Project } from '../db/schema.js';
import type { ServiceContext } from './context.js';
import { OtterError } from './errors.js';
import { Progress, type ProgressListener } from './events.js';
import { lockProject } from './locking.js';
import { OperationLogger } from './oplog.js';
import { MANAGED_DIR_MODE } from './paths.js';
import { insertProject, type ProjectFields } from './project-insert.js';
import { explainGitFailure, type RemoteUrl } from './remote.js';

/**
 * Clones a URL project into managed storage: pre-flight `ls-remote`, then a full clone into a temp
 * dir renamed atomically into repos/<name>. On any failure nothing is left behind and no project
 * row is created (the error says why); credentials in the URL are used once, never stored.
 */
export async function addRemoteProject(
  ctx: ServiceContext,
  name: string,
  fields: ProjectFields,
  remote: RemoteUrl,
  onProgress?: ProgressListener,
  /** Checks on the fresh clone before the project is recorded (throwing undoes the clone). */
  beforeInsert: (clone: string) => Promise<void> = async () => {},
): Promise<Project> {
  const progress = new Progress(onProgress ? [onProgress] : []);
  const lock = lockProject(ctx, name, 'clone');
  const target = ctx.paths.repo(name);
  const tmp = path.join(ctx.paths.reposDir, `.clone-${name}-${crypto.randomBytes(4).toString('hex')}`);
  const started = Date.now();
  try {
    if (fs.existsSync(target)) throw new OtterError('conflict', `${target} already exists (left from an earlier project?): remove it or pick another name`);
    if (remote.passwordInUrl) {
      progress.warning('the repository URL carries a password, which every local user can read in this process\'s arguments: give it with --password-stdin or $OTTERSTACK_GIT_PASSWORD instead');
    }
    const fetchTimeout = ctx.settings.get('fetchTimeoutSeconds');
    progress.stage('fetch', `checking ${remote.sanitized}`);
    const probe = await ctx.git.lsRemote(remote.sanitized, { timeoutMs: fetchTimeout * 1000, credentials: remote.credentials });
    if (probe.exitCode !== 0) throw new OtterError('environment', explainGitFailure(probe.stderr, remote.sanitized, probe.killed === 'timeout', fetchTimeout));
    const cloneTimeout = ctx.settings.get('cloneTimeoutSeconds');
    progress.stage('fetch', `cloning ${remote.sanitized} into ${target}`);
    const clone = await ctx.git.clone(remote.sanitized, tmp, { timeoutMs: cloneTimeout * 1000, credentials: remote.credentials });
    if (clone.exitCode !== 0) throw new OtterError('environment', explainGitFailure(clone.stderr, remote.sanitized, clone.killed === 'timeout', cloneTimeout));
    fs.chmodSync(tmp, MANAGED_DIR_MODE);
    fs.renameSync(tmp, target);
    try {
      await beforeInsert(target);
      const project = await insertProject(ctx, {
        name,
        repo_type: 'remote',
        repo_url: remote.sanitized,
        repo_path: target,
        ...fields,
        last_fetch_at: Date.now(),
        last_fetch_result: 'ok (clone)',
      });
      const log = await OperationLogger.open(ctx.store, ctx.paths.logsDir, { projectId: project.id, projectName: name, operation: 'clone', invokedBy: ctx.invokedBy });
      log.line(`cloned ${remote.sanitized} into ${target} in ${Date.now() - started} ms`);
      await log.finish('success', `cloned ${remote.sanitized}`);
      progress.stage('done', `cloned ${remote.sanitized}`);
      return project;
    } catch (err) {
      fs.rmSync(target, { recursive: true, force: true });
      throw err;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    lock.release();
  }
}

export interface FetchOutcome {
  ok: boolean;
  message: string;
}

/** `git fetch --prune --tags` for a URL project before a deploy; records the outcome on the project. */
export async function fetchProject(ctx: ServiceContext, project: Project, progress: Progress): Promise<void> {
  if (project.repo_type !== 'remote') return;
  const timeout = ctx.settings.get('fetchTimeoutSeconds');
  progress.stage('fetch', `fetching ${project.repo_url}`);
  const res = await ctx.git.fetch(project.repo_path, timeout * 1000);
  const ok = res.exitCode === 0;
  const message = ok ? 'ok' : explainGitFailure(res.stderr, project.repo_url ?? project.repo_path, res.killed === 'timeout', timeout);
  await ctx.store.projects.update(project.id, { last_fetch_at: Date.now(), last_fetch_result: message });
  if (!ok) throw new OtterError('environment', `fetch failed: ${message}`);
}

/** Refuses to deploy from a managed clone someone edited by hand, unless forced. */
export async function checkCleanClone(ctx: ServiceContext, project: Project, force: boolean, progress: Progress): Promise<void> {
  if (project.repo_type !== 'remote') return;
  const changes = await ctx.git.localChanges(project.repo_path);
  if (changes.length === 0) return;
  const summary = `${changes.length} local change(s) in the managed clone ${project.repo_path} (${changes.slice(0, 3).join('; ')})`;
  if (!force) throw new OtterError('conflict', `${summary}: they are never deployed; discard them or pass --force`);
  progress.warning(`${summary}; deploying anyway (--force)`);
}
