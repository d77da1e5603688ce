/**
 * The `x-otterstack` extension at the top level of a compose file (compose ignores `x-` keys; v1
 * and v2 both accept them). Read from the raw file, because Compose v1's `config` drops x- keys.
 * Pure; unit-tested. `oneshot` is read by oneshots.ts.
 *
 *   x-otterstack:
 *     shared: [db, redis]
 *     hooks:
 *       pre_deploy:  { service: web, command: ["./manage.py", "migrate"], timeout: 10m }
 *       post_deploy: { service: web, command: "./notify-cache-warm" }
 */
export type HookName = 'pre_deploy' | 'post_deploy';
export const HOOK_NAMES: readonly HookName[] = ['pre_deploy', 'post_deploy'];

export interface Hook {
  name: HookName;
  service: string;
  /** argv for the container; a string command is run by `sh -c` (as Kamal and Dokku do). */
  command: string[];
  timeoutSeconds: number;
}

export interface Extension {
  /** Services that run once per project, outside releases; null when the file does not say. */
  shared: string[] | null;
  hooks: Partial<Record<HookName, Hook>>;
  errors: string[];
}

export const DEFAULT_HOOK_TIMEOUT_SECONDS = 600;

/** "90", "90s", "10m", "1h", "1m30s" → seconds; null when not a duration. */
export function parseDuration(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) > 0 ? Number(text) : null;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!m || text === '') return null;
  const seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return seconds > 0 ? seconds : null;
}

export function parseExtension(extension: unknown, serviceNames: string[]): Extension {
  const out: Extension = { shared: null, hooks: {}, errors: [] };
  if (extension === undefined || extension === null) return out;
  if (typeof extension !== 'object' || Array.isArray(extension)) {
    out.errors.push('x-otterstack must be a mapping (shared:, hooks:, oneshot:)');
    return out;
  }
  const ext = extension as Record<string, unknown>;
  const known = ['shared', 'hooks', 'oneshot'];
  const unknown = Object.keys(ext).filter((k) => !known.includes(k));
  if (unknown.length > 0) out.errors.push(`x-otterstack has unknown key ${JSON.stringify(unknown[0])}: use ${known.join(', ')}`);
  const services = `services: ${serviceNames.join(', ')}`;

  if (ext.shared !== undefined) {
    const shared = ext.shared;
    if (!Array.isArray(shared) || shared.some((s) => typeof s !== 'string')) out.errors.push('x-otterstack.shared must be a list of service names, e.g. [db, redis]');
    else {
      for (const name of shared as string[]) {
        if (!serviceNames.includes(name)) out.errors.push(`x-otterstack.shared names ${JSON.stringify(name)}, which is not a service of this file (${services})`);
      }
      out.shared = [...new Set(shared as string[])];
    }
  }

  if (ext.hooks !== undefined) {
    if (!ext.hooks || typeof ext.hooks !== 'object' || Array.isArray(ext.hooks)) {
      out.errors.push('x-otterstack.hooks must be a mapping with pre_deploy: and/or post_deploy:');
      return out;
    }
    for (const [name, spec] of Object.entries(ext.hooks as Record<string, unknown>)) {
      if (!(HOOK_NAMES as readonly string[]).includes(name)) {
        out.errors.push(`x-otterstack.hooks has unknown hook ${JSON.stringify(name)}: use ${HOOK_NAMES.join(' or ')}`);
        continue;
      }
      const hook = parseHook(name as HookName, spec, serviceNames, services, out.shared ?? []);
      if (typeof hook === 'string') out.errors.push(hook);
      else out.hooks[name as HookName] = hook;
    }
  }
  return out;
}

function parseHook(name: HookName, spec: unknown, serviceNames: string[], services: string, shared: string[]): Hook | string {
  const where = `x-otterstack.hooks.${name}`;
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return `${where} must be a mapping: { service: web, command: [...], timeout: 10m }`;
  const s = spec as Record<string, unknown>;
  const extra = Object.keys(s).filter((k) => !['service', 'command', 'timeout'].includes(k));
  if (extra.length > 0) return `${where} has unknown key ${JSON.stringify(extra[0])}: use service, command, timeout`;
  if (typeof s.service !== 'string' || !serviceNames.includes(s.service)) {
    return `${where}.service must name a service of this file (${services}), got ${JSON.stringify(s.service ?? null)}`;
  }
  if (shared.includes(s.service)) return sharedHookError(name, s.service);
  let command: string[];
  if (typeof s.command === 'string' && s.command.trim()) command = ['sh', '-c', s.command];
  else if (Array.isArray(s.command) && s.command.length > 0 && s.command.every((c) => typeof c === 'string' || typeof c === 'number')) command = s.command.map(String);
  else return `${where}.command must be a non-empty list (["./manage.py", "migrate"]) or string`;
  const timeoutSeconds = s.timeout === undefined ? DEFAULT_HOOK_TIMEOUT_SECONDS : parseDuration(s.timeout);
  if (timeoutSeconds === null) return `${where}.timeout must be a duration such as 90s, 10m or 1h, got ${JSON.stringify(s.timeout)}`;
  return { name, service: s.service, command, timeoutSeconds };
}

function sharedHookError(name: HookName, service: string): string {
  return `x-otterstack.hooks.${name}.service ${service} is shared: a hook runs in the new release, so name one of its own services`;
}

/**
 * A hook naming a service that is shared by the project's setting (`project set --shared`), which
 * parseExtension cannot see: the release's file has no such service to run it in.
 */
export function hookOnSharedError(hooks: Extension['hooks'], shared: string[]): string | null {
  const hook = HOOK_NAMES.map((n) => hooks[n]).find((h) => h !== undefined && shared.includes(h.service));
  return hook ? sharedHookError(hook.name, hook.service) : null;
}

/**
 * Which services are shared: the compose file wins when it says anything (even `shared: []`);
 * otherwise the project's setting (`project set --shared`). Names are checked against the file.
 */
export function resolveShared(fromFile: string[] | null, fromProject: string[], serviceNames: string[]): { shared: string[]; errors: string[] } {
  if (fromFile !== null) return { shared: fromFile, errors: [] };
  const missing = fromProject.filter((s) => !serviceNames.includes(s));
  if (missing.length > 0) {
    return {
      shared: [],
      errors: [`the project's shared services name ${missing.map((m) => JSON.stringify(m)).join(', ')}, not in this compose file (services: ${serviceNames.join(', ')}): fix with otterstack project set <project> --shared <names>`],
    };
  }
  return { shared: fromProject, errors: [] };
}
