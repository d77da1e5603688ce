import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openContext } from '../src/services/context.js';
import { TmuxApp } from '../test/helpers/tmux.js';
import { waitFor } from '../test/helpers/wait.js';
import type { Row } from './run.js';
import { median } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

async function seed(count: number): Promise<string> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-bench-tui-'));
  const ctx = await openContext({ dataDir });
  for (let i = 0; i < count; i++) {
    await ctx.store.projects.insert({ name: `tui-${i}`, repo_type: 'local', repo_path: '/nonexistent' });
  }
  await ctx.close();
  return dataDir;
}

/** Time from process start to the first full paint with data, and RSS right after, in a real pty. */
export async function benchTui(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const count of [1, 100]) {
    const dataDir = await seed(count);
    const paint: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const report = path.join(dataDir, `report-${i}.json`);
      const app = TmuxApp.start(dataDir, { TERM: 'xterm-256color', LANG: 'C.UTF-8', OTTERSTACK_TUI_REPORT_FILE: report });
      try {
        const r = await waitFor(() => (fs.existsSync(report) ? (JSON.parse(fs.readFileSync(report, 'utf8')) as { firstPaintMs: number; rssBytes: number }) : null), 'tui report', 30_000);
        paint.push(r.firstPaintMs);
        rss.push(r.rssBytes / 1024 / 1024);
        app.keys('q');
        await app.exitCode();
      } finally {
        app.kill();
      }
    }
    rows.push({ metric: `tui first full paint, ${count} project(s) (median)`, value: median(paint), unit: 'ms', detail: `${RUNS} runs in tmux; from process start, node ${process.version}`, goal: 150 });
    rows.push({ metric: `tui RSS after first paint, ${count} project(s) (median)`, value: median(rss), unit: 'MiB', detail: `node ${process.version}`, goal: 60 });
  }
  return rows;
}
