import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../test/helpers/cli.js';
import { docker, freePort, httpGet, purgeProject } from '../test/helpers/engine.js';
import { createFixtureRepo, git } from '../test/helpers/fixture-repo.js';
import { waitFor } from '../test/helpers/wait.js';
import { COMPOSE_VERSIONS, type ComposeVersion, type Row } from './run.js';
import { median, timeIt } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** The same steps an operator would type by hand: worktree, compose up, poll health. */
async function manualDeploy(compose: ComposeVersion, repo: string, sha: string, dir: string, project: string): Promise<void> {
  git(repo, ['worktree', 'add', '--detach', dir, sha]);
  composeRun(compose, ['-p', project, '-f', path.join(dir, 'compose.yaml'), 'up', '-d']);
  await waitFor(
    () => docker(['ps', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Status}}']).includes('(healthy)'),
    'manual release healthy',
    120_000,
  );
}

function composeRun(compose: ComposeVersion, args: string[]): void {
  const [cmd, ...pre] = compose.argv;
  execFileSync(cmd, [...pre, ...args], { stdio: 'ignore' });
}

export async function benchDeployOverhead(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const compose of COMPOSE_VERSIONS) rows.push(...(await benchOne(compose)));
  return rows;
}

/** OtterStack and the by-hand steps both use the same compose command: like with like. */
async function benchOne(compose: ComposeVersion): Promise<Row[]> {
  const env = { OTTERSTACK_COMPOSE_COMMAND: compose.setting };
  const port = await freePort();
  const repo = createFixtureRepo(port);
  const otter: number[] = [];
  const manual: number[] = [];
  // One installation for all runs, as on a server (its compose detection cache is warm after the
  // first command); a new project each run, so every deploy is a first deploy.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-bench-'));
  await runCli(dataDir, ['doctor'], env);
  for (let i = 0; i < RUNS; i++) {
    const project = `bench-deploy-${process.pid}-${i}`;
    await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo.dir], env);
    const o = await timeIt(() => runCli(dataDir, ['deploy', project, '--ref', 'v1'], env));
    if (o.value.code !== 0) throw new Error(`bench deploy failed: ${o.value.stderr}`);
    otter.push(o.ms);
    if ((await httpGet(port)) !== 'v1') throw new Error('bench: app not serving after deploy');
    purgeProject(project);
    git(repo.dir, ['worktree', 'prune']);

    const manualProject = `bench-manual-${process.pid}-${i}`;
    const wt = path.join(dataDir, `manual-${i}`);
    const m = await timeIt(() => manualDeploy(compose, repo.dir, repo.shas.v1!, wt, manualProject));
    manual.push(m.ms);
    composeRun(compose, ['-p', manualProject, '-f', path.join(wt, 'compose.yaml'), 'down', '-v']);
    git(repo.dir, ['worktree', 'remove', '--force', wt]);
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  const mo = median(otter);
  const mm = median(manual);
  return [
    { metric: `deploy: otterstack, ${compose.label} (median)`, value: mo, unit: 'ms', detail: `${RUNS} runs, healthy busybox httpd` },
    { metric: `deploy: by hand, ${compose.label} (median)`, value: mm, unit: 'ms', detail: `git worktree add + ${compose.argv.join(' ')} up -d + health poll` },
    { metric: `deploy: overhead ratio, ${compose.label}`, value: mo / mm, unit: 'x', detail: `otterstack / by hand, both ${compose.argv.join(' ')}`, goal: 1.1 },
  ];
}
