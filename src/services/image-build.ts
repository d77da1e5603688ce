/**
 * The build stage (#17): services with `build:` are built before `up`, in a stage of their own
 * (bounded by buildTimeoutSeconds, cancellable, output streamed), into images tagged per release,
 * `otterstack/<project>-<service>:<release key>`. Compose would otherwise build inside `up` into an
 * image named after each release's compose project and never remove one: the disk fills with one
 * image per deploy. Per-release tags let a rollback reuse its release's image while it exists, and
 * let prune remove exactly the images of the releases it removes (removeReleaseImages).
 */
import type { ServiceContext } from './context.js';
import { OtterError } from './errors.js';
import type { Progress } from './events.js';
import { mostUsefulLine } from './commands/exec.js';
import { redact } from './redact.js';
import type { ComposeTarget } from './commands/compose.js';
import { formatBytes, type ImageUsage } from './commands/image-usage.js';
import { requireBuildSpace } from './disk-space.js';

/** Docker's repository rule: lowercase letters, digits and separators. */
function repoPart(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '') || 'service';
}

/** The repository (without tag) of every image OtterStack builds for a project's service. */
export function builtImageRepository(project: string, service: string): string {
  return `otterstack/${repoPart(project)}-${repoPart(service)}`;
}

/** The image a release's service builds: one tag per release. */
export function builtImageTag(project: string, service: string, releaseKey: string): string {
  return `${builtImageRepository(project, service)}:${releaseKey}`;
}

export interface BuiltImage {
  service: string;
  tag: string;
}

/**
 * Names each building service's image for this release in the override (compose tags what it builds
 * with the service's `image:`). Returns the services that build and their tags.
 */
export function tagBuiltImages(override: Record<string, unknown>, config: Record<string, unknown>, project: string, releaseKey: string): BuiltImage[] {
  const services = (config.services ?? {}) as Record<string, { build?: unknown } | null>;
  const serviceOverride = (override.services ?? {}) as Record<string, Record<string, unknown>>;
  const out: BuiltImage[] = [];
  for (const [service, def] of Object.entries(services)) {
    if (def?.build === undefined || def.build === null) continue;
    const tag = builtImageTag(project, service, releaseKey);
    serviceOverride[service] = { ...(serviceOverride[service] ?? {}), image: tag };
    out.push({ service, tag });
  }
  if (out.length > 0) override.services = serviceOverride;
  return out;
}

export interface BuildRequest {
  noCache?: boolean;
  /** Pull the base images (FROM) anew: compose build --pull. */
  pullBase?: boolean;
  signal?: AbortSignal;
  timeoutMs: number;
}

/**
 * Builds what the release needs: every building service whose image is not here yet (a rollback
 * finds its release's image and builds nothing), or all of them with --no-cache. A failed, timed
 * out or cancelled build fails the deploy with the build's own last lines, before anything starts.
 */
export async function buildImages(ctx: ServiceContext, target: ComposeTarget, built: BuiltImage[], req: BuildRequest, progress: Progress): Promise<void> {
  if (built.length === 0) return;
  const needed: BuiltImage[] = [];
  for (const b of built) {
    if (!req.noCache && (await ctx.engine.imageInfo(b.tag))) progress.stage('build', `${b.service}: ${b.tag} is here, not building it again`);
    else needed.push(b);
  }
  if (needed.length === 0) return;
  await requireBuildSpace(ctx);
  const compose = await ctx.compose();
  progress.stage('build', `building ${needed.map((b) => `${b.service} as ${b.tag}`).join(', ')}${req.noCache ? ' (no cache)' : ''}${req.pullBase ? ' (pulling base images)' : ''}`);
  // Our own clock, not the exec timeout: compose v2 exits with a code of its own when killed, which
  // would read as an ordinary build failure.
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout.signal]) : timeout.signal;
  let res;
  let output = '';
  try {
    res = await compose.build(target, needed.map((b) => b.service), {
      noCache: req.noCache,
      pull: req.pullBase,
      exec: {
        signal,
        onOutput: (chunk) => {
          output += chunk;
          chunk.split('\n').filter((l) => l.trim()).forEach((l) => progress.output(l.trim()));
        },
      },
    });
  } finally {
    clearTimeout(timer);
  }
  if (res.exitCode !== 0) await removeBuildLeftovers(ctx, `${output}\n${res.stdout}\n${res.stderr}`);
  if (req.signal?.aborted) throw new OtterError('interrupted', 'deploy interrupted while building images');
  if (timeout.signal.aborted) throw new OtterError('deploy_failed', `building ${needed.map((b) => b.service).join(', ')} took longer than ${Math.round(req.timeoutMs / 1000)}s (buildTimeoutSeconds) and was stopped: raise buildTimeoutSeconds or make the build faster`);
  if (res.exitCode !== 0) {
    const tail = `${res.stdout}\n${res.stderr}`.split('\n').map((l) => l.trim()).filter(Boolean).slice(-3).join(' | ');
    throw new OtterError('deploy_failed', `building ${needed.map((b) => b.service).join(', ')} failed: ${redact(tail || mostUsefulLine(res.stderr) || 'no output')}`);
  }
}

/**
 * The classic builder (Compose v1) runs each RUN step in a container it names in its output
 * (" ---> Running in <id>") and, when the client is killed, goes on running it: a timed-out or
 * cancelled build's step is removed here, by the id the build itself printed (never a guess).
 */
export function stepContainers(output: string): string[] {
  return [...new Set([...output.matchAll(/---> Running in ([0-9a-f]{12,64})\b/g)].map((m) => m[1]!))];
}

/**
 * The images the classic builder committed for steps it ran in this build (" ---> <id>" after a
 * "Running in"), not those it took from the cache: another build may be standing on those.
 */
export function stepImages(output: string): string[] {
  const out: string[] = [];
  let ran = false;
  for (const line of output.split('\n')) {
    if (/^Step \d+\/\d+ :/.test(line.trim())) ran = false;
    else if (/---> Running in [0-9a-f]{12,64}\b/.test(line)) ran = true;
    else {
      const m = /^\s*---> ([0-9a-f]{12,64})\s*$/.exec(line);
      if (m && ran) out.push(m[1]!);
      if (m) ran = false;
    }
  }
  return [...new Set(out)];
}

/**
 * A failed, timed-out or cancelled classic build leaves its last step's container and the images
 * of the steps that did finish (untagged: dangling, nothing ever removes them). Both go, by the ids
 * the build printed; an image only while still dangling (untagged, no child), so never one a tag
 * or another build has come to use. Removing it takes its untagged parents with it. BuildKit (Compose
 * v2 on this engine) leaves neither: only its build cache, which is the engine's to collect.
 */
async function removeBuildLeftovers(ctx: ServiceContext, output: string): Promise<void> {
  for (const id of stepContainers(output)) await ctx.engine.remove([id]).catch(() => undefined);
  const ours = stepImages(output);
  if (ours.length === 0) return;
  const dangling = await ctx.engine.danglingImages().catch(() => [] as string[]);
  for (const id of ours.reverse()) {
    if (dangling.some((d) => d.replace(/^sha256:/, '').startsWith(id))) await ctx.engine.removeImage(id);
  }
}

/** The tags the build stage recorded for these deployments (deployments.built_images). */
export function recordedImages(rows: { built_images?: string | null }[]): Set<string> {
  const out = new Set<string>();
  for (const r of rows) {
    if (!r.built_images) continue;
    try {
      for (const tag of JSON.parse(r.built_images) as unknown[]) if (typeof tag === 'string') out.add(tag);
    } catch {
      /* a damaged record names nothing */
    }
  }
  return out;
}

/** What removing built images gave back. */
export interface RemovedImages {
  tags: string[];
  /** Bytes freed, by the engine's accounting (image-usage.ts). */
  bytes: number;
}

/**
 * What removing `tag` frees, or null when there is no such image. `docker system df -v` names an
 * image by one of its tags only: another tag of it (a release's local tag beside its registry tag,
 * two releases that built the same image) is an alias that frees nothing alone.
 */
export async function builtImageUsage(ctx: ServiceContext, usage: Map<string, ImageUsage>, tag: string): Promise<ImageUsage | null> {
  return usage.get(tag) ?? ((await ctx.engine.imageInfo(tag)) ? { id: '', uniqueBytes: 0 } : null);
}

/**
 * Removes built images by tag (an image goes when its last tag does). One still used by a container
 * is left, never forced. The engine's usage is read before each removal: a layer two removed
 * images shared is unique to the second once the first is gone, so it is counted once, there.
 */
export async function removeBuiltImages(ctx: ServiceContext, tags: Iterable<string>, progress: Progress, stage: 'prune' | 'cleanup'): Promise<RemovedImages> {
  const out: RemovedImages = { tags: [], bytes: 0 };
  const wanted = [...tags];
  if (wanted.length === 0) return out;
  let usage = await ctx.engine.imageUsage();
  for (const tag of wanted) {
    const image = await builtImageUsage(ctx, usage, tag);
    if (!image) continue;
    progress.stage(stage, `removing image ${tag} (${formatBytes(image.uniqueBytes)})`);
    if (await ctx.engine.removeImage(tag)) {
      out.tags.push(tag);
      out.bytes += image.uniqueBytes;
      usage = await ctx.engine.imageUsage();
    } else progress.warning(`image ${tag} is still used by a container: left`);
  }
  return out;
}
