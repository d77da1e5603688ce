/**
 * The pull stage (#17): before `up`, the images a release runs are pulled according to the
 * project's pullPolicy, so a new commit of `image: registry/app:latest` never silently runs the image
 * pulled months ago. Compose itself pulls only what is missing. Decisions are pure (decidePull);
 * pullImages runs them against the engine.
 */
import type { ServiceContext } from './context.js';
import { OtterError } from './errors.js';
import type { Progress } from './events.js';

export type PullPolicy = 'always' | 'missing' | 'never';
export const PULL_POLICIES: PullPolicy[] = ['always', 'missing', 'never'];

export function validatePullPolicy(value: string): PullPolicy {
  if ((PULL_POLICIES as string[]).includes(value)) return value as PullPolicy;
  throw new OtterError('usage', `invalid pull policy ${JSON.stringify(value)}: use always, missing or never`);
}

/** What the engine knows of an image: null when it is not on this host. */
export interface LocalImage {
  /** Registry digests; none for an image built or imported here (`docker build`, `docker import`). */
  repoDigests: string[];
}

export type PullDecision = { pull: true } | { pull: false; why: string };

/**
 * Whether to pull one image. `explicit`: --pull (true) or --no-pull (false) for this deploy.
 * Never an image a service builds, nor one that exists only here (no registry digest): there is
 * nowhere to pull it from, and trying would fail or replace it with something else of that name.
 */
export function decidePull(image: string, builds: boolean, local: LocalImage | null, policy: PullPolicy, explicit?: boolean): PullDecision {
  if (builds) return { pull: false, why: 'built by the release' };
  if (local && local.repoDigests.length === 0) return { pull: false, why: 'exists only on this host (no registry digest)' };
  if (explicit === false) return { pull: false, why: '--no-pull' };
  if (explicit === true) return { pull: true };
  if (policy === 'never') return { pull: false, why: 'pullPolicy never' };
  if (policy === 'missing' && local) return { pull: false, why: 'present (pullPolicy missing)' };
  return { pull: true };
}

export interface ReleaseImage {
  service: string;
  image: string;
  /** The service has `build:` (compose builds the image: never pulled). */
  builds: boolean;
}

/** The images of a resolved compose config: service → image, and whether the service builds it. */
export function releaseImages(config: Record<string, unknown>, services: string[]): ReleaseImage[] {
  const defs = (config.services ?? {}) as Record<string, { image?: unknown; build?: unknown } | null>;
  const out: ReleaseImage[] = [];
  for (const service of services) {
    const def = defs[service] ?? {};
    if (typeof def.image !== 'string' || !def.image) continue;
    out.push({ service, image: def.image, builds: def.build !== undefined && def.build !== null });
  }
  return out;
}

/** The registry an image reference names (Docker Hub when its first part is not a host). */
export function registryOf(image: string): string {
  const first = image.split('/')[0]!;
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

/** One line that says what to do about a failed pull. */
export function pullFailure(image: string, output: string): string {
  const registry = registryOf(image);
  const last = output.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? 'no output';
  if (/unauthorized|authentication required|denied|no basic auth credentials/i.test(output)) {
    return `pulling ${image} was refused by ${registry} (${last}): log in with: otterstack registry login ${registry} --username USER --password-stdin`;
  }
  return `pulling ${image} from ${registry} failed: ${last}`;
}

export interface PullRequest {
  policy: PullPolicy;
  explicit?: boolean;
  signal?: AbortSignal;
  timeoutMs: number;
}

/**
 * Pulls the release's images as decided. A failed pull of an image present here warns and goes on
 * (the registry may be down; the release runs what is here), unless --pull asked for it; a failed
 * pull of a missing image fails the deploy before anything starts.
 */
export async function pullImages(ctx: ServiceContext, images: ReleaseImage[], req: PullRequest, progress: Progress): Promise<void> {
  const unique = [...new Map(images.map((i) => [i.image, i])).values()];
  for (const { image, builds } of unique) {
    const local = await ctx.engine.imageInfo(image);
    const decision = decidePull(image, builds, local, req.policy, req.explicit);
    if (!decision.pull) {
      if (decision.why !== 'built by the release') progress.stage('pull', `not pulling ${image}: ${decision.why}`);
      continue;
    }
    progress.stage('pull', `pulling ${image}`);
    const res = await ctx.engine.pull(image, { signal: req.signal, timeoutMs: req.timeoutMs, onOutput: (chunk) => chunk.split('\n').filter((l) => l.trim()).forEach((l) => progress.output(l.trim())) });
    if (req.signal?.aborted) throw new OtterError('interrupted', 'deploy interrupted while pulling images');
    if (res.exitCode === 0) continue;
    const message = pullFailure(image, `${res.stdout}\n${res.stderr}`);
    if (local && req.explicit !== true) progress.warning(`${message}; going on with the image already here`);
    else throw new OtterError('deploy_failed', message);
  }
}
