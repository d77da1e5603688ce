import type { ServiceContext } from '../context.js';
import { toOtterError } from '../errors.js';
import { CaddyAdmin } from './caddy-admin.js';
import { routesOfConfig } from './caddy-config.js';
import { proxyNames, type ProxyNames } from './proxy-names.js';
import type { ProxyOptions } from './proxy-options.js';
import { readInstalledOptions } from './proxy-state.js';
import { describeExpiry, domainCertificates, expiringSoon, type DomainCertificate } from './certificates.js';

export interface ProxyStatus {
  /** `proxy install` ran (and no `proxy remove` since). */
  installed: boolean;
  names: ProxyNames;
  options: ProxyOptions | null;
  /** Engine state of the container (running, restarting, exited…), or 'missing'. */
  state: string;
  restartCount: number;
  /** `docker port` lines: only the http and https ports, never an admin port. */
  ports: string[];
  adminReachable: boolean;
  /** Why the admin API did not answer ('' when it did). */
  adminError: string;
  /** Routes the running Caddy has (read back over the admin socket); null when unreachable. */
  routes: number | null;
  socket: string;
  /** The certificate served for each project domain (read by a handshake); [] when not running. */
  certificates: DomainCertificate[];
}

/** What the proxy is doing now: container, ports, whether its admin API answers, its routes, the certificates it serves (unless asked not to). */
export async function proxyStatus(ctx: ServiceContext, env: NodeJS.ProcessEnv = process.env, opts: { certificates?: boolean } = {}): Promise<ProxyStatus> {
  const names = proxyNames(env);
  const options = readInstalledOptions(ctx.paths);
  const state = await ctx.engine.containerState(names.container);
  const ports = state ? await ctx.engine.publishedPorts(names.container) : [];
  let adminReachable = false;
  let adminError = '';
  let routes: number | null = null;
  if (state?.running) {
    try {
      routes = routesOfConfig(await new CaddyAdmin(ctx.paths.proxyAdminSocket, 5_000).getJson('/config/')).length;
      adminReachable = true;
    } catch (err) {
      adminError = toOtterError(err).message;
    }
  } else {
    adminError = state ? `the container is ${state.status}` : 'no proxy container';
  }
  const certificates = adminReachable && opts.certificates !== false ? await domainCertificates(ctx) : [];
  return {
    certificates,
    installed: options !== null,
    names,
    options,
    state: state?.status ?? 'missing',
    restartCount: state?.restartCount ?? 0,
    ports,
    adminReachable,
    adminError,
    routes,
    socket: ctx.paths.proxyAdminSocket,
  };
}

/** One line for doctor and the CLI: level and detail. Not installed is fine; installed and not serving is not. */
export function proxyHealth(status: ProxyStatus): { level: 'ok' | 'warn' | 'fail'; detail: string } {
  if (!status.installed && status.state === 'missing') return { level: 'ok', detail: 'not installed (otterstack proxy install)' };
  if (!status.installed) return { level: 'warn', detail: `a container ${status.names.container} exists but the proxy is not installed in this data dir` };
  if (status.state !== 'running') return { level: 'fail', detail: `${status.names.container} is ${status.state}: otterstack proxy install starts it again` };
  if (!status.adminReachable) return { level: 'fail', detail: `${status.names.container} runs but its admin API does not answer: ${status.adminError}` };
  const expiring = expiringSoon(status.certificates);
  if (expiring.length > 0) return { level: 'warn', detail: `certificate of ${expiring.map((c) => `${c.domain} ${describeExpiry(c)}`).join('; ')}` };
  return { level: 'ok', detail: `${status.names.container} running, ${status.routes} route(s), ports ${status.options?.httpPort}/${status.options?.httpsPort}, admin on ${status.socket}` };
}
