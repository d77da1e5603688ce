import os from 'node:os';

/**
 * Who started an operation, recorded on every deployment and operation log and sent with
 * notifications: the operator behind sudo (SUDO_USER) or the login user, plus the SSH client's
 * address when there is one ("alice from 203.0.113.7"). Several operators share one server and one
 * state file; history must say who deployed. Pure given its inputs; the environment is the caller's
 * own, but still reduced to name and address characters (it reaches terminals and webhooks).
 */
export function invokerOf(env: NodeJS.ProcessEnv, fallbackUser: () => string = defaultUser): string {
  const clean = (v: string | undefined, allowed: RegExp) => (v ?? '').replace(allowed, '').slice(0, 64);
  const user = clean(env.SUDO_USER, /[^A-Za-z0-9._@-]/g) || clean(env.USER, /[^A-Za-z0-9._@-]/g) || clean(env.LOGNAME, /[^A-Za-z0-9._@-]/g) || clean(fallbackUser(), /[^A-Za-z0-9._@-]/g) || 'unknown';
  // SSH_CONNECTION: "<client ip> <client port> <server ip> <server port>".
  const from = clean(env.SSH_CONNECTION?.trim().split(/\s+/)[0], /[^0-9A-Fa-f:.]/g);
  return from ? `${user} from ${from}` : user;
}

function defaultUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return String(process.getuid?.() ?? '');
  }
}
