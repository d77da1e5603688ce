import type { Command } from 'commander';
import { cleanup } from '../../services/cleanup.js';
import { runDoctor } from '../../services/doctor.js';
import { OtterError } from '../../services/errors.js';
import { previewPrune, prune, validatePruneImages } from '../../services/prune.js';
import { prunePlanLines } from '../../render/tui-dialogs.js';
import { isSettingKey, SETTING_KEYS } from '../../services/settings.js';
import { doctorTable } from '../../render/rows.js';
import { formatBytes } from '../../services/commands/image-usage.js';
import { progressPrinter } from '../progress-printer.js';
import { parseIntOption, type CliKit } from '../context.js';

export function registerMaintenanceCommands(program: Command, { io, withContext, json }: CliKit): void {
  program
    .command('prune <project>')
    .description('remove old releases (containers, networks, worktrees) beyond retention; never volumes')
    .option('--keep <n>', 'releases to keep, the active one included', parseIntOption('--keep'))
    .option('--images <which>', 'images removed with the releases: built (those built for them, the default) or pulled (also registry images only they used)', 'built')
    .option('--dry-run', 'only show what would be removed (what the TUI shows before asking)')
    .option('--json', 'print JSON')
    .action((name, opts) =>
      withContext(async (ctx) => {
        if (opts.dryRun) {
          const plan = await previewPrune(ctx, name, opts.keep, validatePruneImages(opts.images));
          if (opts.json) json(plan);
          else for (const line of prunePlanLines(plan, opts.keep ?? plan.keptReleases.length)) io.out(line);
          return;
        }
        const res = await prune(ctx, name, opts.keep, opts.json ? undefined : progressPrinter(io.out), validatePruneImages(opts.images));
        if (opts.json) json(res);
        else io.out(`pruned ${name}: ${res.removedReleases.length} release(s), ${res.removedWorktrees.length} worktree(s), ${res.removedImages.length} image(s) (${formatBytes(res.reclaimedBytes)} reclaimed), ${res.deletedHistoryRows} history row(s), ${res.deletedLogs} log(s); kept ${res.keptReleases.join(', ') || 'nothing'}`);
      }),
    );

  program
    .command('cleanup [project]')
    .description('reconcile state after a crash: interrupted deploys, orphaned releases and worktrees, stale locks')
    .option('--dry-run', 'only list what would be done')
    .option('--json', 'print JSON')
    .action((name, opts) =>
      withContext(async (ctx) => {
        const res = await cleanup(ctx, name, { dryRun: opts.dryRun, onProgress: opts.json ? undefined : progressPrinter(io.out) });
        if (opts.json) json(res);
        if (res.busy.length > 0) throw new OtterError('conflict', `cleaned up everything else; ${res.busy.length} busy project(s) skipped: run cleanup again once they are done`);
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
        await ctx.settings.set(key, value);
        io.out(`${key} = ${String(ctx.settings.get(key))}`);
      }, { checkSettings: false }),
    );
}
