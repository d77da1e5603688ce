import type { Command } from 'commander';
import type { CliKit } from '../context.js';
import { inspectContainer, serviceContainer, restartContainer, setContainerRunning } from '../../services/containers.js';

/** The TUI's container keys (R, T, i) headless: one service's container of the project's active release. */
export function registerContainerCommands(program: Command, { io, withContext }: CliKit): void {
  const container = program.command('container').description("one service's container of a project's active release: restart, stop, start, inspect");
  container
    .command('restart <project> <service>')
    .description("restart the service's container")
    .action((project: string, service: string) =>
      withContext(async (ctx) => {
        const c = await restartContainer(ctx, project, (await serviceContainer(ctx, project, service)).id);
        io.out(`restarted ${c.name}`);
      }),
    );
  for (const [verb, running] of [['stop', false], ['start', true]] as const) {
    container
      .command(`${verb} <project> <service>`)
      .description(`${verb} the service's container${running ? '' : ' (the release stays down until it is started again)'}`)
      .action((project: string, service: string) =>
        withContext(async (ctx) => {
          const c = await setContainerRunning(ctx, project, (await serviceContainer(ctx, project, service)).id, running);
          io.out(`${running ? 'started' : 'stopped'} ${c.name}`);
        }),
      );
  }
  container
    .command('inspect <project> <service>')
    .description("the container's state and health, and the release's resolved compose config (secrets masked)")
    .action((project: string, service: string) =>
      withContext(async (ctx) => {
        io.out((await inspectContainer(ctx, project, (await serviceContainer(ctx, project, service)).id)).join('\n'));
      }),
    );
}
