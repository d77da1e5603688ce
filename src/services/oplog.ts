import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../db/index.js';
import type { OperationKind, OperationStatus } from '../db/schema.js';
import type { ProgressEvent } from './events.js';
import { ensureManagedDir } from './paths.js';
import { redact } from './redact.js';

/**
 * One log file per operation under logs/<project>/, plus its operation_logs row. Every line is
 * redacted (URL userinfo, *_KEY/_SECRET/_PASSWORD/_TOKEN values) before it touches the disk.
 */
export class OperationLogger {
  private closed = false;
  private recorded = false;

  private constructor(
    private readonly store: Store,
    readonly id: number,
    readonly file: string,
  ) {}

  static async open(
    store: Store,
    logsDir: string,
    op: { projectId: number | null; projectName: string; operation: OperationKind; deploymentId?: number | null; invokedBy?: string },
  ): Promise<OperationLogger> {
    const dir = path.join(logsDir, op.projectName);
    ensureManagedDir(dir);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = path.join(dir, `${stamp}-${op.operation}-${process.pid}.log`);
    fs.writeFileSync(file, '', { mode: 0o640 });
    const row = await store.operationLogs.start({
      project_id: op.projectId,
      deployment_id: op.deploymentId ?? null,
      operation: op.operation,
      log_path: file,
      invoked_by: op.invokedBy ?? null,
    });
    return new OperationLogger(store, row.id, file);
  }

  line(text: string): void {
    if (this.closed) return;
    const stamp = new Date().toISOString();
    const body = redact(text).replace(/\s+$/, '');
    fs.appendFileSync(this.file, body.split('\n').map((l) => `${stamp} ${l}`).join('\n') + '\n');
  }

  /** A progress listener that writes every event as a line. */
  readonly onProgress = (e: ProgressEvent): void => {
    switch (e.type) {
      case 'stage':
        return this.line(`[${e.stage}] ${e.message}`);
      case 'container':
        return this.line(`[container] ${e.service} ${e.container} ${e.state} ${e.health}`);
      case 'output':
        return this.line(`[output] ${e.text}`);
      case 'warning':
        return this.line(`[warning] ${e.message}`);
    }
  };

  async finish(status: OperationStatus, message: string | null, deploymentId?: number | null): Promise<void> {
    if (this.recorded) return;
    if (!this.closed) this.line(`[${status}] ${message ?? ''}`);
    this.closed = true;
    // Only a written row counts: a caller may retry while the database is locked (state-retry.ts).
    await this.store.operationLogs.finish(this.id, status, message === null ? null : redact(message), deploymentId);
    this.recorded = true;
  }
}

/**
 * Runs an operation with its log: progress events go to the file, the row records the outcome.
 * Used by prune/remove/cleanup (deploy and rollback manage their logger themselves, to link it
 * to the deployment row).
 */
export async function withOperationLog<T>(
  store: Store,
  logsDir: string,
  op: { projectId: number | null; projectName: string; operation: OperationKind; invokedBy?: string },
  listeners: ((e: ProgressEvent) => void)[],
  fn: () => Promise<T>,
): Promise<T> {
  const log = await OperationLogger.open(store, logsDir, op);
  listeners.push(log.onProgress);
  try {
    const result = await fn();
    await log.finish('success', `${op.operation} ${op.projectName} done`);
    return result;
  } catch (err) {
    await log.finish('failed', err instanceof Error ? err.message : String(err)).catch(() => undefined);
    throw err;
  }
}
