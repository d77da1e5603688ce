import path from 'node:path';
import { INSTANCE_LABEL, ONESHOT_LABEL } from './commands/engine.js';
import { isInside } from './paths.js';
import type { TrackedPaths } from './tracked-paths.js';

/**
 * Builds the compose override that makes data outlive releases (DESIGN "Data must outlive releases").
 * Input is the resolved configuration from `compose config` (v1 and v2 both resolve relative
 * bind sources to absolute paths). Pure: unit-tested without docker.
 */
export interface OverrideInput {
  config: Record<string, unknown>;
  project: string;
  composeProject: string;
  /** Absolute path of the release worktree. */
  worktree: string;
  /** Relative (to the worktree) bind sources that persist under sharedDir. */
  persistentPaths: string[];
  /** <data>/shared/<project> */
  sharedDir: string;
  /** Labelled on every service so this installation can tell its releases apart. */
  instanceId: string;
  /** Services labelled one-shot (exit 0 = done), so health reads it even for a kept release. */
  oneshots?: string[];
  /** What git tracks at this release: decides whether a bind mount is release content or data. */
  tracked: TrackedPaths;
  /** Map writable bind mounts of paths not in the release to persistent folders without asking. */
  autoPersist?: boolean;
}

type BindDecision = 'release' | 'persistent' | 'persistent-tracked' | 'auto-persistent' | 'data';

/**
 * DESIGN (docs/compose-files.md): a bind mount into the checkout is decided by what the path is.
 * Tracked content is the release's own (config, code): mounted from its worktree. A listed
 * persistent path lives under sharedDir. Anything else that is written is data, which must not
 * live in a worktree that prune deletes.
 */
function decideBind(rel: string, readOnly: boolean, persistent: string[], input: OverrideInput): BindDecision {
  const kind = input.tracked.kind(rel);
  if (persistent.some((p) => rel === p || rel.startsWith(p + '/'))) return kind === 'content' ? 'persistent-tracked' : 'persistent';
  if (kind === 'content' || readOnly) return 'release';
  return input.autoPersist ? 'auto-persistent' : 'data';
}

export interface OverrideResult {
  override: Record<string, unknown>;
  /** Pinned volume key -> engine volume name. */
  pinnedVolumes: Record<string, string>;
  /**
   * Pinned volumes declared `external` in the override: the caller creates them (labelled with the
   * project and instance) before `up`. Compose then never owns them, so it neither warns that they
   * "already exist but were created for project …" (v2) nor removes them on `down -v`.
   */
  externalVolumes: string[];
  /** Host directories (under sharedDir) the caller must create before `up`. */
  sharedDirs: string[];
  errors: string[];
  warnings: string[];
  /** Informational lines (how a mount is used): printed, never a failure. */
  notes: string[];
}

export function pinnedVolumeName(project: string, key: string): string {
  return `otterstack-${project}_${key}`;
}

interface Mount {
  type: string;
  source: string;
  target: string;
  readOnly: boolean;
}

/** Normalises short ("src:dst:ro") and long ({type, source, target}) volume syntax. */
export function parseMount(entry: unknown): Mount | null {
  if (typeof entry === 'string') {
    const parts = entry.split(':');
    if (parts.length === 1) return { type: 'volume', source: '', target: parts[0]!, readOnly: false };
    const [source, target, mode = ''] = parts as [string, string, string?];
    const type = source.startsWith('/') || source.startsWith('.') || source.startsWith('~') ? 'bind' : 'volume';
    return { type, source, target, readOnly: mode.split(',').includes('ro') };
  }
  if (entry && typeof entry === 'object') {
    const e = entry as { type?: string; source?: string; target?: string; read_only?: boolean };
    if (!e.target) return null;
    return { type: e.type ?? 'volume', source: e.source ?? '', target: e.target, readOnly: e.read_only === true };
  }
  return null;
}

/** `external` with `name` needs file format 2.1+/3.4+; older v1 formats take `external: {name}`. */
function externalVolume(name: string, version: unknown): Record<string, unknown> {
  const m = typeof version === 'string' ? /^(\d+)(?:\.(\d+))?/.exec(version) : null;
  const [major, minor] = m ? [Number(m[1]), Number(m[2] ?? 0)] : [Infinity, 0];
  const legacy = (major === 2 && minor < 1) || (major === 3 && minor < 4);
  return legacy ? { external: { name } } : { external: true, name };
}

export function buildOverride(input: OverrideInput): OverrideResult {
  const { config, project, composeProject, worktree, sharedDir } = input;
  const result: OverrideResult = { override: {}, pinnedVolumes: {}, externalVolumes: [], sharedDirs: [], errors: [], warnings: [], notes: [] };

  const volumes = (config.volumes ?? {}) as Record<string, Record<string, unknown> | null>;
  const volumeOverride: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(volumes)) {
    const d = def ?? {};
    if (d.external) continue;
    const name = typeof d.name === 'string' ? d.name : null;
    // compose v2 fills in the default `<project>_<key>` name itself; that one is release-scoped, so pin it.
    if (name && name !== `${composeProject}_${key}`) continue;
    const pinned = pinnedVolumeName(project, key);
    result.pinnedVolumes[key] = pinned;
    // An override cannot delete keys, and compose refuses `external` next to driver, driver_opts or
    // labels: such volumes keep a pinned name only (compose creates them with their options).
    if (Object.keys(d).some((k) => k !== 'name')) {
      volumeOverride[key] = { name: pinned };
    } else {
      volumeOverride[key] = externalVolume(pinned, config.version);
      result.externalVolumes.push(pinned);
    }
  }
  if (Object.keys(volumeOverride).length > 0) result.override.volumes = volumeOverride;

  const services = (config.services ?? {}) as Record<string, { volumes?: unknown[] } | null>;
  const persistent = input.persistentPaths.map((p) => path.posix.normalize(p.replace(/^\.\//, '')));
  const serviceOverride: Record<string, Record<string, unknown>> = {};
  for (const [service, def] of Object.entries(services)) {
    serviceOverride[service] = { labels: { [INSTANCE_LABEL]: input.instanceId, ...(input.oneshots?.includes(service) ? { [ONESHOT_LABEL]: 'true' } : {}) } };
    const remapped: string[] = [];
    for (const entry of def?.volumes ?? []) {
      const m = parseMount(entry);
      if (!m || m.type !== 'bind' || !path.isAbsolute(m.source) || !isInside(m.source, worktree)) continue;
      const rel = path.relative(worktree, m.source) || '.';
      const decision = decideBind(rel, m.readOnly, persistent, input);
      const shown = rel === '.' ? 'the whole checkout (.)' : `./${rel}`;
      if (decision === 'release') {
        if (!m.readOnly) result.notes.push(`service ${service} mounts ${shown} from the release (tracked in git): writes there stay with this release and go when it is pruned`);
      } else if (decision === 'data') {
        result.errors.push(
          `service ${service} mounts ./${rel}, which is not in the release (not tracked in git), so it holds data that a prune would delete: ` +
            `run otterstack project set ${project} --persistent ./${rel} (or --auto-persist), or use a named volume`,
        );
      } else {
        const hostPath = path.join(sharedDir, rel);
        result.sharedDirs.push(hostPath);
        remapped.push(`${hostPath}:${m.target}${m.readOnly ? ':ro' : ''}`);
        if (decision === 'auto-persistent') result.notes.push(`service ${service} mounts ./${rel}, which is not in the release: kept as persistent data in ${hostPath} (--auto-persist)`);
        if (decision === 'persistent-tracked') {
          result.warnings.push(`service ${service} mounts ./${rel}, tracked in git but listed persistent: it keeps the content it was created with and no longer follows new releases`);
        }
      }
    }
    if (remapped.length > 0) serviceOverride[service]!.volumes = remapped;
  }
  if (Object.keys(serviceOverride).length > 0) result.override.services = serviceOverride;
  if (typeof config.version === 'string' && Object.keys(result.override).length > 0) {
    result.override = { version: config.version, ...result.override };
  }
  return result;
}
