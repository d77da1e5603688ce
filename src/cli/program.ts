import { Command } from 'commander';
import { makeKit, type CliIO } from './context.js';
import { registerInspectCommands } from './commands/inspect.js';
import { registerMaintenanceCommands } from './commands/maintenance.js';
import { registerProjectCommands } from './commands/project.js';
import { registerReleaseCommands } from './commands/release.js';
import { registerNotifyCommands } from './commands/notify.js';

export type { CliIO };

/**
 * Flags → service calls → printed results. No decisions here: every rule lives in src/services
 * so the TUI behaves identically.
 */
export function buildProgram(io: CliIO): Command {
  const program = new Command('otterstack')
    .description('Git-driven Docker Compose deployments for a single server')
    .option('--data-dir <dir>', 'state directory (default: $OTTERSTACK_DATA_DIR, /var/lib/otterstack as root, else $XDG_DATA_HOME/otterstack)')
    .option('--headless', 'run a command without the TUI (implied when a command is given)')
    .option('--setting <key=value>', 'override a setting for this run; repeatable (see config list)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const kit = makeKit(program, io);
  registerProjectCommands(program, kit);
  registerReleaseCommands(program, kit);
  registerInspectCommands(program, kit);
  registerMaintenanceCommands(program, kit);
  registerNotifyCommands(program, kit);
  return program;
}
