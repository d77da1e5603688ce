import type { Command } from 'commander';
import { deploy, type DeployResult } from '../../services/deploy.js';
import { rollback } from '../../services/rollback.js';
import { parseDurationSeconds } from '../../services/validation.js';
import { formatDuration, shortSha } from '../../render/format.js';
import { progressPrinter } from '../progress-printer.js';
import { previewDeploy } from '../../services/refs.js';
import { planLines } from '../../render/plan-lines.js';
import { OtterError } from '../../services/errors.js';
import type { CliKit } from '../context.js';

function summary(res: DeployResult, verb: string): string {
  return `${verb} ${res.project} ${res.ref} (${shortSha(res.sha)}) in ${formatDuration(res.durationMs)}`;
}

export function registerReleaseCommands(program: Command, { io, withContext, json }: CliKit): void {
  /** What deploy and rollback share: health bound, Ctrl-C, and progress (to stderr under --json). */
  const common = (opts: { timeout?: string; json?: boolean }) => ({
    timeoutSeconds: opts.timeout ? parseDurationSeconds(opts.timeout, '--timeout') : undefined,
    signal: io.signal,
    onProgress: progressPrinter(opts.json ? io.err : io.out),
  });
  const report = (res: DeployResult, verb: string, asJson: boolean) => {
    if (asJson) json(res);
    else if (res.outcome === 'deployed') io.out(summary(res, verb));
  };

  program
    .command('deploy <project>')
    .description('deploy a git ref (tag, branch or SHA)')
    .requiredOption('--ref <ref>', 'tag, branch or commit to deploy')
    .option('--timeout <duration>', 'how long to wait for containers to become healthy (e.g. 90s, 5m)')
    .option('--dry-run', 'resolve and validate only; start nothing')
    .option('--force', 'deploy even if the managed clone has local edits')
    .option('--skip-hooks', 'emergencies: run no pre_deploy/post_deploy hook (recorded in history)')
    .option('--no-shared-update', 'refuse, instead of replacing, a shared service whose definition changed')
    .option('--pull', "pull every image from its registry, whatever the project's pull policy; a failed pull fails the deploy")
    .option('--no-pull', "pull nothing, whatever the project's pull policy")
    .option('--no-cache', 'build images without the build cache')
    .option('--pull-base', 'build with fresh base images (compose build --pull)')
    .option('--json', 'print the result as JSON (progress goes to stderr)')
    .action((name, opts) =>
      withContext(async (ctx) => {
        const res = await deploy(ctx, { project: name, ref: opts.ref, force: opts.force, dryRun: opts.dryRun, skipHooks: opts.skipHooks, noSharedUpdate: opts.sharedUpdate === false, pull: opts.pull, noCache: opts.cache === false, pullBase: opts.pullBase, ...common(opts) });
        report(res, 'deployed', opts.json);
      }),
    );

  program
    .command('rollback <project>')
    .description('bring back the previous good release (or --to an earlier one)')
    .option('--to <sha>', 'SHA or SHA prefix of an earlier release (see history)')
    .option('--current-config', "keep today's configuration (default: the target release's comes back with its code)")
    .option('--run-hooks', "run the target release's pre_deploy/post_deploy hooks (a rollback runs none by default)")
    .option('--timeout <duration>', 'how long to wait for containers to become healthy')
    .option('--json', 'print the result as JSON (progress goes to stderr)')
    .action((name, opts) =>
      withContext(async (ctx) => {
        const res = await rollback(ctx, { project: name, to: opts.to, currentConfig: opts.currentConfig, runHooks: opts.runHooks, ...common(opts) });
        report(res, 'rolled back', opts.json);
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
    .command('plan <project>')
    .description('show what deploying a ref would change against the active release, without starting it')
    .option('--ref <ref>', 'ref to plan', 'HEAD')
    .option('--json', 'print JSON')
    .action((name, opts) =>
      withContext(async (ctx) => {
        const pv = await previewDeploy(ctx, name, opts.ref);
        if (opts.json) json(pv);
        else {
          io.out(`plan ${name}: ${opts.ref} (${shortSha(pv.sha)})`);
          for (const l of planLines(pv)) io.out(l.text ? `  ${l.text}` : '');
        }
        // Scripts can gate on it: a target that would not deploy is not a plan.
        if (pv.problem) throw new OtterError(pv.problem.willFail ? 'usage' : 'environment', pv.problem.message);
      }),
    );
}
