import { Command, Option } from 'commander';
import { openContext, type ServiceContext } from '../services/context.js';
import { deploy } from '../services/deploy.js';
import { runDoctor } from '../services/doctor.js';
import { OtterError } from '../services/errors.js';
import { addProject, listProjects, removeProject, showProject, type RemoveCleanup } from '../services/projects.js';
import { isSettingKey, SETTING_KEYS } from '../services/settings.js';
import { getStatus } from '../services/status.js';
import { parseDurationSeconds } from '../services/validation.js';
import { containerTable, doctorTable, historyTable, projectListTable, projectSource, statusTable } from '../render/rows.js';
import { formatDuration, shortSha } from '../render/format.js';
import { progressPrinter } from './progress-printer.js';
import { redactDeep } from './json.js';

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Set by long-running commands so SIGINT/SIGTERM can abort them cleanly. */
  signal: AbortSignal;
}

/**
 * Flags → service calls → printed results. No decisions here: every rule lives in src/services
 * so the TUI behaves identically.
 */
export function buildProgram(io: CliIO): Command {
  const program = new Command('otterstack')
    .description('Git-driven Docker Compose deployments for a single server')
    .option('--data-dir <dir>', 'state directory (default: $OTTERSTACK_DATA_DIR, /var/lib/otterstack as root, else $XDG_DATA_HOME/otterstack)')
    .option('--headless', 'run a command without the TUI (implied when a command is given)')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const withContext = async <T>(fn: (ctx: ServiceContext) => Promise<T>): Promise<T> => {
    const ctx = await openContext({ dataDir: program.opts().dataDir });
    try {
      return await fn(ctx);
    } finally {
      await ctx.close();
    }
  };
  const json = (value: unknown) => io.out(JSON.stringify(redactDeep(value), null, 2));

  const project = program.command('project').description('manage projects');
  project
    .command('add')
    .description('register a project from a git repository')
    .requiredOption('--name <name>', 'project name ([a-z0-9-], used in container names)')
    .requiredOption('--repo <path>', 'local path of the git repository')
    .option('--compose-file <file>', 'compose file path inside the repository (default: auto-detect)')
    .option('--persistent <path...>', 'relative bind-mount sources whose data must survive releases')
    .option('--json', 'print JSON')
    .action((opts) =>
      withContext(async (ctx) => {
        const p = await addProject(ctx, { name: opts.name, repo: opts.repo, composeFile: opts.composeFile, persistentPaths: opts.persistent });
        if (opts.json) json(p);
        else io.out(`added project ${p.name} (${projectSource(p)})`);
      }),
    );
  project
    .command('list')
    .description('list projects')
    .option('--json', 'print JSON')
    .action((opts) =>
      withContext(async (ctx) => {
        const projects = await listProjects(ctx);
        if (opts.json) json(projects);
        else io.out(projects.length ? projectListTable(projects) : 'no projects yet: add one with otterstack project add --name N --repo PATH');
      }),
    );
  project
    .command('show <name>')
    .description('show one project')
    .option('--json', 'print JSON')
    .action((name, opts) =>
      withContext(async (ctx) => {
        const d = await showProject(ctx, name);
        if (opts.json) return json(d);
        const p = d.project;
        io.out(
          [
            `name:          ${p.name}`,
            `source:        ${projectSource(p)}`,
            `compose file:  ${p.compose_file ?? '(auto)'}`,
            `strategy:      ${p.strategy}`,
            `persistent:    ${(JSON.parse(p.persistent_paths) as string[]).join(', ') || '-'}`,
            `worktrees:     ${d.worktreesDir}`,
            `active:        ${d.active ? `${d.active.git_ref ?? '-'} (${shortSha(d.active.git_sha)}) as ${d.active.compose_project}` : 'nothing deployed'}`,
            '',
            d.recent.length ? historyTable(d.recent) : 'no deployments yet',
          ].join('\n'),
        );
      }),
    );
  project
    .command('remove <name>')
    .description('remove a project')
    .addOption(new Option('--cleanup <what>', 'containers: releases and worktrees; all: also volumes and data; none: only forget').choices(['containers', 'all', 'none']).default('containers'))
    .option('--yes', 'do not ask for confirmation')
    .action((name, opts) =>
      withContext(async (ctx) => {
        if (!opts.yes) throw new OtterError('usage', `refusing to remove ${name} without --yes (cleanup: ${opts.cleanup})`);
        const res = await removeProject(ctx, name, opts.cleanup as RemoveCleanup, progressPrinter(io.err));
        io.out(`removed ${res.project}: ${res.removedReleases.length} release(s), ${res.removedVolumes.length} volume(s), ${res.removedPaths.length} path(s)`);
      }),
    );

  program
    .command('deploy <project>')
    .description('deploy a git ref (tag, branch or SHA)')
    .requiredOption('--ref <ref>', 'tag, branch or commit to deploy')
    .option('--timeout <duration>', 'how long to wait for containers to become healthy (e.g. 90s, 5m)')
    .option('--dry-run', 'resolve and validate only; start nothing')
    .option('--json', 'print the result as JSON (progress goes to stderr)')
    .action((name, opts) =>
      withContext(async (ctx) => {
        const timeoutSeconds = opts.timeout ? parseDurationSeconds(opts.timeout, '--timeout') : undefined;
        const res = await deploy(ctx, {
          project: name,
          ref: opts.ref,
          timeoutSeconds,
          dryRun: opts.dryRun,
          signal: io.signal,
          onProgress: progressPrinter(opts.json ? io.err : io.out),
        });
        if (opts.json) return json(res);
        if (res.outcome === 'deployed') io.out(`deployed ${res.project} ${res.ref} (${shortSha(res.sha)}) in ${formatDuration(res.durationMs)}`);
      }),
    );

  program
    .command('validate <project>')
    .description('check that a ref can be deployed (compose file present and valid) without starting it')
    .option('--ref <ref>', 'ref to validate', 'HEAD')
    .option('--json', 'print JSON')
    .action((name, opts) =>
      withContext(async (ctx) => {
        const res = await deploy(ctx, { project: name, ref: opts.ref, dryRun: true, signal: io.signal, onProgress: opts.json ? undefined : progressPrinter(io.out) });
        if (opts.json) json({ valid: true, ...res });
        else io.out(`${name} ${opts.ref} (${shortSha(res.sha)}) is valid: services ${res.services.join(', ')}`);
      }),
    );

  program
    .command('status [project]')
    .description('current release and container health of one or all projects')
    .option('--json', 'print JSON')
    .action((name, opts) =>
      withContext(async (ctx) => {
        const statuses = await getStatus(ctx, name);
        if (opts.json) return json(statuses);
        if (statuses.length === 0) return io.out('no projects yet');
        io.out(statusTable(statuses, Date.now()));
        if (name && statuses[0]!.containers.length) io.out('\n' + containerTable(statuses[0]!.containers));
      }),
    );

  program
    .command('doctor')
    .description('check docker, compose, git, data dir and disk space')
    .option('--json', 'print JSON')
    .action((opts) =>
      withContext(async (ctx) => {
        const checks = await runDoctor(ctx);
        if (opts.json) json(checks);
        else io.out(doctorTable(checks));
        if (checks.some((c) => !c.ok)) throw new OtterError('environment', 'doctor found problems (see FAIL rows above)');
      }),
    );

  const config = program.command('config').description('show or change settings');
  config
    .command('list')
    .option('--json', 'print JSON')
    .action((opts) =>
      withContext(async (ctx) => {
        const all = ctx.settings.all();
        if (opts.json) return json(all);
        for (const key of SETTING_KEYS) io.out(`${key.padEnd(24)} ${String(all[key]).padEnd(12)} (${ctx.settings.source(key)})`);
      }),
    );
  config
    .command('set <key> <value>')
    .action((key: string, value: string) =>
      withContext(async (ctx) => {
        if (!isSettingKey(key)) throw new OtterError('usage', `unknown setting ${key}: one of ${SETTING_KEYS.join(', ')}`);
        ctx.settings.set(key, value);
        io.out(`${key} = ${String(ctx.settings.get(key))}`);
      }),
    );

  return program;
}
