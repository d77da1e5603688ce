import crypto from 'node:crypto';
import type { ComposeTarget } from './commands/compose.js';
import type { ExecResult } from './commands/exec.js';
import type { ServiceContext } from './context.js';
import { OtterError } from './errors.js';
import type { Progress } from './events.js';
import type { Hook } from './extension.js';
import { redact } from './redact.js';

/** How many of a failed hook's last output lines its error carries. */
const TAIL_LINES = 5;

/**
 * Lines compose itself prints around a one-off container (networks and containers being created),
 * as opposed to what the hook printed: v1 ("Creating x_web_run ... done") and v2 (" Network x  Created").
 */
export function isComposeChatter(line: string): boolean {
  return (
    // v1 pads the name and writes " ... " (compose/parallel.py): "Creating tables..." is the hook's own.
    /^\s*(Creating|Starting|Recreating|Removing|Stopping|Pulling)\s.*\s\.\.\.(\s*done)?\s*$/.test(line) ||
    /^\s*Creating (network|volume) ".*"( with (the default|\S+) driver)?\s*$/.test(line) ||
    /^\s*(Container|Network|Volume)\s+\S+\s+(Creating|Created|Starting|Started|Running|Waiting|Healthy|Stopping|Stopped|Removing|Removed|Recreate|Recreated)\s*$/.test(line)
  );
}

export function describeHook(hook: Hook): string {
  const command = hook.command[0] === 'sh' && hook.command[1] === '-c' ? hook.command[2]! : hook.command.join(' ');
  return `${hook.name} (${hook.service}: ${command})`;
}

export function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/**
 * Runs a release hook as a one-off container of the release's service, with the release's files
 * and the project's configuration (the compose target), streaming its output into progress (and so
 * the operation log and the TUI). Throws `deploy_failed` (exit 6) with its last lines when it exits
 * non-zero or outlives its timeout; the container is removed either way.
 */
export async function runHook(ctx: ServiceContext, target: ComposeTarget, hook: Hook, progress: Progress, signal?: AbortSignal): Promise<void> {
  const compose = await ctx.compose();
  await runOneOff(ctx, hook, target.project, progress, signal, (name, opts) => compose.runOnce(target, hook.service, hook.command, name, opts));
}

/** How a hook's container is started: `compose run` for a compose release, `docker run` on a swarm (swarm-hooks.ts). */
export type HookLauncher = (containerName: string, opts: { signal: AbortSignal; onOutput: (chunk: string) => void }) => Promise<ExecResult>;

/** Runs one hook container to its end under the hook's timeout, its output streamed as progress. */
export async function runOneOff(ctx: ServiceContext, hook: Hook, namePrefix: string, progress: Progress, signal: AbortSignal | undefined, launch: HookLauncher): Promise<void> {
  const name = `${namePrefix}-${hook.name.replace('_', '-')}-${crypto.randomBytes(3).toString('hex')}`;
  const tail: string[] = [];
  let partial = '';
  const onLine = (line: string) => {
    const text = line.replace(/\r$/, '');
    if (!text.trim() || isComposeChatter(text)) return;
    progress.output(`[${hook.name}] ${text}`, 'hook');
    tail.push(text);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  progress.stage('hook', `running ${describeHook(hook)}, timeout ${formatDuration(hook.timeoutSeconds)}`);
  const started = Date.now();
  // Our own timer, and we end a hook by removing its container: the compose client is not reliably
  // stopped by a signal (the docker CLI does not pass SIGTERM on to the compose v2 plugin, so the
  // plugin would wait for the container), and a killed client's exit code cannot tell a timeout
  // from a failure (v1 exits 1). With its container gone, `compose run` returns by itself.
  let timedOut = false;
  const client = new AbortController();
  const endContainer = () => {
    void ctx.engine.remove([name]).catch(() => undefined);
    // Should the client still not return, stop waiting for it.
    setTimeout(() => client.abort(), 15_000).unref();
  };
  const t = setTimeout(() => {
    timedOut = true;
    endContainer();
  }, hook.timeoutSeconds * 1000);
  signal?.addEventListener('abort', endContainer, { once: true });
  let res;
  try {
    res = await launch(name, {
      signal: client.signal,
      onOutput: (chunk) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        lines.forEach(onLine);
      },
    });
  } finally {
    clearTimeout(t);
    signal?.removeEventListener('abort', endContainer);
    // A client that ended some other way may leave its container: remove it (a no-op after --rm).
    await ctx.engine.remove([name]).catch(() => undefined);
  }
  if (partial) onLine(partial);
  // Compose v1 prints the container's exit code as a last line of its own.
  if (res.exitCode !== null && tail.at(-1) === String(res.exitCode)) tail.pop();
  const last = tail.length > 0 ? `; last output: ${redact(tail.join(' | '))}` : '';
  if (timedOut) {
    throw new OtterError('deploy_failed', `${describeHook(hook)} did not finish within ${formatDuration(hook.timeoutSeconds)} and was killed: fix the command or raise its timeout${last}`);
  }
  if (signal?.aborted) throw new OtterError('interrupted', `${describeHook(hook)} interrupted by signal`);
  if (res.exitCode !== 0) throw new OtterError('deploy_failed', `${describeHook(hook)} failed with exit ${res.exitCode ?? 'unknown'}${last}`);
  progress.stage('hook', `${hook.name} succeeded in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}
