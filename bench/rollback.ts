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
 * the floor: `docker stop` of the serving release and `docker start` of the kept one by hand, plus one
 * health interval.
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
    // The floor, by hand with the same two releases: the port they share means the serving one must
    // stop before the other can start, exactly as in the rollback.
    const releases = [...new Set(docker(['ps', '-a', '--filter', 'label=com.docker.compose.project', '--format', '{{.Label "com.docker.compose.project"}}']).split('\n'))].filter((cp) =>
      cp.startsWith(`otterstack-${project}-`),
    );
    const ids = (cp: string) => containersOf(cp).map((c) => c.id);
    let serving = releases.find((cp) => containersOf(cp).some((c) => c.state === 'running'))!;
    const starts: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const next = releases.find((cp) => cp !== serving)!;
      starts.push((await timeIt(async () => docker(['stop', '--time', '10', ...ids(serving)]) + docker(['start', ...ids(next)]))).ms);
      serving = next;
    }
    const start = median(starts);
    return [
      {
        metric: `rollback, ${compose.label} (median)`,
        value: median(times),
        unit: 'ms',
        detail: `${RUNS} runs, previous release kept stopped, until healthy; goal = docker stop + start by hand ${start.toFixed(0)} ms + ${HEALTH_INTERVAL_MS} ms interval + 500`,
        goal: start + HEALTH_INTERVAL_MS + 500,
      },
    ];
  } finally {
    purgeProject(project);
  }
}
