/**
 * A registry as the operator names it to `registry login|logout`: the host part of an image
 * reference (`registry.example.com`, `127.0.0.1:5000`, `[::1]:5000`, `docker.io`). It reaches
 * `docker login` after `--`, but is still checked here, so an option (`--foo`), a URL, whitespace or
 * shell syntax is refused with a sentence instead of being handed on.
 */
import { OtterError } from './errors.js';

/** DNS labels (letters, digits, inner '-') joined by '.', or an IPv6 address in brackets; optional :port. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;

/** The key docker writes Docker Hub's credentials under (whatever name they were given as). */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

export function validateRegistryHost(raw: string): string {
  const m = HOST.exec(raw);
  const port = m?.[1] === undefined ? 1 : Number(m[1]);
  if (!m || raw.length > 253 || port < 1 || port > 65535) {
    throw new OtterError('usage', `invalid registry ${JSON.stringify(raw)}: give the host as in image names, e.g. registry.example.com or 127.0.0.1:5000 (no scheme, path, spaces or leading '-')`);
  }
  return raw;
}

/**
 * A registry user name. docker stores `user:password` base64-encoded, so a ':' would move part of
 * the name into the password; whitespace and control characters are never part of one.
 */
export function validateRegistryUsername(raw: string | undefined): string {
  if (!raw || raw.length > 256 || /[:\s\p{Cc}]/u.test(raw)) {
    throw new OtterError('usage', `invalid registry user ${JSON.stringify(raw ?? '')}: give --username NAME (no ':', spaces or control characters)`);
  }
  return raw;
}

/** The host as the operator wrote it in image references: docker stores Docker Hub under a URL. */
export function displayRegistryHost(configKey: string): string {
  return configKey === DOCKER_HUB_KEY ? 'docker.io' : configKey;
}

/** The config.json key a host's credentials live under (docker's own normalisation of Docker Hub's names). */
export function registryConfigKey(host: string): string {
  return ['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(host.toLowerCase()) ? DOCKER_HUB_KEY : host;
}
