#!/usr/bin/env node
import { EXIT_CODES, OtterError, toOtterError } from './services/errors.js';
import { redact } from './services/redact.js';
import { inert } from './render/format.js';
import { installSignalHandlers, SIGNAL_EXIT } from './cli/signals.js';
import module from 'node:module';

// Node 22.1+: cache V8's compiled code of our chunks between runs (start-up, npm run bench). The
// TUI and CLI chunks load after this line. Node 20 has no compile cache and skips it.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

/** True when argv (after node and script) names a command rather than only global options. */
export function hasSubcommand(args: string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--data-dir' || a === '--setting') {
      i++;
      continue;
    }
    if (a.startsWith('--data-dir=') || a.startsWith('--setting=') || a === '--headless') continue;
    return true;
  }
  return false;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  // `otterstack history web | head`: a closed pipe ends output quietly, like any Unix tool.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
  if (!hasSubcommand(args) && !args.includes('--headless')) {
    const { runTui } = await import('./screens/app.js');
    // Exit explicitly: a log follower or stdin listener must not keep a quit TUI alive.
    process.exit(await runTui(args));
  }

  // The CLI (commander + every command module) loads only when a command is given: the TUI's
  // start-up time is measured (npm run bench) and every import counts.
  const [{ CommanderError }, { buildProgram }] = await Promise.all([import('commander'), import('./cli/program.js')]);
  const abort = new AbortController();
  const caughtSignal = installSignalHandlers(abort);

  // Everything printed may carry text from outside (names, refs, compose output, container logs):
  // terminal controls are stripped so none of it can drive the operator's terminal.
  const program = buildProgram({
    out: (t) => process.stdout.write(inert(redact(t)) + '\n'),
    err: (t) => process.stderr.write(inert(redact(t)) + '\n'),
    // Asked for with --reveal: not masked; still inert on a terminal, exact into a pipe or file.
    revealed: (t) => process.stdout.write((process.stdout.isTTY ? inert(t) : t) + '\n'),
    signal: abort.signal,
  });
  try {
    await program.parseAsync(process.argv);
    const caught = caughtSignal();
    return caught ? SIGNAL_EXIT[caught as keyof typeof SIGNAL_EXIT] : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? 0 : EXIT_CODES.usage;
    }
    const e = toOtterError(err);
    process.stderr.write(`otterstack: ${inert(redact(e.message))}\n`);
    const caught = caughtSignal();
    if (caught) return SIGNAL_EXIT[caught as keyof typeof SIGNAL_EXIT];
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
