import { Command } from 'commander';
import { makeKit, type CliIO } from './context.js';
import { registerInspectCommands } from './commands/inspect.js';
import { registerMaintenanceCommands } from './commands/maintenance.js';
import { registerProjectCommands } from './commands/project.js';
import { registerReleaseCommands } from './commands/release.js';
import { registerNotifyCommands } from './commands/notify.js';
import { registerEnvCommands } from './commands/env.js';
import { registerContainerCommands } from './commands/container.js';
import { registerRegistryCommands } from './commands/registry.js';
import { registerProxyCommands } from './commands/proxy.js';
import { bashCompletion, completionTree, zshCompletion } from './completion.js';
import { OtterError } from '../services/errors.js';
import { VERSION } from '../version.js';

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
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const kit = makeKit(program, io);
  registerProjectCommands(program, kit);
  registerReleaseCommands(program, kit);
  registerInspectCommands(program, kit);
  registerMaintenanceCommands(program, kit);
  registerNotifyCommands(program, kit);
  registerEnvCommands(program, kit);
  registerContainerCommands(program, kit);
  registerRegistryCommands(program, kit);
  registerProxyCommands(program, kit);
  program
    .command('completion <shell>')
    .description('print a shell completion script (bash or zsh), e.g. otterstack completion bash > /etc/bash_completion.d/otterstack')
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh') throw new OtterError('usage', `no completion for shell ${JSON.stringify(shell)}: use bash or zsh`);
      const tree = completionTree(program);
      io.out((shell === 'bash' ? bashCompletion(tree) : zshCompletion(tree)).trimEnd());
    });
  return program;
}
