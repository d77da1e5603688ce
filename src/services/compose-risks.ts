import { isInside } from './paths.js';

/**
 * What a compose file can make compose (or the containers) reach outside the release. Pure;
 * unit-tested. Files compose itself reads (env_file, extends.file, include, .env) must stay inside
 * the checkout: they are read by `compose config` before anything starts, and their content can
 * end up in its error messages. Settings that give containers the host are the operator's call:
 * warned about, never refused.
 */

/** Files a raw compose file makes compose read, as written (relative to the project directory). */
export function referencedFiles(raw: unknown): { what: string; file: string }[] {
  const out: { what: string; file: string }[] = [];
  if (!raw || typeof raw !== 'object') return out;
  const doc = raw as { services?: Record<string, unknown>; include?: unknown };
  const paths = (v: unknown): string[] =>
    (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]).flatMap((e) =>
      typeof e === 'string' ? [e] : e && typeof e === 'object' && typeof (e as { path?: unknown }).path === 'string' ? [(e as { path: string }).path] : [],
    );
  for (const [name, svc] of Object.entries(doc.services ?? {})) {
    if (!svc || typeof svc !== 'object') continue;
    const s = svc as { env_file?: unknown; extends?: unknown };
    for (const file of paths(s.env_file)) out.push({ what: `env_file of service ${name}`, file });
    const ext = s.extends && typeof s.extends === 'object' ? (s.extends as { file?: unknown }).file : undefined;
    if (typeof ext === 'string') out.push({ what: `extends.file of service ${name}`, file: ext });
  }
  for (const inc of Array.isArray(doc.include) ? doc.include : []) {
    for (const file of typeof inc === 'string' ? [inc] : paths((inc as { path?: unknown })?.path)) out.push({ what: 'include', file });
  }
  return out;
}

/** One warning per setting that hands a container part of the host. */
export function riskWarnings(config: Record<string, unknown>, worktree: string): string[] {
  const warnings: string[] = [];
  for (const [name, svc] of Object.entries((config.services ?? {}) as Record<string, Record<string, unknown> | null>)) {
    if (!svc) continue;
    if (svc.privileged === true) warnings.push(`service ${name} runs privileged: it has full access to the host`);
    for (const key of ['network_mode', 'pid', 'ipc'] as const) {
      if (svc[key] === 'host') warnings.push(`service ${name} uses the host's ${key === 'network_mode' ? 'network' : key === 'pid' ? 'process table' : 'IPC namespace'} (${key}: host)`);
    }
    for (const entry of (svc.volumes ?? []) as unknown[]) {
      const source = typeof entry === 'string' ? entry.split(':')[0]! : entry && typeof entry === 'object' && (entry as { type?: string }).type === 'bind' ? String((entry as { source?: string }).source ?? '') : '';
      if (!source.startsWith('/') || isInside(source, worktree)) continue;
      if (source === '/') warnings.push(`service ${name} mounts the host's root filesystem (/)`);
      else if (/(^|\/)docker\.sock$/.test(source)) warnings.push(`service ${name} mounts the Docker socket (${source}): it controls every container on this host`);
      else warnings.push(`service ${name} mounts host path ${source}, outside the release`);
    }
  }
  return warnings;
}
