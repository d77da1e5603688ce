import fs from 'node:fs';
import path from 'node:path';
import { OtterError } from './errors.js';
import { MAX_TIMER_SECONDS } from './validation.js';

/** Operator-tunable settings. Stored with `conf` in <data>/settings.json, overridable by env and flags. */
export interface Settings {
  healthTimeoutSeconds: number;
  deployTimeoutSeconds: number;
  worktreeRetention: number;
  historyRetention: number;
  logRetentionDays: number;
  maxParallelDeploys: number;
  /** '' = auto-detect; otherwise 'docker compose' or 'docker-compose' (or a path). */
  composeCommand: string;
  /** Keep the previous release's containers stopped (not removed) so rollback is a `start`. */
  keepPreviousContainers: boolean;
  refreshIntervalSeconds: number;
  cloneTimeoutSeconds: number;
  fetchTimeoutSeconds: number;
  /** The build stage's bound (image-build.ts): a build still running then is stopped and the deploy fails. */
  buildTimeoutSeconds: number;
  /** Blue-green: seconds between the new release turning healthy and stopping the old one. */
  drainSeconds: number;
  /** First retry delay of a failed notification (then doubling). */
  notifyRetryBaseSeconds: number;
  /** Per project and event: at most one health notification per this many seconds. */
  notifyMinIntervalSeconds: number;
  /** watch: engine poll (besides docker events) and GitOps branch poll intervals. */
  watchPollSeconds: number;
  gitopsPollSeconds: number;
  /** A service without a healthcheck must stay running this long before its release counts as healthy. */
  startupGraceSeconds: number;
  /** Blue-green: the Traefik container to route through ('' = the running container whose command line enables the docker provider). */
  traefikContainer: string;
  /**
   * Blue-green: Traefik's API, to confirm it routes to the new release before the old one stops
   * ('' = http://<Traefik's address>:8080 when it runs with --api.insecure=true; traefik-switch.ts).
   */
  traefikApiUrl: string;
  /**
   * Free space wanted on the data dir's and the Docker root's filesystems (disk-space.ts): doctor and
   * the TUI warn below it, and a deploy that builds images refuses to start below half of it.
   */
  minFreeDiskGiB: number;
}

export const DEFAULT_SETTINGS: Settings = {
  healthTimeoutSeconds: 300,
  deployTimeoutSeconds: 900,
  worktreeRetention: 3,
  historyRetention: 50,
  logRetentionDays: 30,
  maxParallelDeploys: 2,
  composeCommand: '',
  keepPreviousContainers: true,
  refreshIntervalSeconds: 5,
  cloneTimeoutSeconds: 600,
  fetchTimeoutSeconds: 120,
  buildTimeoutSeconds: 1800,
  drainSeconds: 5,
  notifyRetryBaseSeconds: 2,
  notifyMinIntervalSeconds: 60,
  watchPollSeconds: 30,
  gitopsPollSeconds: 60,
  startupGraceSeconds: 5,
  traefikContainer: '',
  traefikApiUrl: '',
  minFreeDiskGiB: 5,
};

export type SettingKey = keyof Settings;
export const SETTING_KEYS = Object.keys(DEFAULT_SETTINGS) as SettingKey[];

/** healthTimeoutSeconds -> OTTERSTACK_HEALTH_TIMEOUT_SECONDS */
export function envNameFor(key: SettingKey): string {
  // A unit keeps its letters together: minFreeDiskGiB -> OTTERSTACK_MIN_FREE_DISK_GIB.
  return 'OTTERSTACK_' + key.replace(/GiB$/, 'Gib').replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}

const MAX_SECONDS = MAX_TIMER_SECONDS;

/** Bounds of each numeric setting: zero only where zero means something, integers where counted. */
const NUMBER_BOUNDS: Partial<Record<SettingKey, { min: number; max: number; integer: boolean }>> = {
  healthTimeoutSeconds: { min: 1, max: MAX_SECONDS, integer: false },
  deployTimeoutSeconds: { min: 1, max: MAX_SECONDS, integer: true },
  cloneTimeoutSeconds: { min: 1, max: MAX_SECONDS, integer: true },
  fetchTimeoutSeconds: { min: 1, max: MAX_SECONDS, integer: true },
  refreshIntervalSeconds: { min: 1, max: MAX_SECONDS, integer: true },
  drainSeconds: { min: 0, max: MAX_SECONDS, integer: true },
  buildTimeoutSeconds: { min: 1, max: MAX_SECONDS, integer: true },
  notifyRetryBaseSeconds: { min: 1, max: MAX_SECONDS, integer: true },
  notifyMinIntervalSeconds: { min: 0, max: MAX_SECONDS, integer: true },
  watchPollSeconds: { min: 1, max: MAX_SECONDS, integer: true },
  gitopsPollSeconds: { min: 1, max: MAX_SECONDS, integer: true },
  worktreeRetention: { min: 1, max: 1000, integer: true },
  historyRetention: { min: 1, max: 1_000_000, integer: true },
  logRetentionDays: { min: 1, max: 36_500, integer: true },
  maxParallelDeploys: { min: 1, max: 64, integer: true },
  startupGraceSeconds: { min: 0, max: 3600, integer: false },
  minFreeDiskGiB: { min: 0, max: 1_000_000, integer: false },
};

export function parseSettingValue(key: SettingKey, raw: string): Settings[SettingKey] {
  const kind = typeof DEFAULT_SETTINGS[key];
  if (key === 'traefikContainer') {
    // Docker's container-name rule; '' = detect.
    if (raw !== '' && !/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(raw)) throw new OtterError('usage', `invalid value ${JSON.stringify(raw)} for ${key}: use a container name (letters, digits, _ . -) or '' to detect Traefik`);
    return raw.replace(/^\//, '');
  }
  if (key === 'traefikApiUrl') return parseApiUrl(raw);
  if (kind === 'string') return raw;
  if (kind === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new OtterError('usage', `invalid value ${JSON.stringify(raw)} for ${key}: use true or false`);
  }
  const bounds = NUMBER_BOUNDS[key] ?? { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true };
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(n) || n < bounds.min || n > bounds.max || (bounds.integer && !Number.isInteger(n))) {
    throw new OtterError('usage', `invalid value ${JSON.stringify(raw)} for ${key}: use ${bounds.integer ? 'a whole number' : 'a number'} from ${bounds.min} to ${bounds.max}`);
  }
  return n;
}

/** '' or an http(s) URL without credentials (they would be stored and shown), query or fragment; no trailing slash. */
function parseApiUrl(raw: string): string {
  const text = raw.trim();
  if (text === '') return '';
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    /* reported below */
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.search || url.hash) {
    throw new OtterError('usage', `invalid value for traefikApiUrl: use Traefik's API address like http://127.0.0.1:8080 (http or https, no credentials, query or #), or '' to use --api.insecure`);
  }
  return url.href.replace(/\/+$/, '');
}

export function isSettingKey(key: string): key is SettingKey {
  return (SETTING_KEYS as string[]).includes(key);
}

/**
 * Layers: defaults < settings file < environment < explicit overrides (flags).
 * Reads settings.json with one JSON.parse; `conf` (and its JSON-schema stack) is loaded only to
 * write it (`config set`), so commands that only read settings start faster (npm run bench).
 */
export class SettingsStore {
  private file: Partial<Record<SettingKey, unknown>> | null = null;

  constructor(
    private readonly dataDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly overrides: Partial<Settings> = {},
  ) {}

  private get filePath(): string {
    return path.join(this.dataDir, 'settings.json');
  }

  private stored(): Partial<Record<SettingKey, unknown>> {
    if (this.file) return this.file;
    let text: string;
    try {
      text = fs.readFileSync(this.filePath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return (this.file = {});
      throw new OtterError('environment', `cannot read ${this.filePath}: ${(err as Error).message}`);
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      return (this.file = parsed as Partial<Record<SettingKey, unknown>>);
    } catch (err) {
      throw new OtterError('usage', `${this.filePath} is not a JSON object of settings (${(err as Error).message}): fix it or remove it`);
    }
  }

  get<K extends SettingKey>(key: K): Settings[K] {
    if (key in this.overrides) return this.overrides[key] as Settings[K];
    const envValue = this.env[envNameFor(key)];
    if (envValue !== undefined && envValue !== '') return parseSettingValue(key, envValue) as Settings[K];
    const stored = this.stored()[key];
    if (stored === undefined) return DEFAULT_SETTINGS[key];
    // Hand edits are validated like flags: a typo must fail the command, not the deploy.
    if (typeof stored !== typeof DEFAULT_SETTINGS[key]) {
      throw new OtterError('usage', `invalid ${key} ${JSON.stringify(stored)} in ${this.filePath}: expected a ${typeof DEFAULT_SETTINGS[key]}; fix it with otterstack config set`);
    }
    return parseSettingValue(key, String(stored)) as Settings[K];
  }

  /** Every layer of every setting checked at once: a bad value fails the command before any lock. */
  validate(): void {
    this.all();
  }

  all(): Settings {
    const out = {} as Record<SettingKey, unknown>;
    for (const key of SETTING_KEYS) out[key] = this.get(key);
    return out as unknown as Settings;
  }

  /** Where each effective value comes from, for `config list`. */
  source(key: SettingKey): 'flag' | 'env' | 'file' | 'default' {
    if (key in this.overrides) return 'flag';
    if (this.env[envNameFor(key)]) return 'env';
    const stored = this.stored()[key];
    return stored !== undefined && stored !== DEFAULT_SETTINGS[key] ? 'file' : 'default';
  }

  /** Validates, then writes through conf (atomic write, mode 0600). */
  async set(key: SettingKey, raw: string): Promise<void> {
    const value = parseSettingValue(key, raw);
    const { default: Conf } = await import('conf');
    const conf = new Conf<Settings>({ cwd: this.dataDir, configName: 'settings', defaults: DEFAULT_SETTINGS, configFileMode: 0o600, projectName: 'otterstack' });
    conf.set(key, value);
    this.file = null;
  }
}
