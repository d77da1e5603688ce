import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../test/helpers/cli.js';
import { docker, freePort, httpGet, purgeProject } from '../test/helpers/engine.js';
import { createFixtureRepo, git } from '../test/helpers/fixture-repo.js';
import { waitFor } from '../test/helpers/wait.js';
import type { Row } from './run.js';
import { median, timeIt } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** The same steps an operator would type by hand: worktree, compose up, poll health. */
async function manualDeploy(repo: string, sha: string, dir: string, project: string): Promise<void> {
  git(repo, ['worktree', 'add', '--detach', dir, sha]);
  execFileSync('docker-compose', ['-p', project, '-f', path.join(dir, 'compose.yaml'), 'up', '-d'], { stdio: 'ignore' });
  await waitFor(
    () => docker(['ps', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Status}}']).includes('(healthy)'),
    'manual release healthy',
    120_000,
  );
}

export async function benchDeployOverhead(): Promise<Row[]> {
  const port = await freePort();
  const repo = createFixtureRepo(port);
  const otter: number[] = [];
  const manual: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const project = `bench-deploy-${process.pid}-${i}`;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-bench-'));
    await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo.dir]);
    const o = await timeIt(() => runCli(dataDir, ['deploy', project, '--ref', 'v1']));
    if (o.value.code !== 0) throw new Error(`bench deploy failed: ${o.value.stderr}`);
    otter.push(o.ms);
    if ((await httpGet(port)) !== 'v1') throw new Error('bench: app not serving after deploy');
    purgeProject(project);
    git(repo.dir, ['worktree', 'prune']);

    const manualProject = `bench-manual-${process.pid}-${i}`;
    const wt = path.join(dataDir, 'manual');
    const m = await timeIt(() => manualDeploy(repo.dir, repo.shas.v1!, wt, manualProject));
    manual.push(m.ms);
    execFileSync('docker-compose', ['-p', manualProject, '-f', path.join(wt, 'compose.yaml'), 'down', '-v'], { stdio: 'ignore' });
    git(repo.dir, ['worktree', 'remove', '--force', wt]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const mo = median(otter);
  const mm = median(manual);
  return [
    { metric: 'deploy: otterstack (median)', value: mo, unit: 'ms', detail: `${RUNS} runs, healthy busybox httpd, compose v1` },
    { metric: 'deploy: by hand (median)', value: mm, unit: 'ms', detail: 'git worktree add + compose up -d + health poll' },
    { metric: 'deploy: overhead ratio', value: mo / mm, unit: 'x', detail: 'otterstack / by hand' },
  ];
}
