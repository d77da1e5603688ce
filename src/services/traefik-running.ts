import type { ServiceContext } from './context.js';
import { findTraefik, type TraefikChoice } from './traefik-detect.js';

/** The Traefik among the running containers (traefik-detect.ts), or why the configured one cannot be used. */
export async function runningTraefik(ctx: ServiceContext): Promise<TraefikChoice> {
  const running = await ctx.engine.listRunning();
  return findTraefik(await ctx.engine.inspectProcesses(running.map((c) => c.name)), ctx.settings.get('traefikContainer'));
}
