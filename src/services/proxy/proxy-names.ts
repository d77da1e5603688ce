/**
 * The engine objects of the managed proxy. There is one proxy per machine, so these names are
 * machine-wide; OTTERSTACK_PROXY_NAME renames all three at once, so that tests (which run twice in
 * parallel, once per compose version) and a second installation on one machine do not collide.
 */
export interface ProxyNames {
  container: string;
  network: string;
  /** Certificates, ACME account and Caddy's state: kept by `proxy remove`, removed by `--purge`. */
  volume: string;
}

export const DEFAULT_PROXY_NAME = 'otterstack-proxy';

/** Labels on the proxy container: what it was started with (proxy-container.ts), and that it is ours. */
export const PROXY_SPEC_LABEL = 'io.otterstack.proxy.spec';
export const PROXY_LABEL = 'io.otterstack.proxy';

export function proxyNames(env: NodeJS.ProcessEnv = process.env): ProxyNames {
  const raw = env.OTTERSTACK_PROXY_NAME ?? '';
  // A docker object name; anything else falls back rather than reaching docker's argv.
  const base = /^[a-z0-9][a-z0-9_.-]{0,62}$/.test(raw) ? raw : DEFAULT_PROXY_NAME;
  return { container: base, network: base, volume: `${base}-data` };
}
