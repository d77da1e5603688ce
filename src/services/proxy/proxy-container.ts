import crypto from 'node:crypto';
import { OtterError } from '../errors.js';
import type { DataPaths } from '../paths.js';
import { ADMIN_DIR_IN_CONTAINER, CONFIG_DIR_IN_CONTAINER, CONFIG_FILE_IN_CONTAINER } from './caddy-config.js';
import { PROXY_LABEL, PROXY_SPEC_LABEL, type ProxyNames } from './proxy-names.js';
import type { ProxyOptions } from './proxy-options.js';

/** What the proxy container is made from; its hash (a label) tells a re-install whether to recreate it. */
export interface ProxyContainerSpec {
  names: ProxyNames;
  options: ProxyOptions;
  adminDir: string;
  configDir: string;
}

export function proxyContainerSpec(names: ProxyNames, options: ProxyOptions, paths: DataPaths): ProxyContainerSpec {
  return { names, options, adminDir: paths.proxyAdminDir, configDir: paths.proxyConfigDir };
}

export function specHash(spec: ProxyContainerSpec): string {
  return crypto.createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

/** A --mount value cannot carry a comma, quote or newline in a path (docker parses it as CSV). */
function bindMount(source: string, target: string, readOnly: boolean): string {
  if (/[,"\n]/.test(source)) throw new OtterError('usage', `the data dir path ${JSON.stringify(source)} holds a comma, quote or newline, which docker cannot mount: use another --data-dir`);
  return `type=bind,source=${source},target=${target}${readOnly ? ',readonly' : ''}`;
}

/**
 * The `docker run` arguments after `--name` (engine.runDetached): restart unless-stopped, on the
 * proxy network, the http and https ports published as the same port numbers inside (so Caddy's
 * redirects and ACME's HTTP challenge name the ports clients use), certificates in the named volume,
 * the admin socket's folder and the start config bind-mounted. No admin port is published: the
 * admin API exists only as the unix socket.
 */
export function proxyRunArgs(spec: ProxyContainerSpec): string[] {
  const { names, options } = spec;
  return [
    '--restart', 'unless-stopped',
    '--network', names.network,
    '--label', `${PROXY_LABEL}=true`,
    '--label', `${PROXY_SPEC_LABEL}=${specHash(spec)}`,
    '--publish', `${options.httpPort}:${options.httpPort}`,
    '--publish', `${options.httpsPort}:${options.httpsPort}`,
    '--mount', `type=volume,source=${names.volume},target=/data`,
    '--mount', bindMount(spec.adminDir, ADMIN_DIR_IN_CONTAINER, false),
    '--mount', bindMount(spec.configDir, CONFIG_DIR_IN_CONTAINER, true),
    // As the official image sets them: Caddy keeps certificates and state under /data.
    '--env', 'XDG_DATA_HOME=/data',
    '--env', 'XDG_CONFIG_HOME=/data/config',
    '--', options.image,
    'caddy', 'run', '--config', CONFIG_FILE_IN_CONTAINER,
  ];
}
