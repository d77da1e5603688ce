/**
 * `npm run bench`: measures what the issues ask for and writes bench/results/<stamp>.json.
 * Not part of `npm test`: numbers, not assertions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { benchDeployOverhead } from './deploy-overhead.js';
import { benchHistory } from './history.js';
import { benchStatus } from './status.js';
import { benchRollback } from './rollback.js';
import { benchTui } from './tui.js';
import { benchDowntime } from './downtime.js';
import { benchFloor } from './floor.js';
import { benchBuildDeploy } from './build-deploy.js';
import { benchProxy } from './proxy.js';
import { benchWebhooks } from './webhooks.js';
import { benchSwarm } from './swarm.js';

interface Row {
  metric: string;
  value: number;
  unit: string;
  detail: string;
  /** The bound this figure must stay within (value <= goal), where the issues set one. */
  goal?: number;
}

/** Compose versions the deploy and rollback suites run under (both sides of each comparison). */
export const COMPOSE_VERSIONS = [
  { label: 'compose v1', argv: ['docker-compose'], setting: 'docker-compose' },
  { label: 'compose v2', argv: ['docker', 'compose'], setting: 'docker compose' },
] as const;
export type ComposeVersion = (typeof COMPOSE_VERSIONS)[number];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const suites: [string, () => Promise<Row[]>][] = [
    ['floor', benchFloor],
    ['deploy', benchDeployOverhead],
    ['rollback', benchRollback],
    ['status', benchStatus],
    ['history', benchHistory],
    ['tui', benchTui],
    ['downtime', benchDowntime],
    ['build', benchBuildDeploy],
    ['proxy', benchProxy],
    ['webhooks', benchWebhooks],
    ['swarm', benchSwarm],
  ];
  const rows: Row[] = [];
  for (const [name, fn] of suites) {
    if (only.length && !only.includes(name)) continue;
    process.stderr.write(`bench: ${name}...\n`);
    rows.push(...(await fn()));
  }
  const width = Math.max(...rows.map((r) => r.metric.length));
  console.log(`${'METRIC'.padEnd(width)}  ${'VALUE'.padStart(10)}  UNIT  ${'GOAL'.padStart(10)}  MET  DETAIL`);
  for (const r of rows) {
    const goal = r.goal === undefined ? '-'.padStart(10) : `<= ${r.goal.toFixed(2)}`.padStart(10);
    const met = r.goal === undefined ? '   ' : r.value <= r.goal ? 'yes' : 'NO ';
    console.log(`${r.metric.padEnd(width)}  ${r.value.toFixed(2).padStart(10)}  ${r.unit.padEnd(4)}  ${goal}  ${met}  ${r.detail}`);
  }
  const dir = path.resolve('bench/results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const withVerdict = rows.map((r) => ({ ...r, met: r.goal === undefined ? null : r.value <= r.goal }));
  fs.writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), node: process.version, rows: withVerdict }, null, 2));
  console.log(`\nwritten ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

export type { Row };
