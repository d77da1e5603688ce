import { spawn } from 'node:child_process';
import path from 'node:path';

/** The shipped artifact (the esbuild bundle), not the tsc output. */
export const MAIN = path.resolve('dist/otterstack.mjs');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the real built CLI in a child process (no shell) against a given data dir. */
export function runCli(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, '--data-dir', dataDir, ...args], {
      env: { ...process.env, ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (input !== undefined) child.stdin!.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b) => (stdout += b));
    child.stderr!.on('data', (b) => (stderr += b));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export async function runJson<T>(dataDir: string, args: string[]): Promise<T> {
  const res = await runCli(dataDir, [...args, '--json']);
  if (res.code !== 0) throw new Error(`otterstack ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
  return JSON.parse(res.stdout) as T;
}

export interface RunningCli {
  pid: number;
  /** Resolves when a line of stdout matches (rejects if the process exits first). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  kill(signal: NodeJS.Signals): void;
  done: Promise<CliResult>;
  /** Everything printed to stdout so far. */
  stdout(): string;
}

/** Starts the CLI and lets a test act at a precise point of its progress output. */
export function startCli(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn(process.execPath, [MAIN, '--data-dir', dataDir, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (l: string) => void }[] = [];
  child.stdout.on('data', (b) => {
    stdout += b;
    for (const w of [...waiters]) {
      const line = stdout.split('\n').find((l) => w.pattern.test(l));
      if (line) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr.on('data', (b) => (stderr += b));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return {
    pid: child.pid!,
    done,
    kill: (signal) => child.kill(signal),
    stdout: () => stdout,
    waitForLine(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs}ms:\n${stdout}\n${stderr}`)), timeoutMs);
        const settle = (l: string) => {
          clearTimeout(timer);
          resolve(l);
        };
        waiters.push({ pattern, resolve: settle });
        child.stdout.emit('data', '');
        void done.then((r) => {
          clearTimeout(timer);
          reject(new Error(`process exited (${r.code ?? r.signal}) before a line matched ${pattern}:\n${r.stdout}\n${r.stderr}`));
        });
      });
    },
  };
}
