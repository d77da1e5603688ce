import type { Command } from 'commander';
import { registryLogin, registryLogins, registryLogout } from '../../services/registry.js';
import { OtterError } from '../../services/errors.js';
import { validateRegistryHost } from '../../services/registry-host.js';
import { renderTable } from '../../render/format.js';
import type { CliKit } from '../context.js';
import { readSecretFromStdin } from '../stdin.js';

export function registerRegistryCommands(program: Command, { io, withContext, json }: CliKit): void {
  const registry = program.command('registry').description("private registries: credentials kept in OtterStack's own Docker config (never ~/.docker)");
  registry
    .command('login <host>')
    .description('log in to a registry for deploys: printf %s "$PASSWORD" | otterstack registry login HOST --username USER --password-stdin')
    .option('--username <user>', 'registry user name')
    .option('--password-stdin', 'read the password or token from standard input (the only way: never an argument)')
    .action((host: string, opts) =>
      withContext(async (ctx) => {
        const example = `printf %s "$PASSWORD" | otterstack registry login ${validateRegistryHost(host)} --username USER --password-stdin`;
        if (!opts.passwordStdin) throw new OtterError('usage', `registry login reads the password from standard input only: ${example}`);
        const password = await readSecretFromStdin('--password-stdin', example);
        const login = await registryLogin(ctx, host, opts.username, password);
        io.out(`logged in to ${login.host} as ${login.username}; deploys pull from it with these credentials`);
      }),
    );
  registry
    .command('list')
    .description('registries OtterStack is logged in to, with user names (never the credentials)')
    .option('--json', 'print JSON')
    .action((opts) =>
      withContext(async (ctx) => {
        const logins = registryLogins(ctx);
        if (opts.json) return json(logins);
        io.out(
          logins.length
            ? renderTable(logins, [
                { header: 'REGISTRY', value: (l) => l.host },
                { header: 'USER', value: (l) => l.username || '-' },
              ])
            : 'no registry logins (add one with: otterstack registry login HOST --username USER --password-stdin)',
        );
      }),
    );
  registry
    .command('logout <host>')
    .description("remove a registry's credentials")
    .action((host: string) =>
      withContext(async (ctx) => {
        await registryLogout(ctx, host);
        io.out(`logged out of ${host}`);
      }),
    );
}
