/**
 * Compose v1 reads the older file format only; a file written for Compose v2 fails there with
 * "wrong Compose file version", which says nothing useful. This names what in the file needs v2.
 * Pure; unit-tested.
 */
const V1_TOP_LEVEL = new Set(['version', 'services', 'volumes', 'networks', 'secrets', 'configs']);

/** Service keys only Compose v2 knows. */
const V2_SERVICE_KEYS = ['develop', 'attach', 'pull_policy', 'post_start', 'pre_stop', 'models', 'provider', 'gpus', 'label_file', 'use_api_socket'];

export function v2OnlySyntax(raw: unknown, v1Output: string): string | null {
  const found: string[] = [];
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const doc = raw as Record<string, unknown>;
    for (const key of Object.keys(doc)) if (!V1_TOP_LEVEL.has(key) && !key.startsWith('x-')) found.push(`top-level ${key}:`);
    for (const [name, svc] of Object.entries((doc.services ?? {}) as Record<string, unknown>)) {
      if (!svc || typeof svc !== 'object') continue;
      for (const key of V2_SERVICE_KEYS) if (key in svc) found.push(`services.${name}.${key}`);
    }
  }
  if (found.length === 0) {
    // v1's own words: "'name' does not match any of the regexes" / "Unsupported config option for services.web: 'develop'".
    const top = /'([^']+)' does not match any of the regexes/.exec(v1Output);
    const option = /Unsupported config option for ([\w.-]+): '([^']+)'/.exec(v1Output);
    if (top) found.push(`top-level ${top[1]}:`);
    else if (option) found.push(`${option[1]}.${option[2]}`);
  }
  if (found.length === 0 && !/wrong Compose file version|does not match any of the regexes/.test(v1Output)) return null;
  const what = found.length > 0 ? `it uses ${found.slice(0, 3).join(', ')}` : 'Compose v1 does not know its format';
  return `this compose file needs Compose v2 (${what}): install the docker compose plugin, or set composeCommand`;
}
