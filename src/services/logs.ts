import fs from 'node:fs';
import type { ServiceContext } from './context.js';
import { OtterError } from './errors.js';
import { requireProject } from './projects.js';
import { redact } from './redact.js';
import { exec } from './commands/exec.js';

export interface OperationLogText {
  file: string;
  operation: string;
  status: string;
  text: string;
}

/** The operation log of one deployment, or the project's latest operation. Already redacted on disk. */
export async function readOperationLog(ctx: ServiceContext, name: string, deploymentId?: number): Promise<OperationLogText> {
  const project = await requireProject(ctx, name);
  let row;
  if (deploymentId !== undefined) {
    const d = await ctx.store.deployments.byId(deploymentId);
    if (!d || d.project_id !== project.id) throw new OtterError('not_found', `no deployment ${deploymentId} in ${name}: see 'otterstack history ${name}'`);
    row = await ctx.store.operationLogs.forDeployment(deploymentId);
  } else {
    row = await ctx.store.operationLogs.latest(project.id);
  }
  if (!row) throw new OtterError('not_found', `no operation log for ${name}${deploymentId ? ` deployment ${deploymentId}` : ''} (logs are kept ${ctx.settings.get('logRetentionDays')} days)`);
  if (!fs.existsSync(row.log_path)) throw new OtterError('not_found', `log file ${row.log_path} is gone (pruned or deleted)`);
  return { file: row.log_path, operation: row.operation, status: row.status, text: fs.readFileSync(row.log_path, 'utf8') };
}

/**
 * The log of the project's operation running now (in any process), or null: the TUI follows it to
 * show the stages of a deploy another shell started. Redacted on disk like every operation log.
 */
export async function runningOperationLog(ctx: ServiceContext, name: string): Promise<OperationLogText | null> {
  const project = await requireProject(ctx, name);
  const row = await ctx.store.operationLogs.latest(project.id);
  if (!row || row.status !== 'running' || !fs.existsSync(row.log_path)) return null;
  return { file: row.log_path, operation: row.operation, status: row.status, text: fs.readFileSync(row.log_path, 'utf8') };
}

export interface ContainerLogOptions {
  follow: boolean;
  tail: number;
  signal?: AbortSignal;
  onLine: (line: string) => void;
}

/**
 * Container logs of the active release, one `docker logs` per container (works even when the
 * release's worktree is gone), each line prefixed with its service and redacted.
 */
export async function streamContainerLogs(ctx: ServiceContext, name: string, opts: ContainerLogOptions): Promise<void> {
  const project = await requireProject(ctx, name);
  const active = await ctx.store.deployments.active(project.id);
  if (!active) throw new OtterError('not_found', `${name} has no active release: deploy it first`);
  const containers = await ctx.engine.listContainers(active.compose_project);
  if (containers.length === 0) throw new OtterError('not_found', `active release ${active.compose_project} has no containers: run 'otterstack status ${name}'`);
  const width = Math.max(...containers.map((c) => c.service.length));
  await Promise.all(
    containers.map((c) => {
      let partial = '';
      const emit = (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) opts.onLine(`${c.service.padEnd(width)} | ${redact(l)}`);
      };
      const argv = ['docker', 'logs', '--timestamps', '--tail', String(opts.tail), ...(opts.follow ? ['--follow'] : []), c.id];
      return exec(argv, { signal: opts.signal, onOutput: emit }).then(() => {
        if (partial) opts.onLine(`${c.service.padEnd(width)} | ${redact(partial)}`);
      });
    }),
  );
}
