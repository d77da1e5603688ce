/**
 * `otterstack plan` and the TUI's deploy confirmation (#17): what deploying a ref would change
 * against the active release, from the target rendered exactly as a deploy renders it (a dry run in
 * a scratch worktree) and the shape the active release was started from (release-shape.ts).
 */
import fs from 'node:fs';
import type { Deployment, Project } from '../db/schema.js';
import type { ServiceContext } from './context.js';
import type { ContainerInfo } from './commands/engine.js';
import { decidePull } from './image-pull.js';
import { builtImageRepository, builtImageTag } from './image-build.js';
import { loadConfig } from './project-env.js';
import { releaseKey, type PreparedRelease } from './release.js';
import { diffShapes, normalizePort, parseShape, type ReleaseShape, type ShapeChanges } from './release-shape.js';
import { sharedComposeProject } from './shared-names.js';

export interface ImagePlan {
  service: string;
  image: string;
  /** build: built now; reuse: this release's built image is here (a rollback); pull; here: used as it is. */
  action: 'build' | 'reuse' | 'pull' | 'here' | 'missing';
  /** The registry digest of the copy on this host, when it has one. */
  currentDigest: string | null;
  /** Why it is not pulled (pullPolicy, built, local only). */
  why: string;
}

export interface ReleaseChanges {
  /** What the comparison stands on: the shape recorded for the active release, its containers (a release from before records), or nothing running. */
  comparedWith: 'recorded' | 'containers' | 'nothing';
  changes: ShapeChanges;
  images: ImagePlan[];
  /** Named volumes the target mounts that do not exist yet: they start empty. */
  emptyVolumes: string[];
}

/** "0.0.0.0:8080->80/tcp, :::8080->80/tcp" → ["8080->80/tcp"] (docker ps; both address families are one port). */
export function publishedPorts(psPorts: string): string[] {
  const out = new Set<string>();
  for (const part of psPorts.split(',').map((p) => p.trim()).filter((p) => p.includes('->'))) {
    const m = /^(.*):(\d+)->(\d+)\/(\w+)$/.exec(part);
    if (!m) continue;
    const ip = m[1] === '0.0.0.0' || m[1] === '::' || m[1] === '' ? '' : m[1]!;
    out.add(normalizePort(`${ip ? `${ip}:` : ''}${m[2]}:${m[3]}/${m[4]}`)!);
  }
  return [...out].sort();
}

/** The shape of a release that recorded none (deployed before plan existed), from its containers. */
async function shapeFromEngine(ctx: ServiceContext, project: Project, active: Deployment, containers: ContainerInfo[], targetVolumes: string[], engineVolumes: Set<string>): Promise<ReleaseShape> {
  const services: ReleaseShape['services'] = {};
  for (const c of containers) {
    services[c.service] ??= { image: c.image, builds: c.image.startsWith(`${builtImageRepository(project.name, c.service)}:`), ports: [] };
    services[c.service]!.ports = [...new Set([...services[c.service]!.ports, ...publishedPorts(c.ports)])].sort();
  }
  const shared: Record<string, string> = {};
  for (const c of await ctx.engine.listContainers(sharedComposeProject(project.name))) if (c.sharedHash) shared[c.service] = c.sharedHash;
  const config = await loadConfig(ctx, project, active.config_version).catch(() => null);
  // Its volumes are unknown: the target's that exist count as its own, so only new ones show as added.
  return { services, shared, volumes: targetVolumes.filter((v) => engineVolumes.has(v)), configKeys: Object.keys(config?.config.vars ?? {}) };
}

/** Compares the prepared target with the active release and asks the engine about images and volumes. */
export async function releaseChanges(ctx: ServiceContext, project: Project, active: Deployment | null, target: PreparedRelease, composeProject: string): Promise<ReleaseChanges> {
  const engineVolumes = new Set(await ctx.engine.listVolumes());
  let from: ReleaseShape | null = null;
  let comparedWith: ReleaseChanges['comparedWith'] = 'nothing';
  if (active) {
    const file = ctx.paths.releaseShape(project.name, releaseKey(active.compose_project));
    from = fs.existsSync(file) ? parseShape(fs.readFileSync(file, 'utf8')) : null;
    comparedWith = 'recorded';
    if (!from) {
      from = await shapeFromEngine(ctx, project, active, await ctx.engine.listContainers(active.compose_project), target.shape.volumes, engineVolumes);
      comparedWith = 'containers';
    }
  }
  const images: ImagePlan[] = [];
  for (const b of target.built) {
    // The dry run tagged under its scratch name: the release's own tag is what a deploy builds.
    const tag = builtImageTag(project.name, b.service, releaseKey(composeProject));
    const here = await ctx.engine.imageInfo(tag);
    images.push({ service: b.service, image: tag, action: here ? 'reuse' : 'build', currentDigest: null, why: here ? 'built for this release before' : '' });
  }
  const builtServices = new Set(target.built.map((b) => b.service));
  for (const i of target.images) {
    if (builtServices.has(i.service) || i.builds) continue;
    const local = await ctx.engine.imageInfo(i.image);
    const decision = decidePull(i.image, false, local, project.pull_policy);
    images.push({
      service: i.service,
      image: i.image,
      action: decision.pull ? 'pull' : local ? 'here' : 'missing',
      currentDigest: local?.repoDigests[0]?.split('@')[1] ?? null,
      why: decision.pull ? '' : decision.why,
    });
  }
  return { comparedWith, changes: diffShapes(from, target.shape), images, emptyVolumes: target.shape.volumes.filter((v) => !engineVolumes.has(v)) };
}
