import type { Command } from 'commander';
import { OtterError } from '../../services/errors.js';
import { installProxy, removeProxy } from '../../services/proxy/proxy-install.js';
import { proxyLogs } from '../../services/proxy/proxy-logs.js';
import { validateProxyFlags, type ProxyOptionsInput } from '../../services/proxy/proxy-options.js';
import { proxyHealth, proxyStatus } from '../../services/proxy/proxy-status.js';
import { describeExpiry } from '../../services/proxy/certificates.js';
import type { CliKit } from '../context.js';

/** The managed Caddy proxy (#18): install, status, logs, remove. Projects with --domain deploy through it. */
export function registerProxyCommands(program: Command, { io, withContext, json }: CliKit): void {
  const proxy = program.command('proxy').description('the managed Caddy proxy (one container, otterstack-proxy): install, status, logs, remove');
  proxy
    .command('install')
    .description('start the proxy or make it match the options (same options: no change; others: recreated, certificates kept); an absent option keeps the installed value')
    .option('--image <ref>', 'Caddy image (default caddy:2)')
    .option('--email <address>', "ACME account email ('' for none)")
    .option('--acme-ca <url>', "ACME directory URL (default Let's Encrypt; '' resets)")
    .option('--acme-ca-root <file>', "PEM file of the CA behind the ACME server's own HTTPS (an internal ACME CA; '' resets)")
    .option('--http-port <port>', 'host port for HTTP and ACME challenges (default 80)')
    .option('--https-port <port>', 'host port for HTTPS (default 443)')
    .option('--json', 'print JSON')
    .action((opts: ProxyOptionsInput & { json?: boolean }) => {
      const input: ProxyOptionsInput = { image: opts.image, email: opts.email, acmeCa: opts.acmeCa, acmeCaRoot: opts.acmeCaRoot, httpPort: opts.httpPort, httpsPort: opts.httpsPort };
      // Flags are judged before the data dir is opened: a typo changes nothing (installProxy then
      // checks them together with the installed values, e.g. http and https on one port).
      validateProxyFlags(input);
      return withContext(async (ctx) => {
        const res = await installProxy(ctx, input);
        if (opts.json) return json(res);
        const { names, options } = res;
        io.out(`proxy ${res.action}: ${names.container} (${options.image}) on ports ${options.httpPort}/${options.httpsPort}, network ${names.network}, certificates in volume ${names.volume}, ${res.routes} route(s)`);
      });
    });
  proxy
    .command('status')
    .description('the proxy container, its ports, whether its admin API answers, its routes')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const status = await proxyStatus(ctx);
        const health = proxyHealth(status);
        if (opts.json) return json({ ...status, level: health.level, detail: health.detail });
        io.out(`${health.level.toUpperCase()}  ${health.detail}`);
        if (status.state !== 'missing') {
          io.out(`container  ${status.names.container}: ${status.state}${status.restartCount ? ` (restarted ${status.restartCount}x)` : ''}`);
          io.out(`ports      ${status.ports.join(', ') || 'none'}`);
          io.out(`admin      ${status.adminReachable ? `answers on ${status.socket}` : status.adminError}`);
          io.out(`routes     ${status.routes ?? '?'}`);
          for (const c of status.certificates) io.out(`cert       ${c.domain} (${c.project}): ${describeExpiry(c)}${c.issuer ? `, from ${c.issuer}` : ''}`);
        }
        if (health.level === 'fail') throw new OtterError('environment', 'the proxy is installed but not serving (see above)');
      }),
    );
  proxy
    .command('logs')
    .description("the proxy container's log (Caddy's JSON lines)")
    .option('--follow', 'keep printing new lines (Ctrl-C stops)')
    .option('--tail <n>', 'lines from the end (default 200; all for everything)', '200')
    .action((opts: { follow?: boolean; tail: string }) => {
      if (opts.tail !== 'all' && !/^\d{1,9}$/.test(opts.tail)) throw new OtterError('usage', `invalid --tail ${JSON.stringify(opts.tail)}: use a number of lines or all`);
      return withContext(async (ctx) => {
        let pending = '';
        await proxyLogs(ctx, {
          follow: !!opts.follow,
          tail: opts.tail === 'all' ? 'all' : Number(opts.tail),
          signal: io.signal,
          onOutput: (chunk) => {
            // Whole lines only: io.out adds its own newline.
            const lines = (pending + chunk).split('\n');
            pending = lines.pop() ?? '';
            for (const l of lines) io.out(l);
          },
        });
        if (pending) io.out(pending);
      });
    });
  proxy
    .command('remove')
    .description('remove the proxy container and its network; the certificates volume stays unless --purge')
    .option('--purge', "also remove the certificates volume and the proxy's files in the data dir")
    .option('--json', 'print JSON')
    .action((opts: { purge?: boolean; json?: boolean }) =>
      withContext(async (ctx) => {
        const res = await removeProxy(ctx, !!opts.purge);
        if (opts.json) return json(res);
        const { names } = res;
        io.out(
          `proxy removed: container ${res.removedContainer ? 'removed' : 'absent'}, network ${res.removedNetwork ? 'removed' : 'kept (absent or still in use)'}, ` +
            (opts.purge ? `volume ${names.volume} ${res.removedVolume ? 'removed' : 'absent'}` : `certificates kept in volume ${names.volume} (--purge removes it)`),
        );
      }),
    );
}
