import type { Command } from 'commander';
import { redactDeep } from './json.js';
import { openContext, type ServiceContext } from '../services/context.js';
import { OtterError } from '../services/errors.js';
import { isSettingKey, parseSettingValue, type Settings } from '../services/settings.js';

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** What the operator asked to see in clear (`--reveal`): not redacted. */
  revealed: (text: string) => void;
  /** Aborted on SIGINT/SIGTERM so long-running commands stop cleanly. */
  signal: AbortSignal;
}

/** What every command module gets: IO, a way to open the services, and JSON printing. */
export interface CliKit {
  io: CliIO;
  withContext<T>(fn: (ctx: ServiceContext) => Promise<T>, opts?: { checkSettings?: boolean }): Promise<T>;
  json(value: unknown): void;
}

export function makeKit(program: Command, io: CliIO): CliKit {
  return {
    io,
    async withContext(fn, opts = {}) {
      const ctx = await openContext({ dataDir: program.opts().dataDir, settings: parseSettingFlags(program.opts().setting ?? []), checkSettings: opts.checkSettings });
      try {
        return await fn(ctx);
      } finally {
        await ctx.close();
      }
    },
    json: (value) => io.out(JSON.stringify(redactDeep(value), null, 2)),
  };
}

/** `--setting key=value` (repeatable) → typed overrides, the highest-precedence layer. */
export function parseSettingFlags(pairs: string[]): Partial<Settings> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq) : pair;
    if (eq <= 0 || !isSettingKey(key)) throw new OtterError('usage', `invalid --setting ${JSON.stringify(pair)}: use key=value with a key from 'otterstack config list'`);
    out[key] = parseSettingValue(key, pair.slice(eq + 1));
  }
  return out as Partial<Settings>;
}

export function parseIntOption(what: string) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new OtterError('usage', `invalid ${what} ${JSON.stringify(raw)}: use a whole number, 0 or more`);
    return Number(raw);
  };
}
