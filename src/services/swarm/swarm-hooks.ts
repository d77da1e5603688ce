/**
 * DESIGN (docs/swarm.md): a swarm release's pre_deploy/post_deploy hook runs as a one-off container
 * of the service's image on the manager (`docker run --rm`), on the stack's attachable overlay
 * network, with the service's environment (from a 0600 file, never the argument list) — the same
 * way a migration reaches the database whichever node runs it. Not its volumes: a hook talks to the
 * other services, it does not share their disks.
 */
import fs from 'node:fs';
import crypto from 'node:crypto';
import type { ServiceContext } from '../context.js';
import { OtterError } from '../errors.js';
import type { Progress } from '../events.js';
import type { Hook } from '../extension.js';
import { runOneOff } from '../hooks.js';
import { INSTANCE_LABEL, PROJECT_LABEL } from '../commands/engine.js';
import { writeGeneratedFile } from '../paths.js';
import { firstStackNetwork } from './stack-render.js';

type Mapping = Record<string, unknown>;

export async function runSwarmHook(ctx: ServiceContext, project: string, stack: string, doc: Mapping, hook: Hook, envFileDir: string, progress: Progress, signal?: AbortSignal): Promise<void> {
  const svc = ((doc.services ?? {}) as Record<string, Mapping>)[hook.service];
  if (!svc) throw new OtterError('usage', `hook ${hook.name} runs in service ${hook.service}, which the release does not have`);
  const image = String(svc.image ?? '');
  if (!image || image.startsWith('-')) throw new OtterError('usage', `hook ${hook.name}: service ${hook.service} has no usable image`);
  const network = await hookNetwork(ctx, stack, doc, svc);
  const envFile = `${envFileDir}/.hook-${crypto.randomBytes(6).toString('hex')}.env`;
  writeGeneratedFile(envFile, envFileText(svc.environment), 0o600);
  const args = ['--network', network, '--env-file', envFile, '--label', `${PROJECT_LABEL}=${project}`, '--label', `${INSTANCE_LABEL}=${ctx.instanceId}`, '--label', `io.otterstack.hook=${hook.name}`];
  if (typeof svc.user === 'string' && svc.user) args.push('--user', svc.user);
  if (typeof svc.working_dir === 'string' && svc.working_dir) args.push('--workdir', svc.working_dir);
  try {
    await runOneOff(ctx, hook, stack, progress, signal, (name, opts) => ctx.swarm.runContainer(['--name', name, ...args, image, ...hook.command], opts));
  } finally {
    fs.rmSync(envFile, { force: true });
  }
}

/** The service's first network as the stack names it (created now when the stack is new). */
async function hookNetwork(ctx: ServiceContext, stack: string, doc: Mapping, svc: Mapping): Promise<string> {
  const net = firstStackNetwork(stack, doc, svc);
  if (!net.external) await ctx.swarm.ensureStackNetwork(stack, net.name);
  return net.name;
}

/**
 * The service's environment as `docker run --env-file` reads it: one KEY=VALUE per line, literally.
 * The compose model escapes a literal `$` as `$$` (for the stack file's own interpolation).
 */
export function envFileText(environment: unknown): string {
  const entries: [string, string][] = Array.isArray(environment)
    ? environment.map(String).map((e) => (e.includes('=') ? [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] : [e, '']))
    : Object.entries((environment ?? {}) as Mapping).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]);
  const lines: string[] = [];
  for (const [key, value] of entries) {
    if (/[\r\n]/.test(value)) throw new OtterError('usage', `hook environment: ${key} has a line break, which docker run --env-file cannot carry`);
    lines.push(`${key}=${value.replace(/\$\$/g, '$')}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
