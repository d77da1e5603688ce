import type { ProcessOutput } from 'zx/core';

/**
 * The only place that spawns processes. zx quotes every interpolated argument (arrays element by
 * element), so no ref, name, URL or path ever reaches the shell unquoted.
 */
export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  signal?: AbortSignal;
  input?: string;
  /**
   * Called with each chunk of output as it arrives (compose progress, logs -f). Chunks of stdout
   * and stderr interleave, so a partial line must be joined per `stream` (container logs: docker
   * writes the container's stderr to its own stderr).
   */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
}

export interface ExecResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Set when the process was ended by our timeout or abort signal. */
  killed: 'timeout' | 'aborted' | null;
}

export type Exec = (argv: readonly string[], opts?: ExecOptions) => Promise<ExecResult>;

export const exec: Exec = async (argv, opts = {}) => {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('exec: empty command');
  // zx is loaded on first use: commands that never spawn (help, history) start faster.
  const { $, ProcessOutput: Output } = await import('zx/core');
  const shell = $({
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    signal: opts.signal,
    input: opts.input,
    nothrow: true,
    quiet: true,
    verbose: false,
    timeout: opts.timeoutMs,
  });
  const child = shell`${cmd} ${args}`;
  if (opts.onOutput) {
    child.stdout.on('data', (b: Buffer | string) => opts.onOutput!(b.toString(), 'stdout'));
    child.stderr.on('data', (b: Buffer | string) => opts.onOutput!(b.toString(), 'stderr'));
  }
  let out: ProcessOutput;
  try {
    out = await child;
  } catch (err) {
    // zx rejects (even with nothrow) when aborted through the signal.
    if (err instanceof Output) out = err;
    else if (opts.signal?.aborted) return { exitCode: null, stdout: '', stderr: 'aborted', killed: 'aborted' };
    else throw err;
  }
  const killed = opts.signal?.aborted ? 'aborted' : out.exitCode === null && out.signal ? 'timeout' : null;
  return { exitCode: out.exitCode, stdout: out.stdout, stderr: out.stderr, killed };
};

/** Trims and joins stderr/stdout into the most useful single line for an error message. */
export function outputSummary(res: ExecResult): string {
  return mostUsefulLine(res.stderr.trim() || res.stdout.trim()) || `exit code ${res.exitCode}`;
}

/**
 * The line of a command's output that best explains a failure: the last one naming an error,
 * skipping docker's and compose's generic trailers ("Encountered errors…", "failed to start
 * containers: <ids>") that hide the real reason printed above them.
 */
export function mostUsefulLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^Encountered errors|failed to start containers:/.test(l));
  return [...lines].reverse().find((l) => /error|failed|denied|not found|invalid|allocated|in use/i.test(l)) ?? lines.at(-1) ?? '';
}
