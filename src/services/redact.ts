/**
 * Removes `user:password@` (or `token@`) from every URL in a text. An ssh:// user without a
 * password (`ssh://git@host`) is an account name, not a secret, and stays.
 */
export function stripUrlUserinfo(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^/\s@]+)@/gi, (match, scheme: string, userinfo: string) =>
    scheme.toLowerCase() === 'ssh://' && !userinfo.includes(':') ? match : scheme,
  );
}

const SECRET_NAME = /^[A-Za-z0-9_.-]*_(KEY|SECRET|PASSWORD|TOKEN)$/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) || /^(KEY|SECRET|PASSWORD|TOKEN)$/i.test(name);
}

/**
 * Masks values of *_KEY/*_SECRET/*_PASSWORD/*_TOKEN in `NAME=value` and `NAME: value` forms. A name
 * inside compose interpolation (`${SECRET_TOKEN:?set it}`) is a reference, not a value: left alone.
 */
/** Help text shows where a value goes (`KEY=…`, `TOKEN=VALUE`, `KEY=<value>`): not a value to mask. */
const PLACEHOLDER = /^(?:…|\.\.\.|VALUE|<[^>]*>|\*+)$/;

export function maskSecrets(text: string): string {
  return text.replace(
    /(?<!\$\{)\b([A-Za-z0-9_.-]*(?:KEY|SECRET|PASSWORD|TOKEN))(\s*[=:]\s*)("[^"\n]*"|'[^'\n]*'|[^\s,;"'}]+)/gi,
    (match, name: string, sep: string, value: string) => (isSecretName(name) && !PLACEHOLDER.test(value) ? `${name}${sep}****` : match),
  );
}

/**
 * Values known to be secret in this process (secret-named variables of the environment and of the
 * release's resolved config), masked wherever they appear, in whatever form: a healthcheck that
 * prints $API_TOKEN or an image named "${DB_PASS}" must not leak it. Very short values are skipped:
 * masking every "1" or "yes" would mangle all text and protect nothing.
 */
const knownSecrets = new Set<string>();
const MIN_SECRET_LENGTH = 4;
let knownPattern: RegExp | null = null;

export function rememberSecretValues(values: Iterable<string>): void {
  for (const v of values) if (v.length >= MIN_SECRET_LENGTH && !knownSecrets.has(v)) {
    knownSecrets.add(v);
    knownPattern = null;
  }
}

/** Remembers the values of every secret-named variable in an environment. */
export function rememberSecretEnv(env: NodeJS.ProcessEnv): void {
  rememberSecretValues(Object.entries(env).filter(([k, v]) => v && isSecretName(k)).map(([, v]) => v!));
}

/** Values of secret-named variables in a resolved compose config (`environment` as map or list, v1 and v2). */
export function secretValuesInConfig(config: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const svc of Object.values((config.services ?? {}) as Record<string, { environment?: unknown } | null>)) {
    const env = svc?.environment;
    const pairs: [string, unknown][] = Array.isArray(env)
      ? env.map((e) => String(e)).map((e) => [e.slice(0, Math.max(0, e.indexOf('='))), e.slice(e.indexOf('=') + 1)])
      : Object.entries((env ?? {}) as Record<string, unknown>);
    for (const [k, v] of pairs) if (isSecretName(k) && v !== null && v !== undefined && v !== '') out.push(String(v));
  }
  return out;
}

export function maskKnownValues(text: string): string {
  if (knownSecrets.size === 0) return text;
  // Longest first, so a secret containing another is masked whole.
  knownPattern ??= new RegExp([...knownSecrets].sort((a, b) => b.length - a.length).map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return text.replace(knownPattern, '****');
}

/** Everything written to logs, the database or output passes through here. */
export function redact(text: string): string {
  return maskSecrets(maskKnownValues(stripUrlUserinfo(text)));
}
