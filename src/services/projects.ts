import fs from 'node:fs';
import path from 'node:path';
import type { DeployStrategy, DeployTarget, Deployment, DomainRoute, Project } from '../db/index.js';
import type { ServiceContext } from './context.js';
import { validateStackRegistry, validateTarget, targetStrategyProblem } from './swarm/swarm-settings.js';
import { OtterError, toOtterError } from './errors.js';
import { Progress, type ProgressListener } from './events.js';
import { lockProject } from './locking.js';
import { withOperationLog } from './oplog.js';
import { pinnedVolumeName } from './override.js';
import { parseComposeProjectName, removeRelease } from './release.js';
import { inputColumns, projectComposeInputs, validateComposeFiles, validateEnvFiles, validateProfiles, type ComposeInputs } from './compose-inputs.js';
import { isComposeServiceName, validateOwner, validatePersistentPath, validateProjectName, validateRef } from './validation.js';
import { addTarget } from './notify/manage.js';
import { isRemoteUrl, parseRemoteUrl, withPassword } from './remote.js';
import { chownTo } from './paths.js';
import { addRemoteProject } from './remote-projects.js';
import { insertProject, type ProjectFields } from './project-insert.js';
import { TrackedPaths } from './tracked-paths.js';
import { validatePullPolicy } from './image-pull.js';
import { NEW_PROJECT_PROXY_STATE, planProxyChange, type ProxyChange, type ProxyFlags } from './proxy-settings.js';
import { explainDomainRace, refuseDomainsHeldElsewhere } from './domain-owners.js';
import { projectRoutes, type ProxyRoute } from './proxy-routes.js';

export async function requireProject(ctx: ServiceContext, name: string): Promise<Project> {
  validateProjectName(name);
  const project = await ctx.store.projects.byName(name);
  if (!project) throw new OtterError('not_found', `no project named ${name}: see 'otterstack project list' or add it with 'project add'`);
  return project;
}


export interface AddProjectRequest {
  name: string;
  repo: string;
  /** Compose files in order (none: auto-detect). */
  composeFiles?: string[];
  /** Compose profiles to enable (--profile). */
  profiles?: string[];
  /** Env files from the repository, merged in order into the release's env file. */
  envFiles?: string[];
  persistentPaths?: string[];
  /** Blue-green deploys through Traefik (falls back to recreate when no Traefik runs). */
  traefikRouting?: boolean;
  /** Proxy strategy: the domains the OtterStack proxy answers for the project (none: not proxy). */
  domains?: string[];
  /** service:port (every domain) or host=service:port (one domain). */
  routes?: string[];
  /** acme (default) | internal */
  tls?: string;
  /** Password or token for an https URL, given apart from it (never in process arguments). */
  password?: string;
  /** Writable bind mounts of paths not in the release become persistent folders by themselves. */
  autoPersist?: boolean;
  /** Accept a tracked path as persistent. */
  force?: boolean;
  /** Before each deploy: always (default) | missing | never (image-pull.ts). */
  pullPolicy?: string;
  /** compose (default) or swarm (services/swarm/). */
  target?: string;
  /** Swarm: registry built images are pushed to. */
  registry?: string;
}

/** A valid name no project has yet (the TUI's add form checks each field as it is typed in). */
export async function checkNewProjectName(ctx: ServiceContext, raw: string): Promise<string> {
  const name = validateProjectName(raw);
  if (await ctx.store.projects.byName(name)) {
    throw new OtterError('conflict', `project ${name} already exists: pick another name or remove it first`);
  }
  return name;
}

/** A repository source that can be added: a well-formed URL, or an existing local git repository. */
export async function checkRepositorySource(ctx: ServiceContext, repo: string): Promise<void> {
  if (isRemoteUrl(repo)) {
    parseRemoteUrl(repo);
    return;
  }
  await localRepositoryPath(ctx, repo);
}

async function localRepositoryPath(ctx: ServiceContext, repo: string): Promise<string> {
  if (repo.startsWith('-')) throw new OtterError('usage', `invalid repository path ${JSON.stringify(repo)}: give a path to a git repository`);
  const repoPath = path.resolve(repo);
  if (!fs.existsSync(repoPath)) throw new OtterError('not_found', `repository path ${repoPath} does not exist: give the path of a local git repository or an https:// or SSH URL`);
  if (!(await ctx.git.isRepository(repoPath))) throw new OtterError('usage', `${repoPath} is not a git repository: run 'git init' there or give another path`);
  return repoPath;
}

export async function addProject(ctx: ServiceContext, req: AddProjectRequest, onProgress?: ProgressListener): Promise<Project> {
  const name = validateProjectName(req.name);
  const inputs: ComposeInputs = { files: validateComposeFiles(req.composeFiles ?? []), profiles: validateProfiles(req.profiles ?? []), envFiles: validateEnvFiles(req.envFiles ?? []) };
  const persistent = (req.persistentPaths ?? []).map(validatePersistentPath);
  const pullPolicy = req.pullPolicy === undefined ? undefined : validatePullPolicy(req.pullPolicy);
  const proxy = planProxyChange({ domains: req.domains, routes: req.routes, tls: req.tls, traefikRouting: req.traefikRouting }, NEW_PROJECT_PROXY_STATE);
  const swarm = planTargetChange({ target: req.target, registry: req.registry }, { target: 'compose', registry: null, strategy: proxy.strategy ?? NEW_PROJECT_PROXY_STATE.strategy });
  await checkNewProjectName(ctx, name);
  await refuseDomainsHeldElsewhere(ctx, name, (proxy.domains ?? []).map((d) => d.domain));
  const fields: ProjectFields = {
    ...inputColumns(inputs),
    strategy: proxy.strategy ?? NEW_PROJECT_PROXY_STATE.strategy,
    ...(proxy.tls ? { proxy_tls: proxy.tls } : {}),
    ...(proxy.domains ? { domains: proxy.domains } : {}),
    persistent_paths: JSON.stringify(persistent),
    auto_persist: req.autoPersist ? 1 : 0,
    ...(pullPolicy ? { pull_policy: pullPolicy } : {}),
    ...swarm,
  };
  const checkPersistent = (repo: string) => refuseTrackedPersistent(ctx, repo, persistent, req.force ?? false);
  if (isRemoteUrl(req.repo)) return addRemoteProject(ctx, name, fields, withPassword(parseRemoteUrl(req.repo), req.password), onProgress, checkPersistent);
  if (req.password !== undefined) throw new OtterError('usage', 'a password is only used with an https:// repository URL, not a local path');
  const repoPath = await localRepositoryPath(ctx, req.repo);
  await checkPersistent(repoPath);
  return insertProject(ctx, { name, repo_type: 'local', repo_path: fs.realpathSync(repoPath), ...fields });
}

/**
 * A path git tracks is release content: every release mounts its own copy. Made persistent, it
 * would keep its first release's content and stop following new releases, so it is refused
 * (judged at the repository's HEAD) unless the operator insists.
 */
async function refuseTrackedPersistent(ctx: ServiceContext, repo: string, persistent: string[], force: boolean): Promise<void> {
  if (force || persistent.length === 0) return;
  const files = await ctx.git.trackedFiles(repo, 'HEAD');
  if (!files) return; // an empty repository tracks nothing yet
  const tracked = new TrackedPaths(files);
  const hit = persistent.find((p) => tracked.kind(p) === 'content');
  if (hit) {
    throw new OtterError(
      'usage',
      `./${hit} is tracked in git (at HEAD), so each release already mounts its own copy; as persistent it would keep its first release's content and stop following new releases: leave it out, or add --force`,
    );
  }
}

export interface UpdateProjectRequest {
  traefikRouting?: boolean;
  /** Replaces the project's domains and switches it to the proxy strategy; false: none, back to recreate. */
  domains?: string[] | false;
  /** service:port (every domain) or host=service:port (one domain). */
  routes?: string[];
  /** acme | internal */
  tls?: string;
  /** Replaces the list ([] or [''] = auto-detect). */
  composeFiles?: string[];
  /** Replaces the list ([''] = none). */
  profiles?: string[];
  /** Replaces the list ([''] = none). */
  envFiles?: string[];
  persistentPaths?: string[];
  /** GitOps branch (null = off). */
  followBranch?: string | null;
  /** "uid:gid" for the folders of `persistentPaths`: set now on those that exist, and on creation. */
  owner?: string;
  autoPersist?: boolean;
  /** Accept a tracked path as persistent. */
  force?: boolean;
  /** Services run once per project outside releases ([] = none); x-otterstack.shared wins. */
  sharedServices?: string[];
  /** Before each deploy: always | missing | never (image-pull.ts). */
  pullPolicy?: string;
  /** Push-to-deploy: the variable holding the webhook secret (null = no webhook). */
  webhookSecretEnv?: string | null;
  /** compose or swarm (services/swarm/). */
  target?: string;
  /** Swarm: registry built images are pushed to (null: none, local images). */
  registry?: string | null;
}

/** `project set`: changes apply from the next deploy on. */
export async function updateProject(
  ctx: ServiceContext,
  name: string,
  req: UpdateProjectRequest,
  targets: { notify?: string[]; secretEnv?: string; smtp?: string } = {},
): Promise<Project> {
  const project = await requireProject(ctx, name);
  const patch: Partial<Project> = {};
  // Strategy and domains first: every flag is checked before anything (a notification target) is written.
  const proxy = await planProjectProxyChange(ctx, project, { domains: req.domains, routes: req.routes, tls: req.tls, traefikRouting: req.traefikRouting });
  if (proxy.strategy !== undefined) patch.strategy = proxy.strategy;
  if (proxy.tls !== undefined) patch.proxy_tls = proxy.tls;
  Object.assign(patch, planTargetChange({ target: req.target, registry: req.registry }, { target: project.target, registry: project.registry, strategy: patch.strategy ?? project.strategy }));
  if (req.composeFiles !== undefined || req.profiles !== undefined || req.envFiles !== undefined) {
    // Each list given replaces the project's; the others stay. Validated before anything is written.
    const now = projectComposeInputs(project);
    Object.assign(patch, inputColumns({
      files: req.composeFiles === undefined ? now.files : validateComposeFiles(req.composeFiles),
      profiles: req.profiles === undefined ? now.profiles : validateProfiles(req.profiles),
      envFiles: req.envFiles === undefined ? now.envFiles : validateEnvFiles(req.envFiles),
    }));
  }
  if (req.followBranch !== undefined) {
    if (req.followBranch !== null) validateRef(req.followBranch);
    patch.follow_branch = req.followBranch;
    patch.gitops_last_sha = null;
  }
  if (req.webhookSecretEnv !== undefined) {
    const { validateSecretEnvName } = await import('./webhooks/webhook-secret.js');
    patch.webhook_secret_env = req.webhookSecretEnv === null ? null : validateSecretEnvName(req.webhookSecretEnv);
  }
  // A push deploys the followed branch: a webhook without one could never deploy anything.
  const following = patch.follow_branch !== undefined ? patch.follow_branch : project.follow_branch;
  if ((patch.webhook_secret_env ?? (req.webhookSecretEnv === undefined ? project.webhook_secret_env : null)) && !following) {
    throw new OtterError('usage', `a webhook deploys the branch the project follows, and ${project.name} follows none: add --follow-branch BRANCH`);
  }
  for (const spec of targets.notify ?? []) await addTarget(ctx, { project: name, spec, secretEnv: targets.secretEnv, smtp: targets.smtp });
  const owner = req.owner === undefined ? undefined : validateOwner(req.owner);
  if (owner && req.persistentPaths === undefined) throw new OtterError('usage', '--owner applies to the folders given with --persistent in the same command: add --persistent ./PATH');
  if (req.autoPersist !== undefined) patch.auto_persist = req.autoPersist ? 1 : 0;
  if (req.pullPolicy !== undefined) patch.pull_policy = validatePullPolicy(req.pullPolicy);
  if (req.sharedServices !== undefined) patch.shared_services = JSON.stringify(await validateSharedServices(ctx, project, req.sharedServices));
  const paths = req.persistentPaths?.map(validatePersistentPath);
  if (paths !== undefined) {
    await refuseTrackedPersistent(ctx, project.repo_path, paths, req.force ?? false);
    const before = JSON.parse(project.persistent_owners) as Record<string, string>;
    // A path listed again keeps the owner it had unless a new one is given; a path dropped loses it.
    const owners = Object.fromEntries(paths.flatMap((p) => (owner ? [[p, owner]] : before[p] ? [[p, before[p]]] : [])));
    patch.persistent_paths = JSON.stringify(paths);
    patch.persistent_owners = JSON.stringify(owners);
  }
  // A strategy flag that changes nothing (--no-domain without domains) still succeeds: scripts repeat them.
  const strategyFlag = [req.traefikRouting, req.domains, req.routes, req.tls, req.target, req.registry].some((v) => v !== undefined);
  if (Object.keys(patch).length === 0 && !strategyFlag && !targets.notify?.length) {
    throw new OtterError('usage', 'nothing to change: give --traefik-routing/--no-traefik-routing, --domain/--no-domain, --route, --tls, --compose-file, --profile, --compose-env-file, --persistent, --auto-persist, --shared, --pull-policy, --notify, --follow-branch, --webhook-secret-env, --target or --registry');
  }
  try {
    await ctx.store.projects.update(project.id, patch, proxy.domains);
  } catch (err) {
    throw await explainDomainRace(ctx, project.name, (proxy.domains ?? []).map((d) => d.domain), err);
  }
  if (owner && paths) chownPersistentNow(ctx.paths.projectShared(project.name), paths, owner);
  return (await ctx.store.projects.byName(name))!;
}

/** The proxy flags' change against the project's current settings, with its domains checked free. */
async function planProjectProxyChange(ctx: ServiceContext, project: Project, flags: ProxyFlags): Promise<ProxyChange> {
  const domains = await ctx.store.projectDomains.forProject(project.id);
  const change = planProxyChange(flags, { strategy: project.strategy, tls: project.proxy_tls, domains });
  if (change.domains) await refuseDomainsHeldElsewhere(ctx, project.name, change.domains.map((d) => d.domain));
  return change;
}

/**
 * Shared service names: well-formed, and services of the compose file at the repository's HEAD
 * when it can be read (each deploy checks them against its own commit again).
 */
async function validateSharedServices(ctx: ServiceContext, project: Project, names: string[]): Promise<string[]> {
  const list = [...new Set(names.flatMap((n) => n.split(',')).map((n) => n.trim()).filter(Boolean))];
  const bad = list.find((n) => !isComposeServiceName(n));
  if (bad !== undefined) throw new OtterError('usage', `--shared: ${JSON.stringify(bad)} is not a compose service name: give names such as db,redis ('' for none)`);
  if (list.length === 0) return list;
  const { serviceNamesAtHead } = await import('./compose-file.js');
  const known = await serviceNamesAtHead(ctx, project);
  const missing = known ? list.filter((n) => !known.includes(n)) : [];
  if (known && missing.length > 0) {
    throw new OtterError('usage', `--shared: ${missing.join(', ')} ${missing.length > 1 ? 'are not services' : 'is not a service'} of the compose file at HEAD (services: ${known.join(', ')}): give existing service names`);
  }
  return list;
}

/**
 * "When asked": the persistent folders that exist already get the owner now (the folder itself;
 * files already inside keep theirs, as `chown` without -R would). Missing ones get it on creation.
 */
function chownPersistentNow(sharedRoot: string, paths: string[], owner: string): void {
  for (const p of paths) {
    const dir = path.join(sharedRoot, p);
    if (fs.existsSync(dir)) chownTo(dir, owner);
  }
}

/** A project as `project list` shows it: the row and its domains (proxy strategy). */
export type ProjectListing = Project & { domains: string[] };

export async function listProjects(ctx: ServiceContext): Promise<ProjectListing[]> {
  const domains = await ctx.store.projectDomains.all();
  return (await ctx.store.projects.all()).map((p) => ({ ...p, domains: domains.filter((d) => d.project_id === p.id).map((d) => d.domain) }));
}

export interface ProjectDetails {
  project: Project;
  /** Compose files, profiles and env files, as lists (the row holds them as JSON text). */
  composeInputs: ComposeInputs;
  active: Deployment | null;
  recent: Deployment[];
  worktreesDir: string;
  /** Proxy strategy: each domain and where it goes ([] for other strategies). */
  domains: DomainRoute[];
  /** The same, as the proxy's configuration is built from it (proxy-routes.ts). */
  routes: ProxyRoute[];
  /** For URL projects: the managed clone and what the last fetch said. */
  clone: { path: string; remote: string; lastFetchAt: number | null; lastFetchResult: string | null; localChanges: string[] } | null;
}

export async function showProject(ctx: ServiceContext, name: string): Promise<ProjectDetails> {
  const project = await requireProject(ctx, name);
  const domains = await ctx.store.projectDomains.forProject(project.id);
  return {
    project,
    composeInputs: projectComposeInputs(project),
    domains,
    routes: projectRoutes(project, domains),
    active: (await ctx.store.deployments.active(project.id)) ?? null,
    recent: await ctx.store.deployments.history(project.id, 5),
    worktreesDir: ctx.paths.projectWorktrees(project.name),
    clone:
      project.repo_type === 'remote'
        ? {
            path: project.repo_path,
            remote: project.repo_url ?? '',
            lastFetchAt: project.last_fetch_at,
            lastFetchResult: project.last_fetch_result,
            localChanges: await ctx.git.localChanges(project.repo_path),
          }
        : null,
  };
}

export type RemoveCleanup = 'containers' | 'all' | 'none';

export interface RemoveResult {
  project: string;
  cleanup: RemoveCleanup;
  removedReleases: string[];
  removedVolumes: string[];
  removedPaths: string[];
  /** Images the build stage made for the project (cleanup all). */
  removedImages: string[];
  /** Bytes the removed images gave back (the engine's accounting). */
  reclaimedBytes: number;
}

/**
 * containers: releases' containers, networks and worktrees go; volumes and persistent data stay.
 * all: also pinned volumes, persistent data, logs and any managed clone. none: only forget it.
 */
export async function removeProject(
  ctx: ServiceContext,
  name: string,
  cleanup: RemoveCleanup,
  onProgress?: ProgressListener,
): Promise<RemoveResult> {
  const project = await requireProject(ctx, name);
  const listeners = onProgress ? [onProgress] : [];
  const lock = lockProject(ctx, project.name, 'remove');
  try {
    const run = () => removeLocked(ctx, project, cleanup, new Progress(listeners));
    // --cleanup all deletes the project's logs too, so only the other modes keep a log of the removal.
    if (cleanup === 'all') return await run();
    return await withOperationLog(ctx.store, ctx.paths.logsDir, { projectId: project.id, projectName: project.name, operation: 'remove', invokedBy: ctx.invokedBy }, listeners, run);
  } finally {
    lock.release();
  }
}

async function removeLocked(ctx: ServiceContext, project: Project, cleanup: RemoveCleanup, progress: Progress): Promise<RemoveResult> {
  const out: RemoveResult = { project: project.name, cleanup, removedReleases: [], removedVolumes: [], removedPaths: [], removedImages: [], reclaimedBytes: 0 };
  const deploying = await ctx.store.deployments.byStatus('deploying', project.id);
  if (deploying.length > 0) {
    throw new OtterError('conflict', `project ${project.name} has a deployment in progress (id ${deploying[0]!.id}): wait for it or run cleanup first`);
  }
  if (cleanup !== 'none') {
    const releases = new Set((await ctx.ownContainers()).map((c) => c.composeProject).filter((cp) => parseComposeProjectName(cp)?.project === project.name));
    for (const cp of releases) {
      progress.stage('cleanup', `removing release ${cp}`);
      await removeRelease(ctx, cp);
      out.removedReleases.push(cp);
    }
    // A swarm project's releases are one stack (docker stack rm): its tasks may run on other nodes too.
    const { stackName } = await import('./swarm/swarm-state.js');
    const swarm = await ctx.swarm.info().catch(() => null);
    if (swarm?.isManager && (await ctx.swarm.services(stackName(project.name))).length > 0) {
      const { removeStack } = await import('./swarm/swarm-run.js');
      progress.stage('cleanup', `removing swarm stack ${stackName(project.name)}`);
      await removeStack(ctx, stackName(project.name));
      out.removedReleases.push(stackName(project.name));
    }
    const { removeSharedServices } = await import('./shared-services.js');
    const { sharedComposeProject } = await import('./shared-names.js');
    if ((await ctx.engine.listContainers(sharedComposeProject(project.name))).length > 0) {
      progress.stage('cleanup', `removing shared services ${sharedComposeProject(project.name)}`);
      out.removedReleases.push(sharedComposeProject(project.name));
    }
    await removeSharedServices(ctx, project.name);
    const history = await ctx.store.deployments.all(project.id);
    for (const wt of new Set(history.map((d) => d.worktree_path))) {
      if (fs.existsSync(wt)) {
        await ctx.git.removeWorktree(project.repo_path, wt);
        out.removedPaths.push(wt);
      }
    }
    removePath(ctx.paths.projectWorktrees(project.name), out);
  }
  if (cleanup === 'all') {
    for (const v of await pinnedVolumes(ctx, project.name)) {
      progress.stage('cleanup', `removing volume ${v}`);
      if (await ctx.engine.removeVolume(v)) out.removedVolumes.push(v);
    }
    // Every image the build stage made for the project (recorded per release): none of another project's.
    const { recordedImages, removeBuiltImages } = await import('./image-build.js');
    const images = await removeBuiltImages(ctx, recordedImages(await ctx.store.deployments.all(project.id)), progress, 'cleanup');
    out.removedImages = images.tags;
    out.reclaimedBytes = images.bytes;
    removePath(ctx.paths.projectShared(project.name), out);
    removePath(ctx.paths.projectLogs(project.name), out);
    if (project.repo_type === 'remote') removePath(ctx.paths.repo(project.name), out);
  }
  await ctx.store.projects.delete(project.id);
  if (project.strategy === 'proxy') {
    // Its domains went with the row: the proxy must stop routing them to releases that are gone.
    const { syncProxyRoutes } = await import('./proxy/proxy-routing.js');
    try {
      if ((await syncProxyRoutes(ctx, `remove ${project.name}`, { source: 'applied' })).reloaded) progress.stage('cleanup', `removed ${project.name}'s routes from the proxy`);
    } catch (err) {
      progress.warning(`the proxy still routes ${project.name}'s domains (${toOtterError(err).message}): otterstack cleanup removes them once the proxy answers`);
    }
  }
  progress.stage('done', `project ${project.name} removed`);
  return out;
}

async function pinnedVolumes(ctx: ServiceContext, project: string): Promise<string[]> {
  const prefix = pinnedVolumeName(project, '');
  return (await ctx.engine.listVolumes()).filter((v) => v.startsWith(prefix));
}

function removePath(p: string, out: RemoveResult): void {
  if (!fs.existsSync(p)) return;
  fs.rmSync(p, { recursive: true, force: true });
  out.removedPaths.push(p);
}

/**
 * `--target` and `--registry` against the project's current settings: checked before anything is
 * written. Only what changes is returned.
 */
function planTargetChange(
  flags: { target?: string; registry?: string | null },
  now: { target: DeployTarget; registry: string | null; strategy: DeployStrategy },
): { target?: DeployTarget; registry?: string | null } {
  const out: { target?: DeployTarget; registry?: string | null } = {};
  if (flags.target !== undefined) out.target = validateTarget(flags.target);
  if (flags.registry !== undefined) out.registry = flags.registry === null || flags.registry === '' ? null : validateStackRegistry(flags.registry);
  const target = out.target ?? now.target;
  const problem = targetStrategyProblem(target, now.strategy);
  if (problem) throw new OtterError('usage', problem);
  if (out.registry && target !== 'swarm') throw new OtterError('usage', '--registry is where a swarm project\'s built images are pushed: add --target swarm');
  return out;
}
