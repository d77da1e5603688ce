/**
 * Private registries (#17): `registry login|list|logout`. Credentials live in OtterStack's own
 * Docker config dir (docker-config.ts), written by `docker login` itself and used by OtterStack's
 * docker and compose calls only; the operator's ~/.docker is never read for them nor written.
 * The password only ever travels through stdin, and nothing here returns or prints it (nor the
 * stored `auth`).
 */
import fs from 'node:fs';
import type { ServiceContext } from './context.js';
import { DOCKER_CONFIG_FILE_MODE } from './docker-config.js';
import { OtterError } from './errors.js';
import { rememberSecretValues } from './redact.js';
import { displayRegistryHost, registryConfigKey, validateRegistryHost, validateRegistryUsername } from './registry-host.js';

export interface RegistryLogin {
  host: string;
  /** '' when a credential helper holds the entry (its user name is not in config.json). */
  username: string;
}

/** The logins in a config.json's text: hosts and user names, never the auth itself. */
export function parseRegistryLogins(configJson: string): RegistryLogin[] {
  let auths: unknown;
  try {
    auths = (JSON.parse(configJson) as { auths?: unknown }).auths;
  } catch {
    return [];
  }
  if (!auths || typeof auths !== 'object') return [];
  return Object.entries(auths as Record<string, { auth?: unknown; username?: unknown } | null>)
    .map(([key, entry]) => ({ host: displayRegistryHost(key), username: usernameOf(entry) }))
    .sort((a, b) => a.host.localeCompare(b.host));
}

/** docker stores base64("user:password"); only the part before the first ':' is the user name. */
function usernameOf(entry: { auth?: unknown; username?: unknown } | null): string {
  if (typeof entry?.username === 'string') return entry.username;
  if (typeof entry?.auth !== 'string') return '';
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? decoded.slice(0, colon) : '';
}

export function registryLogins(ctx: ServiceContext): RegistryLogin[] {
  try {
    return parseRegistryLogins(fs.readFileSync(ctx.dockerConfig.file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Logs in to a registry: docker asks the registry (through the engine) before it stores anything,
 * so a wrong password stores nothing. The config file is 0600 and its dir 0700 whatever umask.
 */
export async function registryLogin(ctx: ServiceContext, rawHost: string, rawUsername: string | undefined, password: string): Promise<RegistryLogin> {
  const host = validateRegistryHost(rawHost);
  const username = validateRegistryUsername(rawUsername);
  if (password === '') throw new OtterError('usage', `no password given for ${host}: pipe it in, e.g. printf %s "$PASSWORD" | otterstack registry login ${host} --username ${username} --password-stdin`);
  // Should docker or the registry ever repeat it, the CLI's output masks it.
  rememberSecretValues([password]);
  if (ctx.readOnly) throw new OtterError('environment', `cannot store registry credentials: the data dir ${ctx.paths.root} is not writable (${ctx.readOnly})`);
  ctx.dockerConfig.prepare();
  const res = await ctx.engine.login(ctx.dockerConfig.dir, host, username, password);
  if (res.exitCode !== 0) {
    const why = `${res.stderr}\n${res.stdout}`.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? `exit code ${res.exitCode}`;
    const refused = /unauthorized|authentication required|denied|incorrect username or password/i.test(why);
    throw new OtterError('environment', refused ? `${host} refused the login of ${username}: ${why}; nothing was stored` : `login to ${host} failed: ${why}; nothing was stored`);
  }
  if (fs.existsSync(ctx.dockerConfig.file)) fs.chmodSync(ctx.dockerConfig.file, DOCKER_CONFIG_FILE_MODE);
  return { host, username };
}

/** Removes a registry's credentials; not_found when OtterStack holds none for it. */
export async function registryLogout(ctx: ServiceContext, rawHost: string): Promise<void> {
  const host = validateRegistryHost(rawHost);
  const key = displayRegistryHost(registryConfigKey(host));
  if (!registryLogins(ctx).some((l) => l.host === key)) throw new OtterError('not_found', `not logged in to ${host}: see otterstack registry list`);
  const res = await ctx.engine.logout(ctx.dockerConfig.dir, host);
  if (res.exitCode !== 0) throw new OtterError('environment', `logout from ${host} failed: ${(res.stderr || res.stdout).trim().split('\n').pop()}`);
}
