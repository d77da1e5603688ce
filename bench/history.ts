import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openContext } from '../src/services/context.js';
import { runCli } from '../test/helpers/cli.js';
import type { Row } from './run.js';
import { median, timeIt } from './stats.js';

const ROWS = Number(process.env.BENCH_HISTORY_ROWS ?? 100_000);

/** 100,000 deployment rows over 20 projects; time the history query for one project. */
export async function benchHistory(): Promise<Row[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-bench-history-'));
  const ctx = await openContext({ dataDir });
  try {
    const projects: number[] = [];
    for (let i = 0; i < 20; i++) {
      const p = await ctx.store.projects.insert({ name: `h-${i}`, repo_type: 'local', repo_path: '/nonexistent' });
      projects.push(p.id);
    }
    await ctx.store.db.transaction().execute(async (trx) => {
      const now = Date.now();
      for (let i = 0; i < ROWS; i += 500) {
        const batch = Array.from({ length: Math.min(500, ROWS - i) }, (_, j) => ({
          project_id: projects[(i + j) % projects.length]!,
          git_sha: crypto.randomBytes(20).toString('hex'),
          git_ref: `v${i + j}`,
          action: 'deploy' as const,
          compose_project: 'x',
          worktree_path: '/x',
          status: 'inactive' as const,
          pid: null,
          previous_deployment_id: null,
          started_at: now - (ROWS - i - j) * 1000,
          finished_at: now - (ROWS - i - j) * 1000 + 500,
        }));
        await trx.insertInto('deployments').values(batch).execute();
      }
    });
    await sql`ANALYZE`.execute(ctx.store.db);
    const times: number[] = [];
    for (let i = 0; i < 50; i++) times.push((await timeIt(() => ctx.store.deployments.history(projects[i % projects.length]!, 20))).ms);
    const cli: number[] = [];
    for (let i = 0; i < 5; i++) cli.push((await timeIt(() => runCli(dataDir, ['project', 'show', 'h-3', '--json']))).ms);
    return [
      { metric: `history query, ${ROWS} rows (median)`, value: median(times), unit: 'ms', detail: 'last 20 of one project, index (project_id, started_at)' },
      { metric: `project show CLI, ${ROWS} rows (median)`, value: median(cli), unit: 'ms', detail: 'whole process incl. node start-up' },
    ];
  } finally {
    await ctx.close();
  }
}
