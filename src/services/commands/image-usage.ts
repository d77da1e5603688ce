/**
 * The engine's own accounting of image disk space (`docker system df -v`): the only place docker
 * says how much of an image no other image shares, which is what removing it gives back. The CLI
 * prints sizes for people (4 significant digits, decimal units), so the bytes read here are as
 * exact as docker's own report and no more.
 */

export interface ImageUsage {
  id: string;
  /** Bytes of layers no other image on the host uses: what removing this image frees now. */
  uniqueBytes: number;
}

const UNITS: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, PB: 1e15 };

/** "106.3MB" → 106300000 (go-units' HumanSize: decimal units); NaN for anything else. */
export function parseHumanSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKMGTP]?B)\s*$/.exec(text);
  if (!m) return Number.NaN;
  return Math.round(Number(m[1]) * UNITS[m[2]!]!);
}

/** `docker system df -v --format '{{json .Images}}'` → "repository:tag" → usage (untagged images skipped). */
export function parseImageUsage(stdout: string): Map<string, ImageUsage> {
  const out = new Map<string, ImageUsage>();
  let rows: unknown;
  try {
    rows = JSON.parse(stdout.trim() || '[]');
  } catch {
    return out;
  }
  if (!Array.isArray(rows)) return out;
  for (const row of rows as Record<string, unknown>[]) {
    const repo = String(row.Repository ?? '');
    const tag = String(row.Tag ?? '');
    if (!repo || repo === '<none>' || !tag || tag === '<none>') continue;
    const unique = parseHumanSize(String(row.UniqueSize ?? ''));
    out.set(`${repo}:${tag}`, { id: String(row.ID ?? ''), uniqueBytes: Number.isFinite(unique) ? unique : 0 });
  }
  return out;
}

/** Bytes for people, the way docker prints them (decimal units). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 'B';
  for (const u of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = u;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${unit}`;
}
