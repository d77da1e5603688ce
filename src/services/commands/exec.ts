import { $, ProcessOutput } from 'zx';

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
  /** Called with each chunk of combined output as it arrives (compose progress, logs -f). */
  onOutput?: (chunk: string) => void;
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
    const forward = (b: Buffer | string) => opts.onOutput!(b.toString());
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
  }
  let out: ProcessOutput;
  try {
    out = await child;
  } catch (err) {
    // zx rejects (even with nothrow) when aborted through the signal.
    if (err instanceof ProcessOutput) out = err;
    else if (opts.signal?.aborted) return { exitCode: null, stdout: '', stderr: 'aborted', killed: 'aborted' };
    else throw err;
  }
  const killed = opts.signal?.aborted ? 'aborted' : out.exitCode === null && out.signal ? 'timeout' : null;
  return { exitCode: out.exitCode, stdout: out.stdout, stderr: out.stderr, killed };
};

/** Trims and joins stderr/stdout into the most useful single line for an error message. */
export function outputSummary(res: ExecResult): string {
  const text = (res.stderr.trim() || res.stdout.trim()).split('\n').map((l) => l.trim()).filter(Boolean);
  return text.slice(-1)[0] ?? `exit code ${res.exitCode}`;
}
