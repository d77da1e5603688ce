/**
 * The variables a compose file needs without a default: `${VAR}`, `$VAR`, `${VAR:?msg}`, `${VAR?msg}`.
 * `${VAR:-x}`, `${VAR-x}`, `${VAR:+x}`, `${VAR+x}` and `$$` (a literal dollar) need nothing.
 * Pure; unit-tested. Compose itself would only warn and interpolate an empty string for most of
 * them, which is how a production database password silently becomes "".
 */
export function requiredVariables(text: string): string[] {
  const found = new Set<string>();
  const body = text.replace(/\$\$/g, '');
  for (const m of body.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-+?])?/g)) {
    const op = m[2];
    if (op === undefined || op.endsWith('?')) found.add(m[1]!);
  }
  for (const m of body.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)) found.add(m[1]!);
  return [...found];
}
