import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../test/helpers/cli.js';
import { containersOf, docker, freePort, httpGet, purgeProject } from '../test/helpers/engine.js';
import { createFixtureRepo } from '../test/helpers/fixture-repo.js';
import { COMPOSE_VERSIONS, type ComposeVersion, type Row } from './run.js';
import { median, timeIt } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** The fixture's healthcheck interval: the engine cannot report healthy sooner than this. */
const HEALTH_INTERVAL_MS = 1000;

export async function benchRollback(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const compose of COMPOSE_VERSIONS) rows.push(...(await benchOne(compose)));
  return rows;
}

/**
 * Rollback between two kept releases (stopped containers are started again), CLI wall time, against
 * the floor: `docker start` of the same stopped container by hand, plus one health interval.
 */
async function benchOne(compose: ComposeVersion): Promise<Row[]> {
  const env = { OTTERSTACK_COMPOSE_COMMAND: compose.setting };
  const port = await freePort();
  const repo = createFixtureRepo(port);
  const project = `bench-rollback-${process.pid}-${compose.label.replace(/\W/g, '')}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-bench-'));
  try {
    await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo.dir], env);
    for (const ref of ['v1', 'feature']) {
      const r = await runCli(dataDir, ['deploy', project, '--ref', ref], env);
      if (r.code !== 0) throw new Error(r.stderr);
    }
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await timeIt(() => runCli(dataDir, ['rollback', project], env));
      if (r.value.code !== 0) throw new Error(r.value.stderr);
      const expected = i % 2 === 0 ? 'v1' : 'feature';
      if ((await httpGet(port)) !== expected) throw new Error(`bench: expected ${expected} after rollback`);
      times.push(r.ms);
    }
    // The floor: the now-stopped release's container started by hand.
    const stopped = docker(['ps', '-a', '--filter', `label=com.docker.compose.project`, '--filter', 'status=exited', '--format', '{{.Label "com.docker.compose.project"}}'])
      .split('\n')
      .find((cp) => cp.startsWith(`otterstack-${project}-`))!;
    const starts: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const ids = containersOf(stopped).map((c) => c.id);
      starts.push((await timeIt(async () => docker(['start', ...ids]))).ms);
      docker(['stop', '--time', '10', ...ids]);
    }
    const start = median(starts);
    return [
      {
        metric: `rollback, ${compose.label} (median)`,
        value: median(times),
        unit: 'ms',
        detail: `${RUNS} runs, previous release kept stopped, until healthy; goal = docker start ${start.toFixed(0)} ms + ${HEALTH_INTERVAL_MS} ms interval + 500`,
        goal: start + HEALTH_INTERVAL_MS + 500,
      },
    ];
  } finally {
    purgeProject(project);
  }
}
