/**
 * A project's swarm settings (issue #20): `--target compose|swarm` and `--registry`. Pure checks,
 * run before anything is written.
 */
import type { DeployStrategy, DeployTarget } from '../../db/schema.js';
import { OtterError } from '../errors.js';
import { validateRegistryHost } from '../registry-host.js';
import { builtImageTag } from '../image-build.js';

export function validateTarget(raw: string): DeployTarget {
  if (raw === 'compose' || raw === 'swarm') return raw;
  throw new OtterError('usage', `invalid --target ${JSON.stringify(raw)}: give compose (this engine, the default) or swarm (docker stack deploy)`);
}

/**
 * Where built images go for the swarm's nodes: a registry host as in image names, optionally with
 * a lower-case path (`registry.example.com:5000/team`). The image names are built from it, so it
 * must be something `docker tag` accepts.
 */
export function validateStackRegistry(raw: string): string {
  const slash = raw.indexOf('/');
  const host = slash < 0 ? raw : raw.slice(0, slash);
  const rest = slash < 0 ? '' : raw.slice(slash + 1);
  validateRegistryHost(host);
  if (rest !== '' && !/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(rest)) {
    throw new OtterError('usage', `invalid --registry ${JSON.stringify(raw)}: the path after the host must be lower-case name parts, e.g. registry.example.com:5000/team`);
  }
  return raw;
}

/**
 * Blue-green labels each release for Traefik with its own routers, and needs both releases' containers
 * side by side: a swarm replaces tasks behind one service name instead (start-first updates). The
 * proxy strategy works on a swarm: its routes name the stack's service (docs/swarm.md).
 */
export function targetStrategyProblem(target: DeployTarget, strategy: DeployStrategy): string | null {
  if (target !== 'swarm' || strategy !== 'blue-green') return null;
  return "--target swarm does not combine with --traefik-routing (blue-green): a swarm replaces tasks itself (start-first updates behind the service's name); drop --traefik-routing (route with --domain and the OtterStack proxy, or Traefik's swarm provider) or keep --target compose";
}

/**
 * The image a swarm release runs for a service that builds: `<registry>/<project>-<service>:<key>`
 * (key: sha7, or sha7-c<N> for a config-only release) when the project has a registry, else the
 * local per-release tag the build made (a one-node swarm only).
 */
export function swarmImageTag(registry: string | null, project: string, service: string, releaseKey: string): string {
  const local = builtImageTag(project, service, releaseKey);
  return registry ? `${registry}/${local.slice('otterstack/'.length)}` : local;
}
