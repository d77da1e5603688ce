import { OtterError } from './errors.js';
import { routedLabels, serviceNetworks, traefikOption, type ContainerProcess } from './traefik-detect.js';

/** Networks a container cannot be connected to by name (no DNS there, or no network at all). */
const UNUSABLE = new Set(['host', 'none', 'bridge']);

/**
 * How a release's routed services reach the proxy in front of them: connected to `network` (Traefik's,
 * or the OtterStack proxy's) after compose creates them and before they start, each under its
 * per-release alias only (see releaseAlias).
 */
export interface NetworkAttachment {
  network: string;
  services: string[];
}

/**
 * The name a release's service answers to on Traefik's network: `<service>-<release key>`.
 * DESIGN (#16 item 8): compose gives a service its name as an alias on every network it declares,
 * so if releases joined Traefik's network through compose, `web` there would resolve to the old
 * and the new release at once during the overlap, and a call from one release's `api` to `web`
 * could land in the other. Connected by `docker network connect --alias`, a release is reachable on
 * the shared network only under names that are its own; `web` resolves on its own default network.
 */
export function releaseAlias(service: string, releaseKey: string): string {
  return `${service}-${releaseKey}`;
}

/**
 * The network of the running Traefik that the release's routed services join: the one its docker
 * provider is told to use (--providers.docker.network), else the first user-defined one it is on.
 * Null when it is on none a container can be connected to by name.
 */
export function traefikNetwork(traefik: ContainerProcess): string | null {
  const configured = traefikOption(traefik, 'providers.docker.network');
  if (configured && traefik.networks.includes(configured)) return configured;
  return traefik.networks.find((n) => !UNUSABLE.has(n)) ?? null;
}

/**
 * Plans Traefik's network for every routed service that shares no network with Traefik, and labels
 * it `traefik.docker.network=<that network>` (through the override) so Traefik dials the address it
 * can reach. Each release otherwise has only its own `<project>_default`, which Traefik is not on: the
 * new release's router would point at an address Traefik cannot reach (502/504) while the old one is
 * stopped. The connection itself is made by startReleaseContainers (release.ts), between create and
 * start, so Traefik sees the container on its network from the first start event. A service that
 * names its network (`traefik.docker.network`) is left as the user set it.
 * Null when nothing needs attaching. Throws when Traefik is on no network a release can join.
 */
export function attachTraefikNetwork(override: Record<string, unknown>, config: Record<string, unknown>, traefik: ContainerProcess, composeProject: string): NetworkAttachment | null {
  if (traefik.networks.includes('host')) return null;
  const services = (config.services ?? {}) as Record<string, Record<string, unknown> | null>;
  const serviceOverride = (override.services ?? {}) as Record<string, Record<string, unknown>>;
  const name = traefik.name.replace(/^\//, '');
  const attached: string[] = [];
  let network: string | null | undefined;
  for (const [svc, def] of Object.entries(services)) {
    const labels = routedLabels(def);
    if (!labels || labels.some(([k]) => k.toLowerCase() === 'traefik.docker.network')) continue;
    const nets = serviceNetworks(config, def ?? {}, composeProject);
    if (!nets || nets.some((n) => traefik.networks.includes(n))) continue;
    network ??= traefikNetwork(traefik);
    if (!network) {
      throw new OtterError(
        'usage',
        `blue-green: Traefik (${name}) is on no network a release can join (its networks: ${traefik.networks.join(', ') || 'none'}), so it could not reach service ${svc}: put Traefik on a user-defined network (docker network create proxy && docker network connect proxy ${name})`,
      );
    }
    const current = (serviceOverride[svc] ?? {}) as { labels?: Record<string, string> };
    serviceOverride[svc] = { ...current, labels: { ...(current.labels ?? {}), 'traefik.docker.network': network } };
    attached.push(svc);
  }
  if (attached.length === 0) return null;
  override.services = serviceOverride;
  return { network: network!, services: attached };
}
