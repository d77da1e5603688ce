import path from 'node:path';
import { OtterError } from './errors.js';

/** Node's timers hold at most 2^31-1 ms; a longer bound would fire at once (and kill compose). */
export const MAX_TIMER_SECONDS = 2_147_483;

/** Names become directory names and part of compose project names, so only [a-z0-9-]. */
const PROJECT_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function validateProjectName(name: string): string {
  if (!PROJECT_NAME.test(name)) {
    throw new OtterError(
      'usage',
      `invalid project name ${JSON.stringify(name)}: use 1-63 lowercase letters, digits or '-', starting with a letter or digit`,
    );
  }
  return name;
}

/**
 * Refs reach git only after --end-of-options, but we still refuse anything that looks like an
 * option, a path escape or shell syntax so that no odd string is ever handed on.
 * Allowed: tag/branch names, raw SHAs, and revision suffixes such as main~1 or v1^.
 */
const REF_CHARS = /^[A-Za-z0-9][A-Za-z0-9._/~^-]*$/;

export function validateRef(ref: string): string {
  const bad =
    ref.length === 0 ||
    ref.length > 255 ||
    !REF_CHARS.test(ref) ||
    ref.includes('..') ||
    ref.includes('//') ||
    ref.endsWith('/') ||
    ref.endsWith('.lock');
  if (bad) {
    throw new OtterError(
      'usage',
      `invalid ref ${JSON.stringify(ref)}: give a tag, branch or commit SHA (letters, digits, '.', '_', '-', '/', '~', '^'; no leading '-' or '..')`,
    );
  }
  return ref;
}

/** A SHA prefix as typed by an operator for rollback --to / logs --deployment. */
export function validateShaPrefix(prefix: string): string {
  if (!/^[0-9a-f]{4,40}$/.test(prefix)) {
    throw new OtterError('usage', `invalid SHA prefix ${JSON.stringify(prefix)}: give 4-40 lowercase hex characters`);
  }
  return prefix;
}

/** Compose file paths are relative to the repository root and may point into a subfolder (monorepos). */
export function validateComposeFile(file: string): string {
  const normal = path.posix.normalize(file);
  const bad =
    file.length === 0 ||
    file.length > 512 ||
    path.posix.isAbsolute(file) ||
    normal.startsWith('..') ||
    file.startsWith('-') ||
    /[\x00-\x1f\x7f-\x9f]/.test(file);
  if (bad) {
    throw new OtterError(
      'usage',
      `invalid compose file ${JSON.stringify(file)}: give a path relative to the repository root, without '..' or control characters`,
    );
  }
  return normal;
}

/** Persistent paths are relative bind-mount sources that must survive releases (see DESIGN). */
export function validatePersistentPath(p: string): string {
  const normal = path.posix.normalize(p.replace(/^\.\//, ''));
  if (p.length === 0 || path.posix.isAbsolute(p) || normal.startsWith('..') || normal === '.' || /[\x00-\x1f\x7f-\x9f]/.test(p)) {
    throw new OtterError('usage', `invalid persistent path ${JSON.stringify(p)}: give a relative path inside the repository, like ./data`);
  }
  return normal;
}

/** `--owner uid:gid`, numeric (a container's user has no name on the host). */
export function validateOwner(raw: string): string {
  const m = /^(\d{1,10}):(\d{1,10})$/.exec(raw);
  if (!m || Number(m[1]) > 4294967294 || Number(m[2]) > 4294967294) {
    throw new OtterError('usage', `invalid --owner ${JSON.stringify(raw)}: use numeric uid:gid, like 65534:65534 (see the image's USER)`);
  }
  return `${Number(m[1])}:${Number(m[2])}`;
}

export function parseDurationSeconds(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new OtterError('usage', `invalid ${what} ${JSON.stringify(text)}: use a number with an optional unit, like 90s, 5m or 1h`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = unit === 'ms' ? 0.001 : unit === 's' ? 1 : unit === 'm' ? 60 : 3600;
  const seconds = n * factor;
  if (seconds <= 0) throw new OtterError('usage', `invalid ${what} ${JSON.stringify(text)}: must be greater than zero`);
  if (seconds > MAX_TIMER_SECONDS) throw new OtterError('usage', `invalid ${what} ${JSON.stringify(text)}: at most ${MAX_TIMER_SECONDS}s (about 24 days)`);
  return seconds;
}
