import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../test/helpers/cli.js';
import { freePort, httpGet, purgeProject } from '../test/helpers/engine.js';
import { createFixtureRepo } from '../test/helpers/fixture-repo.js';
import type { Row } from './run.js';
import { median, timeIt } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** Rollback between two kept releases (stopped containers are started again), CLI wall time. */
export async function benchRollback(): Promise<Row[]> {
  const port = await freePort();
  const repo = createFixtureRepo(port);
  const project = `bench-rollback-${process.pid}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-bench-'));
  try {
    await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo.dir]);
    for (const ref of ['v1', 'feature']) {
      const r = await runCli(dataDir, ['deploy', project, '--ref', ref]);
      if (r.code !== 0) throw new Error(r.stderr);
    }
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await timeIt(() => runCli(dataDir, ['rollback', project]));
      if (r.value.code !== 0) throw new Error(r.value.stderr);
      const expected = i % 2 === 0 ? 'v1' : 'feature';
      if ((await httpGet(port)) !== expected) throw new Error(`bench: expected ${expected} after rollback`);
      times.push(r.ms);
    }
    return [{ metric: 'rollback (median)', value: median(times), unit: 'ms', detail: `${RUNS} runs, previous release kept stopped, until healthy` }];
  } finally {
    purgeProject(project);
  }
}
