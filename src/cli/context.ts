import type { Command } from 'commander';
import { redactDeep } from './json.js';
import { openContext, type ServiceContext } from '../services/context.js';

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Aborted on SIGINT/SIGTERM so long-running commands stop cleanly. */
  signal: AbortSignal;
}

/** What every command module gets: IO, a way to open the services, and JSON printing. */
export interface CliKit {
  io: CliIO;
  withContext<T>(fn: (ctx: ServiceContext) => Promise<T>): Promise<T>;
  json(value: unknown): void;
}

export function makeKit(program: Command, io: CliIO): CliKit {
  return {
    io,
    async withContext(fn) {
      const ctx = await openContext({ dataDir: program.opts().dataDir });
      try {
        return await fn(ctx);
      } finally {
        await ctx.close();
      }
    },
    json: (value) => io.out(JSON.stringify(redactDeep(value), null, 2)),
  };
}

export function parseIntOption(what: string) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw)) throw new Error(`${what} must be a whole number`);
    return Number(raw);
  };
}
