import Conf from 'conf';
import { OtterError } from './errors.js';

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
  /** Blue-green: seconds between the new release turning healthy and stopping the old one. */
  drainSeconds: number;
  /** First retry delay of a failed notification (then doubling). */
  notifyRetryBaseSeconds: number;
  /** Per project and event: at most one health notification per this many seconds. */
  notifyMinIntervalSeconds: number;
  /** watch: engine poll (besides docker events) and GitOps branch poll intervals. */
  watchPollSeconds: number;
  gitopsPollSeconds: number;
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
  drainSeconds: 5,
  notifyRetryBaseSeconds: 2,
  notifyMinIntervalSeconds: 60,
  watchPollSeconds: 30,
  gitopsPollSeconds: 60,
};

export type SettingKey = keyof Settings;
export const SETTING_KEYS = Object.keys(DEFAULT_SETTINGS) as SettingKey[];

/** healthTimeoutSeconds -> OTTERSTACK_HEALTH_TIMEOUT_SECONDS */
export function envNameFor(key: SettingKey): string {
  return 'OTTERSTACK_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}

export function parseSettingValue(key: SettingKey, raw: string): Settings[SettingKey] {
  const kind = typeof DEFAULT_SETTINGS[key];
  if (kind === 'string') return raw;
  if (kind === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new OtterError('usage', `invalid value ${JSON.stringify(raw)} for ${key}: use true or false`);
  }
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (key !== 'healthTimeoutSeconds' && !Number.isInteger(n))) {
    throw new OtterError('usage', `invalid value ${JSON.stringify(raw)} for ${key}: use a non-negative number`);
  }
  if (key === 'maxParallelDeploys' && n < 1) throw new OtterError('usage', 'maxParallelDeploys must be at least 1');
  return n;
}

export function isSettingKey(key: string): key is SettingKey {
  return (SETTING_KEYS as string[]).includes(key);
}

/** Layers: defaults < settings file < environment < explicit overrides (flags). */
export class SettingsStore {
  private readonly conf: Conf<Settings>;

  constructor(
    dataDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly overrides: Partial<Settings> = {},
  ) {
    this.conf = new Conf<Settings>({
      cwd: dataDir,
      configName: 'settings',
      defaults: DEFAULT_SETTINGS,
      configFileMode: 0o600,
      projectName: 'otterstack',
    });
  }

  get<K extends SettingKey>(key: K): Settings[K] {
    if (key in this.overrides) return this.overrides[key] as Settings[K];
    const envValue = this.env[envNameFor(key)];
    if (envValue !== undefined && envValue !== '') return parseSettingValue(key, envValue) as Settings[K];
    return this.conf.get(key, DEFAULT_SETTINGS[key]);
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
    return this.conf.has(key) && this.conf.store[key] !== DEFAULT_SETTINGS[key] ? 'file' : 'default';
  }

  set(key: SettingKey, raw: string): void {
    this.conf.set(key, parseSettingValue(key, raw));
  }
}
