#!/usr/bin/env node
import { CommanderError } from 'commander';
import { buildProgram } from './cli/program.js';
import { EXIT_CODES, OtterError, toOtterError } from './services/errors.js';
import { redact } from './services/redact.js';

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** True when argv (after node and script) names a command rather than only global options. */
export function hasSubcommand(args: string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--data-dir') {
      i++;
      continue;
    }
    if (a.startsWith('--data-dir=') || a === '--headless') continue;
    return true;
  }
  return false;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (!hasSubcommand(args) && !args.includes('--headless')) {
    const { runTui } = await import('./screens/app.js');
    return runTui(args);
  }

  const abort = new AbortController();
  let caught: NodeJS.Signals | null = null;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      // A second signal means "stop now", even mid-cleanup.
      if (caught) process.exit(SIGNAL_EXIT[sig]);
      caught = sig;
      abort.abort();
    });
  }

  const program = buildProgram({
    out: (t) => process.stdout.write(t + '\n'),
    err: (t) => process.stderr.write(t + '\n'),
    signal: abort.signal,
  });
  try {
    await program.parseAsync(process.argv);
    return caught ? SIGNAL_EXIT[caught]! : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? 0 : EXIT_CODES.usage;
    }
    const e = toOtterError(err);
    process.stderr.write(`otterstack: ${redact(e.message)}\n`);
    if (caught) return SIGNAL_EXIT[caught]!;
    return EXIT_CODES[e.kind];
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`otterstack: ${err instanceof OtterError ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
