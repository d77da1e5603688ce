import type { Deployment, Project } from '../db/schema.js';
import type { ContainerInfo } from './commands/engine.js';
import type { ServiceContext } from './context.js';
import { summarizeHealth, type ProjectHealth } from './health.js';
import { requireProject } from './projects.js';
import { parseComposeProjectName } from './release.js';
import { sharedComposeProject } from './shared-names.js';

export interface ProjectStatus {
  project: Project;
  active: Deployment | null;
  health: ProjectHealth;
  /** Containers of the active release. */
  containers: ContainerInfo[];
  /** Containers of the project's shared services (otterstack-<project>-shared), outside releases. */
  shared: ContainerInfo[];
  /** Other releases of this project that still have containers (stopped for rollback, or stray). */
  otherReleases: { composeProject: string; running: number; total: number }[];
}

/**
 * Status of one or all projects from ONE `docker ps` for everything (not one call per project)
 * and two indexed queries.
 */
export async function getStatus(ctx: ServiceContext, name?: string): Promise<ProjectStatus[]> {
  const projects = name ? [await requireProject(ctx, name)] : await ctx.store.projects.all();
  const [active, containers] = await Promise.all([ctx.store.deployments.allActive(), ctx.ownContainers()]);
  return combine(projects, active, containers);
}

/**
 * What the state file alone knows (projects and their active releases), health 'checking':
 * lets the TUI paint before the first engine call answers.
 */
export async function getRecordedStatus(ctx: ServiceContext): Promise<ProjectStatus[]> {
  const [projects, active] = await Promise.all([ctx.store.projects.all(), ctx.store.deployments.allActive()]);
  return combine(projects, active, null);
}

function combine(projects: Project[], active: Map<number, Deployment>, containers: ContainerInfo[] | null): ProjectStatus[] {
  if (containers === null) {
    return projects.map((project) => {
      const deployment = active.get(project.id) ?? null;
      return { project, active: deployment, health: deployment ? 'checking' : 'not_deployed', containers: [], shared: [], otherReleases: [] };
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
      otherReleases,
    };
  });
}
