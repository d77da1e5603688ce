/**
 * A prepared release (prepareRelease) as a stack document (stack-render.ts): the compose model of
 * its target, with its shared services, read by `compose config` (v1 or v2). Used by a swarm deploy
 * (which writes it, 0600) and by a dry run (which only reports what the render says).
 */
import fs from 'node:fs';
import type { Project } from '../../db/schema.js';
import type { ServiceContext } from '../context.js';
import { OtterError } from '../errors.js';
import type { Progress } from '../events.js';
import { mostUsefulLine } from '../commands/exec.js';
import { INSTANCE_LABEL, PROJECT_LABEL } from '../commands/engine.js';
import { redact } from '../redact.js';
import { releaseKey, type PreparedRelease } from '../release.js';
import { portModesOf, renderStack } from './stack-render.js';
import { swarmImageTag } from './swarm-settings.js';

export async function releaseStack(ctx: ServiceContext, project: Project, prepared: PreparedRelease, release: string, maxMonitorSeconds: number, progress: Progress): Promise<Record<string, unknown>> {
  const compose = await ctx.compose();
  const { parse } = await import('../yaml.js');
  const model = async (target: PreparedRelease['target']) => {
    const res = await compose.config(target);
    if (res.exitCode !== 0) throw new OtterError('usage', `compose config failed for ${release}: ${redact(mostUsefulLine(`${res.stdout}\n${res.stderr}`))}`);
    return (parse(res.stdout) ?? {}) as Record<string, any>;
  };
  const config = await model(prepared.target);
  const shared = prepared.shared ? await model(prepared.shared.target) : null;
  for (const s of prepared.shared?.services ?? []) (config.services ??= {})[s] = shared!.services[s];
  const raws = prepared.target.files.map((f) => {
    try {
      return parse(fs.readFileSync(f, 'utf8')) as Record<string, unknown> | null;
    } catch {
      return null;
    }
  });
  const rendered = renderStack({
    config,
    services: [...prepared.services, ...(prepared.shared?.services ?? [])],
    singletons: [
      ...(prepared.shared?.services ?? []).map((service) => ({ service, why: 'is a shared service (x-otterstack.shared)' })),
      ...prepared.stateful.map((s) => ({ service: s.service, why: `keeps data (${s.what})` })),
    ],
    images: Object.fromEntries(prepared.built.map((b) => [b.service, project.registry ? swarmImageTag(project.registry, project.name, b.service, releaseKey(release)) : b.tag])),
    portModes: portModesOf(raws),
    release,
    labels: { [PROJECT_LABEL]: project.name, [INSTANCE_LABEL]: ctx.instanceId },
    maxMonitorSeconds,
  });
  for (const n of rendered.notes) progress.stage('validate', n);
  for (const w of rendered.warnings) progress.warning(w);
  return rendered.doc;
}
