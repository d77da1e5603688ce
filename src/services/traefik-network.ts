import { OtterError } from './errors.js';
import { externalRef } from './shared-release.js';
import { routedLabels, serviceNetworks, traefikOption, type ContainerProcess } from './traefik-detect.js';

/** The key of Traefik's network in a release's override (its real name is given as `name`). */
export const TRAEFIK_NETWORK_KEY = 'otterstack_traefik';

/** Networks a compose service cannot join as an external network (no aliases there, or no network at all). */
const UNUSABLE = new Set(['host', 'none', 'bridge']);

/**
 * The network of the running Traefik that the release's routed services join: the one its docker
 * provider is told to use (--providers.docker.network), else the first user-defined one it is on.
 * Null when it is on none a compose service can join.
 */
export function traefikNetwork(traefik: ContainerProcess): string | null {
  const configured = traefikOption(traefik, 'providers.docker.network');
  if (configured && traefik.networks.includes(configured)) return configured;
  return traefik.networks.find((n) => !UNUSABLE.has(n)) ?? null;
}

/**
 * Puts every routed service that shares no network with Traefik on Traefik's network, through the
 * release's override (an external network; the service keeps its own networks, `default` included),
 * and labels it `traefik.docker.network=<that network>` so Traefik dials the address it can reach.
 * Each release otherwise has only its own `<project>_default`, which Traefik is not on: the new
 * release's router would point at an address Traefik cannot reach (502/504) while the old one is
 * stopped. A service that names its network (`traefik.docker.network`) is left as the user set it.
 * Returns the services attached. Throws when Traefik is on no network a release can join.
 */
export function attachTraefikNetwork(override: Record<string, unknown>, config: Record<string, unknown>, traefik: ContainerProcess, composeProject: string): Set<string> {
  const attached = new Set<string>();
  if (traefik.networks.includes('host')) return attached;
  const services = (config.services ?? {}) as Record<string, Record<string, unknown> | null>;
  const serviceOverride = (override.services ?? {}) as Record<string, Record<string, unknown>>;
  const name = traefik.name.replace(/^\//, '');
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
    // `networks:` in the override replaces the implicit default network: keep it unless the service
    // names only other networks (Compose v2's resolved config lists `default` even when the file does not).
    const own = def?.networks;
    const keys = Array.isArray(own) ? own.map(String) : own && typeof own === 'object' ? Object.keys(own) : [];
    const keepDefault = keys.length === 0 || keys.includes('default');
    const current = (serviceOverride[svc] ?? {}) as { networks?: Record<string, unknown>; labels?: Record<string, string> };
    const networks = { ...(keepDefault ? { default: {} } : {}), ...(current.networks ?? {}), [TRAEFIK_NETWORK_KEY]: {} };
    serviceOverride[svc] = { ...current, networks, labels: { ...(current.labels ?? {}), 'traefik.docker.network': network } };
    attached.add(svc);
  }
  if (attached.size > 0) {
    override.services = serviceOverride;
    // Network `external` with a name arrived in file format 3.5.
    override.networks = { ...((override.networks ?? {}) as object), [TRAEFIK_NETWORK_KEY]: externalRef(network!, config.version, 5) };
  }
  return attached;
}
