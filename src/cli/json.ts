import { redact } from '../services/redact.js';

/** JSON output passes every string through redaction (URLs with userinfo, secret values). */
export function redactDeep(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map(redactDeep);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, redactDeep(v)]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)]));
  }
  return value;
}
