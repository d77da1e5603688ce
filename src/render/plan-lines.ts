import type { DeployPreview } from '../services/refs.js';
import { shortSha } from './format.js';

/** One line of a deploy plan; `tone` colours it in the TUI. Plain text: callers escape it. */
export interface PlanLine {
  tone: 'good' | 'bad' | 'warn' | null;
  text: string;
}

const IMAGE_ACTIONS = {
  build: 'build',
  reuse: 'reuse',
  pull: 'pull',
  here: 'use',
  missing: 'MISSING',
} as const;

/**
 * What `plan` prints and the TUI's deploy confirmation shows (the same lines): the running release,
 * problems, then what changes — services, images, volumes (an empty new one loudly), ports, shared
 * services, configuration names — and the commits in between.
 */
export function planLines(pv: DeployPreview): PlanLine[] {
  const out: PlanLine[] = [];
  const line = (text: string, tone: PlanLine['tone'] = null) => out.push({ tone, text });
  line(pv.active ? `running now: ${pv.active.git_ref ?? '-'} (${shortSha(pv.active.git_sha)})` : 'nothing is running yet');
  if (pv.active?.git_sha === pv.sha) line('this is the running release');
  if (pv.problem) line(`${pv.problem.willFail ? 'will fail' : 'could not check'}: ${pv.problem.message}`, 'bad');
  for (const w of pv.warnings) line(`warning: ${w}`, 'warn');
  const r = pv.release;
  if (r) {
    const c = r.changes;
    if (r.comparedWith === 'containers') line('(the running release predates recorded plans: compared with its containers)');
    for (const s of c.servicesAdded) line(`+ service ${s}`, 'good');
    for (const s of c.servicesRemoved) line(`- service ${s}`, 'bad');
    for (const i of c.imagesChanged) line(`~ service ${i.service}: image ${i.from} → ${i.to}`, 'warn');
    for (const i of r.images) {
      const digest = i.currentDigest ? ` (here: ${i.currentDigest.slice(0, 19)})` : '';
      const why = i.why ? ` — ${i.why}` : '';
      line(`image ${IMAGE_ACTIONS[i.action]} ${i.service}: ${i.image}${i.action === 'pull' ? digest : why}`, i.action === 'missing' ? 'bad' : null);
    }
    for (const v of r.emptyVolumes) line(`WARNING: volume ${v} does not exist and will be created EMPTY`, 'bad');
    for (const v of c.volumesRemoved) line(`- volume ${v} (no longer mounted; kept on the engine)`, 'warn');
    for (const p of c.portsAdded) line(`+ port ${p}`, 'good');
    for (const p of c.portsRemoved) line(`- port ${p}`, 'bad');
    for (const s of c.sharedAdded) line(`+ shared service ${s} (started once, outside releases)`, 'good');
    for (const s of c.sharedRemoved) line(`- shared service ${s} (no longer shared by this release)`, 'warn');
    for (const s of c.sharedChanged) line(`~ shared service ${s}: definition changed, it will be replaced`, 'warn');
    for (const k of c.configAdded) line(`+ config ${k}`, 'good');
    for (const k of c.configRemoved) line(`- config ${k}`, 'bad');
    const nothing = Object.values(c).every((v) => v.length === 0) && r.emptyVolumes.length === 0;
    if (nothing && pv.active) line('same services, ports, volumes and configuration names as the running release');
  }
  if (pv.ahead.length || pv.behind.length) line('');
  for (const c of pv.ahead) line(`+ ${shortSha(c.sha)} ${c.subject}`, 'good');
  for (const c of pv.behind) line(`- ${shortSha(c.sha)} ${c.subject}`, 'bad');
  return out;
}
