import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Row } from './run.js';
import { median, timeIt } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/**
 * What no OtterStack change can go below on this machine today: starting Node on an empty module,
 * and one `docker ps` (status and the TUI ask the engine through the docker CLI). Printed so the
 * start-up rows can be read against the machine they ran on: these figures vary a lot between days.
 */
export async function benchFloor(): Promise<Row[]> {
  const empty = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'otter-bench-floor-')), 'empty.mjs');
  fs.writeFileSync(empty, '');
  const node: number[] = [];
  const ps: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const n = await timeIt(async () => execFileSync(process.execPath, [empty]));
    const d = await timeIt(async () => execFileSync('docker', ['ps', '--all', '--filter', 'label=com.docker.compose.project', '--format', '{{json .}}']));
    if (i === 0) continue; // warm-up
    node.push(n.ms);
    ps.push(d.ms);
  }
  const rss = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.memoryUsage().rss))']).toString()) / 1024 / 1024;
  return [
    { metric: 'floor: node on an empty module (median)', value: median(node), unit: 'ms', detail: `node ${process.version}, whole process` },
    { metric: 'floor: node RSS, empty script', value: rss, unit: 'MiB', detail: `node ${process.version}` },
    { metric: 'floor: docker ps (median)', value: median(ps), unit: 'ms', detail: 'whole process, the one engine call of status' },
  ];
}
