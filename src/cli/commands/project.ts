import { Option, type Command } from 'commander';
import { addProject, listProjects, removeProject, showProject, updateProject, type RemoveCleanup } from '../../services/projects.js';
import { OtterError } from '../../services/errors.js';
import { domainRoutesSummary, historyTable, projectListTable, projectSource } from '../../render/rows.js';
import { formatAge, shortSha } from '../../render/format.js';
import { formatBytes } from '../../services/commands/image-usage.js';
import { progressPrinter } from '../progress-printer.js';
import type { CliKit } from '../context.js';
import { readSecretFromStdin } from '../stdin.js';
import { describeInputs, projectComposeInputs } from '../../services/compose-inputs.js';

export function registerProjectCommands(program: Command, { io, withContext, json }: CliKit): void {
  const project = program.command('project').description('manage projects');
  project
    .command('add')
    .description('register a project from a git repository')
    .requiredOption('--name <name>', 'project name ([a-z0-9-], used in container names)')
    .requiredOption('--repo <path|url>', 'local path, or https://, ssh:// or git@host:owner/repo.git URL (cloned into managed storage)')
    .option('--compose-file <file>', 'compose file inside the repository; repeatable, merged in order (default: auto-detect)', collect)
    .option('--profile <name>', 'compose profile to enable; repeatable', collect)
    // Not `--env-file`: Node 20 reads that argument itself even after the script path (nodejs/node#54232).
    .option('--compose-env-file <file>', 'env file inside the repository for ${VAR} in the compose files; repeatable, later wins, project variables win over all', collect)
    .option('--persistent <path...>', 'relative bind-mount sources whose data must survive releases')
    .option('--traefik-routing', 'blue-green deploys through a running Traefik (zero downtime)')
    .option('--domain <name>', 'a host name the OtterStack proxy answers for the project (proxy strategy); repeatable', collect)
    .option('--route <[host=]service:port>', "with --domain: the service's container port every domain (or host=…: that domain) goes to; repeatable", collect)
    .option('--tls <mode>', "with --domain: acme (certificates from Let's Encrypt, the default) or internal (the proxy's own CA, for private hosts)")
    .option('--auto-persist', 'writable bind mounts of paths not in the release become persistent folders by themselves')
    .option('--pull-policy <policy>', 'before each deploy pull images: always (default), missing or never')
    .option('--target <target>', 'where releases run: compose (this engine, the default) or swarm (docker stack deploy as stack otterstack-<name>)')
    .option('--registry <host[/path]>', 'with --target swarm: registry built images are pushed to (needed when the swarm has more than one node)')
    .option('--force', 'with --persistent: accept a path that git tracks (it would stop following new releases)')
    .option('--password-stdin', 'read the password or token for an https:// URL from standard input (or set $OTTERSTACK_GIT_PASSWORD); the user comes from the URL')
    .option('--json', 'print JSON')
    .action((opts) =>
      withContext(async (ctx) => {
        const password = opts.passwordStdin ? await readSecretFromStdin('--password-stdin', 'printf %s "$TOKEN" | otterstack project add ... --password-stdin') : process.env.OTTERSTACK_GIT_PASSWORD || undefined;
        const p = await addProject(
          ctx,
          { name: opts.name, repo: opts.repo, composeFiles: opts.composeFile, profiles: opts.profile, envFiles: opts.composeEnvFile, persistentPaths: opts.persistent, traefikRouting: opts.traefikRouting, domains: opts.domain, routes: opts.route, tls: opts.tls, password, autoPersist: opts.autoPersist, force: opts.force, pullPolicy: opts.pullPolicy, target: opts.target, registry: opts.registry },
          opts.json ? undefined : progressPrinter(io.err),
        );
        if (opts.json) json(p);
        else io.out(`added project ${p.name} (${projectSource(p)})`);
      }),
    );
  project
    .command('set <name>')
    .description('change a project (applies from the next deploy)')
    .option('--traefik-routing', 'blue-green deploys through Traefik')
    .option('--no-traefik-routing', 'recreate deploys (default; a proxy project stays proxy)')
    .option('--domain <name>', 'host names the OtterStack proxy answers (proxy strategy; clears --traefik-routing); repeatable, replaces the list', collect)
    .option('--no-domain', 'remove the domains and their routes; a proxy project goes back to recreate')
    .option('--route <[host=]service:port>', "the service's container port every domain (or host=…: that domain) goes to; repeatable", collect)
    .option('--tls <mode>', "certificates of the domains: acme (Let's Encrypt, the default) or internal (the proxy's own CA, for private hosts)")
    .option('--compose-file <file>', "compose file inside the repository; repeatable, replaces the list ('' = auto-detect)", collect)
    .option('--profile <name>', "compose profile to enable; repeatable, replaces the list ('' = none)", collect)
    .option('--compose-env-file <file>', "env file inside the repository; repeatable, replaces the list, later wins ('' = none)", collect)
    .option('--persistent <path...>', 'relative bind-mount sources whose data must survive releases')
    .option('--auto-persist', 'writable bind mounts of paths not in the release become persistent folders by themselves')
    .option('--no-auto-persist', 'such mounts are refused with the command to run (default)')
    .option('--force', 'with --persistent: accept a path that git tracks (it would stop following new releases)')
    .option('--shared <services>', "services run once per project outside releases, e.g. db,redis ('' = none; x-otterstack.shared in the compose file wins)")
    .option('--owner <uid:gid>', "with --persistent: owner of those folders, for a container that runs as that user (set now if they exist, else on creation)")
    .option('--notify <kind=target...>', 'add notification targets for this project (see notify add)')
    .option('--secret-env <NAME>', 'with --notify: env var holding the HMAC key / SMTP password')
    .option('--smtp <url>', 'with --notify email=…: smtp://[user@]host:port')
    .option('--pull-policy <policy>', 'before each deploy pull images: always, missing or never')
    .option('--follow-branch <branch>', 'GitOps: `watch --gitops` deploys new commits of this branch')
    .option('--no-follow-branch', 'GitOps off')
    .option('--webhook-secret-env <NAME>', 'push-to-deploy: the variable (environment of watch, or the project\'s configuration) holding the forge\'s webhook secret')
    .option('--no-webhook', 'push-to-deploy off')
    .option('--target <target>', 'where releases run from the next deploy on: compose or swarm')
    .option('--registry <host[/path]>', "swarm: registry built images are pushed to ('' = none: local images, one node only)")
    .option('--json', 'print JSON')
    .action((name, opts) =>
      withContext(async (ctx) => {
        const p = await updateProject(ctx, name, {
          traefikRouting: opts.traefikRouting,
          domains: opts.domain,
          routes: opts.route,
          tls: opts.tls,
          composeFiles: opts.composeFile,
          profiles: opts.profile,
          envFiles: opts.composeEnvFile,
          persistentPaths: opts.persistent,
          followBranch: opts.followBranch === false ? null : opts.followBranch,
          owner: opts.owner,
          autoPersist: opts.autoPersist,
          force: opts.force,
          sharedServices: opts.shared === undefined ? undefined : [opts.shared],
          pullPolicy: opts.pullPolicy,
          webhookSecretEnv: opts.webhook === false ? null : opts.webhookSecretEnv,
          target: opts.target,
          registry: opts.registry,
        }, { notify: opts.notify, secretEnv: opts.secretEnv, smtp: opts.smtp });
        if (opts.json) json(p);
        else {
          const inputs = describeInputs(projectComposeInputs(p));
          io.out(`updated ${p.name}: ${p.target === 'swarm' ? `target swarm (stack otterstack-${p.name}${p.registry ? `, images pushed to ${p.registry}` : ', local images'}), ` : ''}strategy ${p.strategy}${p.strategy === 'proxy' ? ` (${p.proxy_tls} TLS)` : ''}, compose files ${inputs.files}, profiles ${inputs.profiles}, env files ${inputs.envFiles}, pull policy ${p.pull_policy}`);
        }
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
        const inputs = describeInputs(projectComposeInputs(p));
        io.out(
          [
            `name:          ${p.name}`,
            `source:        ${projectSource(p)}`,
            `compose files: ${inputs.files}`,
            `profiles:      ${inputs.profiles}`,
            `env files:     ${inputs.envFiles}`,
            `target:        ${p.target === 'swarm' ? `swarm (stack otterstack-${p.name}; images ${p.registry ? `pushed to ${p.registry}` : 'local: one node only'})` : 'compose'}`,
            `strategy:      ${p.strategy}`,
            ...(d.routes.length ? [`domains:       ${domainRoutesSummary(d.routes)} (${p.proxy_tls} TLS)`] : []),
            `pull policy:   ${p.pull_policy}`,
            `persistent:    ${persistentSummary(p.persistent_paths, p.persistent_owners) || '-'}${p.auto_persist ? ' (+ auto-persist)' : ''}`,
            `worktrees:     ${d.worktreesDir}`,
            ...(d.clone
              ? [
                  `clone:         ${d.clone.path}`,
                  `remote:        ${d.clone.remote}`,
                  `last fetch:    ${d.clone.lastFetchAt ? `${formatAge(d.clone.lastFetchAt, Date.now())}: ${d.clone.lastFetchResult ?? ''}` : 'never'}`,
                  `local edits:   ${d.clone.localChanges.length ? d.clone.localChanges.join('; ') : 'none'}`,
                ]
              : []),
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
    .addOption(
      new Option('--cleanup <what>', 'containers: releases and worktrees; all: also volumes and data; none: only forget')
        .choices(['containers', 'all', 'none'])
        .default('containers'),
    )
    .option('--yes', 'do not ask for confirmation')
    .action((name, opts) =>
      withContext(async (ctx) => {
        if (!opts.yes) throw new OtterError('usage', `refusing to remove ${name} without --yes (cleanup: ${opts.cleanup})`);
        const res = await removeProject(ctx, name, opts.cleanup as RemoveCleanup, progressPrinter(io.err));
        io.out(`removed ${res.project}: ${res.removedReleases.length} release(s), ${res.removedVolumes.length} volume(s), ${res.removedImages.length} image(s) (${formatBytes(res.reclaimedBytes)} reclaimed), ${res.removedPaths.length} path(s)`);
      }),
    );
}


/** A repeatable option's values in the order given (after a --no-… of the same option, which sets false, it starts again). */
function collect(value: string, previous: string[] | false | undefined): string[] {
  return [...(Array.isArray(previous) ? previous : []), value];
}

function persistentSummary(pathsJson: string, ownersJson: string): string {
  const owners = JSON.parse(ownersJson) as Record<string, string>;
  return (JSON.parse(pathsJson) as string[]).map((p) => (owners[p] ? `./${p} (owner ${owners[p]})` : `./${p}`)).join(', ');
}
