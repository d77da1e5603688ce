import type { Deployment, Project } from '../db/schema.js';
import type { ContainerInfo } from './commands/engine.js';
import type { ServiceContext } from './context.js';
import { summarizeHealth, type ProjectHealth } from './health.js';
import { requireProject } from './projects.js';
import { parseComposeProjectName } from './release.js';
import { sharedComposeProject } from './shared-names.js';
import type { StackServiceStatus } from './swarm/swarm-status.js';

export interface ProjectStatus {
  project: Project;
  active: Deployment | null;
  health: ProjectHealth;
  /** Containers of the active release. */
  containers: ContainerInfo[];
  /** Containers of the project's shared services (otterstack-<project>-shared), outside releases. */
  shared: ContainerInfo[];
  /** A deploy or rollback running now, from any process (its `deploying` row): what, by whom. */
  deploying: { ref: string; sha: string; pid: number | null; by: string | null; startedAt: number } | null;
  /** Other releases of this project that still have containers (stopped for rollback, or stray). */
  otherReleases: { composeProject: string; running: number; total: number }[];
  /** Swarm projects (issue #20): the stack's services, replicas and nodes (null: a compose release). */
  swarm?: StackServiceStatus[] | null;
}

/**
 * Status of one or all projects from ONE `docker ps` for everything (not one call per project)
 * and two indexed queries.
 */
export async function getStatus(ctx: ServiceContext, name?: string): Promise<ProjectStatus[]> {
  const projects = name ? [await requireProject(ctx, name)] : await ctx.store.projects.all();
  const [active, containers, running] = await Promise.all([ctx.store.deployments.allActive(), ctx.ownContainers(), ctx.store.deployments.byStatus('deploying')]);
  const statuses = combine(projects, active, containers, running);
  await Promise.all(statuses.filter((s) => s.active?.target === 'swarm').map((s) => withStack(ctx, s)));
  return statuses;
}

/** A swarm release has no compose containers: its health is its services' (replicas running of wanted). */
async function withStack(ctx: ServiceContext, status: ProjectStatus): Promise<void> {
  const { stackStatus, stackHealth } = await import('./swarm/swarm-status.js');
  try {
    status.swarm = await stackStatus(ctx, status.project.name);
    status.health = stackHealth(status.swarm);
  } catch {
    // Not a manager (any more), or the engine does not answer: say so through health.
    status.swarm = [];
    status.health = 'down';
  }
}

/**
 * What the state file alone knows (projects and their active releases), health 'checking':
 * lets the TUI paint before the first engine call answers.
 */
export async function getRecordedStatus(ctx: ServiceContext): Promise<ProjectStatus[]> {
  const [projects, active, running] = await Promise.all([ctx.store.projects.all(), ctx.store.deployments.allActive(), ctx.store.deployments.byStatus('deploying')]);
  return combine(projects, active, null, running);
}

function combine(projects: Project[], active: Map<number, Deployment>, containers: ContainerInfo[] | null, running: Deployment[]): ProjectStatus[] {
  const deploying = new Map(
    running.map((d) => [d.project_id, { ref: d.git_ref ?? d.git_sha.slice(0, 7), sha: d.git_sha, pid: d.pid, by: d.invoked_by, startedAt: d.started_at }]),
  );
  if (containers === null) {
    return projects.map((project) => {
      const deployment = active.get(project.id) ?? null;
      return { project, active: deployment, health: deployment ? 'checking' : 'not_deployed', containers: [], shared: [], deploying: deploying.get(project.id) ?? null, otherReleases: [] };
    });
  }
  const byRelease = new Map<string, ContainerInfo[]>();
  for (const c of containers) {
    const list = byRelease.get(c.composeProject) ?? [];
    list.push(c);
    byRelease.set(c.composeProject, list);
  }
  return projects.map((project) => {
    const deployment = active.get(project.id) ?? null;
    const mine = deployment ? (byRelease.get(deployment.compose_project) ?? []) : [];
    const shared = byRelease.get(sharedComposeProject(project.name)) ?? [];
    const order = (a: ContainerInfo, b: ContainerInfo) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name);
    const otherReleases = [...byRelease.entries()]
      .filter(([cp]) => cp !== deployment?.compose_project && parseComposeProjectName(cp)?.project === project.name)
      .map(([cp, list]) => ({ composeProject: cp, running: list.filter((c) => c.state === 'running').length, total: list.length }));
    return {
      project,
      active: deployment,
      // A shared database that is down makes the project unhealthy too.
      health: summarizeHealth([...mine, ...(deployment ? shared : [])], deployment !== null),
      containers: mine.sort(order),
      shared: shared.sort(order),
      deploying: deploying.get(project.id) ?? null,
      otherReleases,
    };
  });
}
