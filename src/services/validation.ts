import path from 'node:path';
import { domainToASCII } from 'node:url';
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

/**
 * A domain the proxy answers (`--domain`): an RFC 1123 host name, lowercased, a trailing dot
 * dropped. At least two labels (app.example.com, app.localhost, app.internal): a single label can
 * get no ACME certificate and is too easily a typo. Internationalized names only as punycode, so
 * the stored name is the one DNS and the certificate carry. No wildcard: a wildcard certificate
 * needs the ACME DNS challenge, which OtterStack does not configure.
 */
export function validateDomain(raw: string, flag = '--domain'): string {
  const bad = (why: string) => new OtterError('usage', `invalid ${flag} ${quoted(raw)}: ${why}`);
  if (raw.length === 0) throw bad(flag === '--domain' ? "give a host name such as app.example.com (to remove the project's domains, give --no-domain)" : 'give a host name such as app.example.com');
  if (raw.includes('*')) throw bad('wildcard domains need an ACME DNS challenge, which OtterStack does not configure: give each host name with its own --domain');
  if (/[/:?#@\\]/.test(raw)) throw bad('give the host name only, without scheme, port or path (like app.example.com)');
  if (/[^\x00-\x7f]/.test(raw) && !/[\x00-\x20\x7f-\x9f]/.test(raw)) {
    const ascii = domainToASCII(raw.toLowerCase());
    throw bad(ascii ? `give an internationalized name in punycode: ${ascii}` : "use letters a-z, digits, '-' and dots only");
  }
  const name = raw.toLowerCase().replace(/\.$/, '');
  if (name.length > 253) throw bad('a host name has at most 253 characters');
  const labels = name.split('.');
  if (labels.length < 2) throw bad('give a full host name with a dot, like app.example.com (private hosts: app.internal or app.localhost with --tls internal)');
  for (const label of labels) {
    if (label.length === 0) throw bad('empty label (two dots in a row, or a leading dot)');
    if (!/^[a-z0-9-]+$/.test(label)) throw bad(`label ${quoted(label)} may hold only letters a-z, digits and '-'`);
    if (label.length > 63) throw bad(`label ${label.slice(0, 20)}… is longer than 63 characters`);
    if (label.startsWith('-') || label.endsWith('-')) throw bad(`label ${quoted(label)} starts or ends with '-'`);
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) throw bad('give a host name, not an IP address');
  return name;
}

/** JSON quoting that also escapes C1 controls (JSON leaves U+0080-U+009F as they are; terminals act on them). */
function quoted(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The rule compose applies to service names (compose-spec: ^[a-zA-Z0-9._-]+$), starting with a letter or digit. */
const COMPOSE_SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function isComposeServiceName(name: string): boolean {
  return COMPOSE_SERVICE_NAME.test(name) && name.length <= 255;
}

/** A TCP port 1-65535, as typed (decimal digits only). */
export function parsePort(raw: string): number | null {
  if (!/^[0-9]{1,5}$/.test(raw)) return null;
  const port = Number(raw);
  return port >= 1 && port <= 65535 ? port : null;
}
