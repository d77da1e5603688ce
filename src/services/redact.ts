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

/** Masks values of *_KEY/*_SECRET/*_PASSWORD/*_TOKEN in `NAME=value` and `NAME: value` forms. */
export function maskSecrets(text: string): string {
  return text.replace(
    /\b([A-Za-z0-9_.-]*(?:KEY|SECRET|PASSWORD|TOKEN))(\s*[=:]\s*)("[^"\n]*"|'[^'\n]*'|[^\s,;"'}]+)/gi,
    (match, name: string, sep: string) => (isSecretName(name) ? `${name}${sep}****` : match),
  );
}

/** Everything written to logs, the database or output passes through here. */
export function redact(text: string): string {
  return maskSecrets(stripUrlUserinfo(text));
}
