import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openContext } from '../src/services/context.js';
import { getStatus } from '../src/services/status.js';
import { runCli } from '../test/helpers/cli.js';
import { docker, TEST_IMAGE } from '../test/helpers/engine.js';
import type { Row } from './run.js';
import { median, timeIt } from './stats.js';

const PROJECTS = Number(process.env.BENCH_PROJECTS ?? 100);

/**
 * 100 registered projects, each with an active release and a running container carrying the
 * compose labels (created with `docker run` to keep set-up short), then `status --json`.
 */
export async function benchStatus(): Promise<Row[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-bench-status-'));
  const ctx = await openContext({ dataDir });
  const tag = `bs${crypto.randomBytes(2).toString('hex')}`;
  const ids: string[] = [];
  try {
    for (let i = 0; i < PROJECTS; i++) {
      const name = `${tag}-${i}`;
      const sha = crypto.randomBytes(20).toString('hex');
      const cp = `otterstack-${name}-${sha.slice(0, 7)}`;
      const p = await ctx.store.projects.insert({ name, repo_type: 'local', repo_path: '/nonexistent' });
      await ctx.store.deployments.insert({ project_id: p.id, git_sha: sha, git_ref: 'v1', action: 'deploy', compose_project: cp, worktree_path: '/nonexistent', status: 'active', pid: null, previous_deployment_id: null, started_at: Date.now(), finished_at: Date.now() });
      ids.push(docker(['run', '-d', '--init', '--label', `com.docker.compose.project=${cp}`, '--label', 'com.docker.compose.service=web', TEST_IMAGE, 'sleep', '600']));
    }
    const inProcess: number[] = [];
    for (let i = 0; i < 10; i++) inProcess.push((await timeIt(() => getStatus(ctx))).ms);
    const cli: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await timeIt(() => runCli(dataDir, ['status', '--json']));
      if (r.value.code !== 0) throw new Error(r.value.stderr);
      if ((JSON.parse(r.value.stdout) as unknown[]).length !== PROJECTS) throw new Error('bench: wrong status count');
      cli.push(r.ms);
    }
    return [
      { metric: `status: service call, ${PROJECTS} projects (median)`, value: median(inProcess), unit: 'ms', detail: 'getStatus(): 1 docker ps + 2 queries' },
      { metric: `status --json CLI, ${PROJECTS} projects (median)`, value: median(cli), unit: 'ms', detail: 'whole process incl. node start-up', goal: 120 },
    ];
  } finally {
    await ctx.close();
    for (let i = 0; i < ids.length; i += 50) docker(['rm', '-f', ...ids.slice(i, i + 50)]);
  }
}
