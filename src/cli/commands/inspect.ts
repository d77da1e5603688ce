import type { Command } from 'commander';
import { OtterError } from '../../services/errors.js';
import { getHistory } from '../../services/history.js';
import { plainLogLine, readOperationLog, streamContainerLogs } from '../../services/logs.js';
import { getStatus } from '../../services/status.js';
import { describeStackService } from '../../services/swarm/swarm-status.js';
import { containerTable, containersWithShared, historyTable, statusTable } from '../../render/rows.js';
import { parseIntOption, type CliKit } from '../context.js';

export function registerInspectCommands(program: Command, { io, withContext, json }: CliKit): void {
  program
    .command('status [project]')
    .description('current release and container health of one or all projects')
    .option('--json', 'print JSON')
    .option('--check', 'exit 6 when a deployed project is not healthy (for monitoring)')
    .action((name, opts) =>
      withContext(async (ctx) => {
        const statuses = await getStatus(ctx, name);
        if (opts.json) json(statuses);
        else if (statuses.length === 0) io.out('no projects yet');
        else {
          io.out(statusTable(statuses, Date.now()));
          if (name && containersWithShared(statuses[0]!).length) io.out('\n' + containerTable(containersWithShared(statuses[0]!)));
          for (const s of statuses.filter((st) => st.swarm)) io.out(`\n${s.project.name}: swarm stack otterstack-${s.project.name}\n${s.swarm!.map((svc) => `  ${describeStackService(svc)}`).join('\n') || '  no services (the stack is gone: otterstack cleanup deploys it again)'}`);
        }
        const bad = statuses.filter((s) => !['healthy', 'starting', 'not_deployed'].includes(s.health));
        if (opts.check && bad.length > 0) {
          throw new OtterError('deploy_failed', `not healthy: ${bad.map((s) => `${s.project.name} (${s.health})`).join(', ')}${bad.some((s) => s.health === 'missing') ? '; otterstack cleanup recreates a missing release' : ''}`);
        }
      }),
    );

  program
    .command('history <project>')
    .description('deployments of a project, newest first')
    .option('--limit <n>', 'how many', parseIntOption('--limit'), 20)
    .option('--json', 'print JSON')
    .action((name, opts) =>
      withContext(async (ctx) => {
        const rows = await getHistory(ctx, name, opts.limit);
        if (opts.json) json(rows);
        else io.out(rows.length ? historyTable(rows) : `no deployments of ${name} yet`);
      }),
    );

  program
    .command('logs <project>')
    .description("print an operation's log (default: the latest), or stream the active release's container logs")
    .option('--deployment <id>', 'log of this deployment (see history)', parseIntOption('--deployment'))
    .option('--containers', "container logs of the active release instead")
    .option('-f, --follow', 'with --containers: keep streaming')
    .option('--tail <n>', 'with --containers: lines per container to start with', parseIntOption('--tail'), 100)
    .action((name, opts) =>
      withContext(async (ctx) => {
        if (opts.containers) {
          let width = 0;
          await streamContainerLogs(ctx, name, {
            follow: Boolean(opts.follow),
            tail: opts.tail,
            signal: io.signal,
            onServices: (services) => (width = Math.max(...services.map((s) => s.length))),
            onLine: (line) => io.out(plainLogLine(line, width)),
          });
          return;
        }
        const log = await readOperationLog(ctx, name, opts.deployment);
        io.err(`# ${log.operation} (${log.status}): ${log.file}`);
        io.out(log.text.trimEnd());
      }),
    );
}
