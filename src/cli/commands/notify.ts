import fs from 'node:fs';
import type { Command } from 'commander';
import { addTarget, listTargets, recentNotifications, removeTarget, testNotify } from '../../services/notify/manage.js';
import { OtterError } from '../../services/errors.js';
import { watch } from '../../services/watch.js';
import { parseListenAddress } from '../../services/webhooks/listen-address.js';
import { hookLog } from '../../services/webhooks/hook-log.js';
import { watchUnit } from '../../render/systemd-unit.js';
import { formatTimestamp, renderTable } from '../../render/format.js';
import { parseIntOption, type CliKit } from '../context.js';

export function registerNotifyCommands(program: Command, { io, withContext, json }: CliKit): void {
  const notify = program.command('notify').description('notification targets: webhook, Slack, Discord, email');
  notify
    .command('add <kind=target>')
    .description('add a target: webhook=URL, slack=URL, discord=URL or email=ADDRESS')
    .option('--project <name>', 'only for this project (default: every project)')
    .option('--secret-env <NAME>', 'environment variable holding the webhook HMAC key or SMTP password')
    .option('--smtp <url>', 'email: smtp://[user@]host:port (STARTTLS when offered; ?tls=insecure for self-signed)')
    .option('--from <address>', 'email: sender address')
    .option('--json', 'print JSON')
    .action((spec, opts) =>
      withContext(async (ctx) => {
        const t = await addTarget(ctx, { project: opts.project, spec, secretEnv: opts.secretEnv, smtp: opts.smtp, from: opts.from });
        if (opts.json) json(t);
        else io.out(`added notification target ${t.id}: ${t.kind} ${t.target}${t.project ? ` for ${t.project}` : ' (global)'}`);
      }),
    );
  notify
    .command('list')
    .option('--json', 'print JSON')
    .action((opts) =>
      withContext(async (ctx) => {
        const targets = await listTargets(ctx);
        if (opts.json) return json(targets);
        io.out(
          targets.length
            ? renderTable(targets, [
                { header: 'ID', value: (t) => String(t.id), align: 'right' },
                { header: 'PROJECT', value: (t) => t.project ?? '(global)' },
                { header: 'KIND', value: (t) => t.kind },
                { header: 'TARGET', value: (t) => t.target },
                { header: 'SECRET ENV', value: (t) => t.secretEnv ?? '-' },
              ])
            : 'no notification targets',
        );
      }),
    );
  notify.command('remove <id>').action((id: string) =>
    withContext(async (ctx) => {
      await removeTarget(ctx, parseIntOption('id')(id));
      io.out(`removed notification target ${id}`);
    }),
  );
  notify
    .command('test')
    .option('--project <name>', "the project's targets (default: global ones)")
    .action((opts) =>
      withContext(async (ctx) => {
        const rows = await testNotify(ctx, opts.project);
        if (rows.length === 0) throw new OtterError('not_found', 'no notification targets to test: add one with notify add');
        for (const r of rows) io.out(`#${r.id} ${r.status}${r.last_error ? `: ${r.last_error}` : ''}`);
        if (rows.some((r) => r.status !== 'sent')) throw new OtterError('environment', 'some targets did not accept the test notification (it will be retried)');
      }),
    );
  notify
    .command('log')
    .description('latest notifications and their delivery state')
    .option('--limit <n>', 'how many', parseIntOption('--limit'), 20)
    .option('--json', 'print JSON')
    .action((opts) =>
      withContext(async (ctx) => {
        const rows = await recentNotifications(ctx, opts.limit);
        if (opts.json) return json(rows);
        io.out(
          renderTable(rows, [
            { header: 'ID', value: (r) => String(r.id), align: 'right' },
            { header: 'WHEN', value: (r) => formatTimestamp(r.createdAt) },
            { header: 'PROJECT', value: (r) => r.project ?? '-' },
            { header: 'EVENT', value: (r) => r.event },
            { header: 'STATUS', value: (r) => `${r.status}${r.attempts > 1 ? ` (${r.attempts} tries)` : ''}` },
            { header: 'ERROR', value: (r) => r.lastError ?? '', max: 60 },
          ]),
        );
      }),
    );

  program
    .command('hooks')
    .description('push-to-deploy webhooks received by watch --listen')
    .command('log')
    .description('latest webhook deliveries: accepted, rejected and ignored, and why')
    .option('--project <name>', 'only this project')
    .option('--limit <n>', 'how many', parseIntOption('--limit'), 50)
    .option('--json', 'print JSON')
    .action((opts: { project?: string; limit: number; json?: boolean }) =>
      withContext(async (ctx) => {
        const rows = await hookLog(ctx, opts.limit, opts.project);
        if (opts.json) return json(rows);
        if (rows.length === 0) return io.out('no webhook deliveries yet');
        io.out(
          renderTable(rows, [
            { header: 'WHEN', value: (r) => formatTimestamp(r.receivedAt) },
            { header: 'PROJECT', value: (r) => r.project },
            { header: 'FORGE', value: (r) => r.forge ?? '-' },
            { header: 'EVENT', value: (r) => r.event || '-', max: 20 },
            { header: 'REF', value: (r) => r.ref || '-', max: 40 },
            { header: 'FROM', value: (r) => r.remote },
            { header: 'RESULT', value: (r) => `${r.status} ${r.result}` },
            { header: 'WHY', value: (r) => r.reason, max: 60 },
          ]),
        );
      }),
    );

  program
    .command('watch')
    .description('monitor health and notify (systemd-friendly: logs to stdout, stops on SIGTERM)')
    .option('--gitops', 'deploy new commits of followed branches (project set --follow-branch)')
    .option('--listen <host:port>', 'push-to-deploy: serve POST /hooks/<project> and GET /healthz here (loopback only unless --listen-public)')
    .option('--listen-public', 'allow --listen on a non-loopback address (the listener has no TLS: prefer the proxy)')
    .option('--systemd-unit', 'print a systemd unit file that runs this watch (with these options) and exit')
    .action((opts: { gitops?: boolean; listen?: string; listenPublic?: boolean; systemdUnit?: boolean }) => {
      // Checked before the data dir is opened: a typo binds nothing.
      if (opts.listenPublic && !opts.listen) throw new OtterError('usage', '--listen-public goes with --listen HOST:PORT');
      const listen = opts.listen === undefined ? undefined : parseListenAddress(opts.listen, Boolean(opts.listenPublic));
      return withContext(async (ctx) => {
        if (opts.systemdUnit) {
          io.out(watchUnit({ node: process.execPath, script: fs.realpathSync(process.argv[1]!), dataDir: ctx.paths.root, gitops: Boolean(opts.gitops), listen: opts.listen, listenPublic: Boolean(opts.listenPublic) }).trimEnd());
          return;
        }
        await watch(ctx, { signal: io.signal, gitops: Boolean(opts.gitops), listen, log: (line) => io.out(`${new Date().toISOString()} ${line}`) });
      });
    });
}
