import fs from 'node:fs';
import type { Command } from 'commander';
import { OtterError } from '../../services/errors.js';
import { exportVars, importVars, listVars, setVars, unsetVars, type ConfigChange } from '../../services/project-env.js';
import { redeployWithConfig } from '../../services/config-deploy.js';
import { progressPrinter } from '../progress-printer.js';
import type { CliKit } from '../context.js';
import type { ServiceContext } from '../../services/context.js';
import { readSecretFromStdin } from '../stdin.js';

function parsePairs(args: string[]): [string, string][] {
  return args.map((a) => {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new OtterError('usage', `expected KEY=VALUE, got ${JSON.stringify(a.split('=')[0])}: give the value after =, or one KEY with --stdin`);
    return [a.slice(0, eq), a.slice(eq + 1)];
  });
}

export function registerEnvCommands(program: Command, { io, withContext }: CliKit): void {
  const env = program.command('env').description("a project's configuration: variables for compose, encrypted at rest");
  const applied = async (change: ConfigChange, opts: { deploy?: boolean }, ctx: ServiceContext) => {
    io.out(change.changes ? `${change.project}: config v${change.version}: ${change.changes}` : `${change.project}: nothing changed (config v${change.version})`);
    if (opts.deploy && change.changes) {
      const res = await redeployWithConfig(ctx, { project: change.project, signal: io.signal, onProgress: progressPrinter(io.out) });
      io.out(`redeployed ${res.project} ${res.ref} with config v${change.version}`);
    } else if (change.changes) {
      io.out(`applies from the next deploy; to apply now: otterstack env set ${change.project} ... --deploy, or otterstack deploy ${change.project} --ref <ref>`);
    }
  };

  env
    .command('set <project> <pairs...>')
    .description('set variables: KEY=VALUE ..., or KEY --stdin (the value never appears in ps or shell history)')
    .option('--stdin', 'read the value of the one KEY from standard input')
    .option('--service <name...>', "also put the variables into these services' container environment")
    .option('--build', 'also pass them as build args to build: services')
    .option('--deploy', 'redeploy the active release with the new configuration now (health-gated)')
    .action((name: string, args: string[], opts) =>
      withContext(async (ctx) => {
        let pairs: [string, string][];
        if (opts.stdin) {
          if (args.length !== 1 || args[0]!.includes('=')) throw new OtterError('usage', 'with --stdin give exactly one KEY (no =VALUE)');
          pairs = [[args[0]!, await readSecretFromStdin('--stdin', 'printf %s "$VALUE" | otterstack env set PROJECT KEY --stdin')]];
        } else pairs = parsePairs(args);
        await applied(await setVars(ctx, name, pairs, { services: opts.service, build: opts.build }), opts, ctx);
      }),
    );

  env
    .command('unset <project> <keys...>')
    .description('remove variables')
    .option('--deploy', 'redeploy the active release with the new configuration now (health-gated)')
    .action((name: string, keys: string[], opts) => withContext(async (ctx) => applied(await unsetVars(ctx, name, keys), opts, ctx)));

  env
    .command('list <project>')
    .description('list variables, values masked unless --reveal')
    .option('--reveal', 'show values in clear')
    .option('--json', 'print JSON')
    .action((name: string, opts) =>
      withContext(async (ctx) => {
        const res = await listVars(ctx, name, opts.reveal);
        const print = opts.reveal ? io.revealed : io.out;
        if (opts.json) return print(JSON.stringify(res, null, 2));
        if (res.vars.length === 0) return io.out(`${name} has no variables: otterstack env set ${name} KEY=VALUE`);
        // Columns, not NAME=value: the masked form must not read as a value (and be masked again).
        const width = Math.max(...res.vars.map((v) => v.key.length));
        const scope = (v: (typeof res.vars)[number]) => [v.services.length ? `services: ${v.services.join(', ')}` : '', v.build ? 'build arg' : ''].filter(Boolean).join('; ');
        print(res.vars.map((v) => `${v.key.padEnd(width)}  ${v.value}${scope(v) ? `  ${scope(v)}` : ''}`).join('\n'));
      }),
    );

  env
    .command('import <project> <file>')
    .description("set variables from a dotenv file ('-' for stdin)")
    .option('--service <name...>', "also put them into these services' container environment")
    .option('--deploy', 'redeploy the active release with the new configuration now (health-gated)')
    .action((name: string, file: string, opts) =>
      withContext(async (ctx) => {
        let text: string;
        try {
          text = file === '-' ? await readSecretFromStdin("env import's '-'", 'otterstack env import PROJECT - < production.env') : fs.readFileSync(file, 'utf8');
        } catch (err) {
          if (err instanceof OtterError) throw err;
          throw new OtterError('not_found', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
        }
        await applied(await importVars(ctx, name, text, file === '-' ? 'stdin' : file, { services: opts.service }), opts, ctx);
      }),
    );

  env
    .command('export <project>')
    .description('print the variables as a dotenv file (needs --reveal: it prints values)')
    .option('--reveal', 'required: the output holds the values in clear')
    .action((name: string, opts) =>
      withContext(async (ctx) => {
        if (!opts.reveal) throw new OtterError('usage', 'env export prints every value in clear: add --reveal (and mind where the output goes)');
        io.revealed((await exportVars(ctx, name)).replace(/\n$/, ''));
      }),
    );
}
