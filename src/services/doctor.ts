import fs from 'node:fs';
import type { ServiceContext } from './context.js';
import { toOtterError } from './errors.js';
import { INSTANCE_LABEL } from './commands/engine.js';
import { MANAGED_DIR_MODE } from './paths.js';
import { STATE_FILE_MODE } from '../db/connection.js';
import { freeSpace, gib, lowSpaceWarnings } from './disk-space.js';
import { proxyHealth, proxyStatus } from './proxy/proxy-status.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** Warnings do not fail `doctor`. */
  level: 'ok' | 'warn' | 'fail';
  detail: string;
}

const MIN_GIT = [2, 30];

export function gitVersionOk(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > MIN_GIT[0]! || (major === MIN_GIT[0] && minor >= MIN_GIT[1]!);
}

export async function runDoctor(ctx: ServiceContext): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const add = (name: string, level: DoctorCheck['level'], detail: string) => checks.push({ name, ok: level !== 'fail', level, detail });

  const server = await ctx.engine.serverVersion();
  add('docker engine', server ? 'ok' : 'fail', server ? `server ${server}` : 'no engine answers `docker version`: start dockerd (scripts/start-engine.sh) or check DOCKER_HOST');

  try {
    const { cli } = await ctx.compose();
    add('docker compose', 'ok', `${cli.argv.join(' ')} ${cli.version} (${cli.kind})`);
  } catch (err) {
    add('docker compose', 'fail', toOtterError(err).message);
  }

  const git = await ctx.git.version();
  if (!git) add('git', 'fail', 'git not found: install git 2.30 or newer');
  else add('git', gitVersionOk(git) ? 'ok' : 'fail', gitVersionOk(git) ? `git ${git}` : `git ${git} is older than 2.30: upgrade git`);

  const root = ctx.paths.root;
  if (ctx.readOnly) {
    const why = ctx.readOnly === 'EROFS' ? 'is on a read-only file system: remount it read-write' : `is not writable (${ctx.readOnly}): run as its owner or fix its permissions`;
    add('data dir', 'fail', `${root} ${why}; until then deploy, rollback, prune and project changes fail, status and history work`);
  } else {
    const mode = fs.statSync(root).mode & 0o777;
    add('data dir', mode === MANAGED_DIR_MODE ? 'ok' : 'warn', `${root} mode ${mode.toString(8)}${mode === MANAGED_DIR_MODE ? '' : ' (expected 750)'}`);
  }
  const dbMode = fs.statSync(ctx.paths.database).mode & 0o777;
  add('state file', dbMode === STATE_FILE_MODE ? 'ok' : 'fail', `${ctx.paths.database} mode ${dbMode.toString(8)}`);

  const min = ctx.settings.get('minFreeDiskGiB');
  for (const space of await freeSpace(ctx)) {
    const low = lowSpaceWarnings([space], min);
    add(`disk space (${space.what})`, low.length ? 'warn' : 'ok', low[0] ?? `${gib(space.freeBytes)} free on ${space.path} (minFreeDiskGiB ${min})`);
  }
  if (server) {
    const proxy = proxyHealth(await proxyStatus(ctx));
    add('proxy', proxy.level, proxy.detail);
  }
  if (server) {
    const { describeSwarm, routingMeshProblem, swarmOverview } = await import('./swarm/swarm-state.js');
    const swarmProjects = (await ctx.store.projects.all()).filter((p) => p.target === 'swarm').length;
    const overview = await swarmOverview(ctx);
    const swarm = describeSwarm(overview, swarmProjects);
    add('swarm', swarm.level, swarm.detail);
    const mesh = overview?.info.isManager ? await routingMeshProblem(ctx) : null;
    if (mesh) add('swarm routing mesh', 'warn', mesh);
  }
  add('instance', 'ok', `${ctx.instanceId} (label ${INSTANCE_LABEL} on this installation's releases)`);
  return checks;
}
