import type { ServiceContext } from '../context.js';
import { OtterError } from '../errors.js';
import { proxyNames } from './proxy-names.js';

/** The proxy container's log (Caddy writes JSON lines to stderr), optionally followed until `signal`. */
export async function proxyLogs(
  ctx: ServiceContext,
  opts: { follow: boolean; tail: number | 'all'; signal?: AbortSignal; onOutput: (chunk: string, stream: 'stdout' | 'stderr') => void },
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const { container } = proxyNames(env);
  if (!(await ctx.engine.containerState(container))) throw new OtterError('not_found', `no proxy container ${container}: run otterstack proxy install`);
  await ctx.engine.containerLogs(container, opts);
}
