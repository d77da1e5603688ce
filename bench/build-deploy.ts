import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../test/helpers/cli.js';
import { docker, purgeProject, TEST_IMAGE } from '../test/helpers/engine.js';
import { git } from '../test/helpers/fixture-repo.js';
import { waitFor } from '../test/helpers/wait.js';
import { COMPOSE_VERSIONS, type ComposeVersion, type Row } from './run.js';
import { median, timeIt } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** A build-based app: the Dockerfile's nonce decides cold (new) or warm (cached) builds. */
function writeApp(dir: string, nonce: string, rev: number): void {
  fs.mkdirSync(path.join(dir, 'app'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'app', 'Dockerfile'), `FROM ${TEST_IMAGE}\nRUN echo ${nonce} > /nonce && sleep 1\n`);
  fs.writeFileSync(path.join(dir, 'compose.yaml'), `services:\n  web:\n    build: ./app\n    init: true\n    command: ["sh", "-c", "sleep 3600"]\n    environment: { REV: "${rev}" }\n`);
}

function run(compose: ComposeVersion, args: string[], cwd: string): void {
  const [cmd, ...pre] = compose.argv;
  execFileSync(cmd, [...pre, ...args], { cwd, stdio: 'ignore' });
}

/** By hand: docker build, compose up, wait until running (the same compose command as OtterStack's). */
async function byHand(compose: ComposeVersion, dir: string, project: string): Promise<void> {
  execFileSync('docker', ['build', '-q', '-t', `${project}-web:bench`, path.join(dir, 'app')], { stdio: 'ignore' });
  fs.writeFileSync(path.join(dir, 'compose.hand.yaml'), fs.readFileSync(path.join(dir, 'compose.yaml'), 'utf8').replace('build: ./app', `image: ${project}-web:bench`));
  run(compose, ['-p', project, '-f', 'compose.hand.yaml', 'up', '-d'], dir);
  await waitFor(() => docker(['ps', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.State}}']).includes('running'), 'by-hand release running', 120_000);
}

export async function benchBuildDeploy(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const compose of COMPOSE_VERSIONS) rows.push(...(await benchOne(compose)));
  return rows;
}

/** Cold: a Dockerfile never built before; warm: the next release with the same Dockerfile (cache). */
async function benchOne(compose: ComposeVersion): Promise<Row[]> {
  const env = { OTTERSTACK_COMPOSE_COMMAND: compose.setting, OTTERSTACK_STARTUP_GRACE_SECONDS: '0' };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-bench-'));
  const t = { otterCold: [] as number[], otterWarm: [] as number[], handCold: [] as number[], handWarm: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    const nonce = crypto.randomBytes(6).toString('hex');
    const project = `bench-build-${process.pid}-${i}`;
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-bench-repo-'));
    git(repo, ['init', '-q', '-b', 'main']);
    for (const rev of [1, 2]) {
      writeApp(repo, nonce, rev);
      git(repo, ['add', '-A']);
      git(repo, ['commit', '-qm', `r${rev}`]);
      git(repo, ['tag', `r${rev}`]);
    }
    await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo], env);
    for (const [ref, into] of [['r1', t.otterCold], ['r2', t.otterWarm]] as const) {
      const o = await timeIt(() => runCli(dataDir, ['deploy', project, '--ref', ref], env));
      if (o.value.code !== 0) throw new Error(`bench build deploy failed: ${o.value.stderr}`);
      into.push(o.ms);
    }
    purgeProject(project);

    const hand = `bench-hand-${process.pid}-${i}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-bench-hand-'));
    writeApp(dir, `${nonce}-hand`, 1);
    t.handCold.push((await timeIt(() => byHand(compose, dir, hand))).ms);
    writeApp(dir, `${nonce}-hand`, 2);
    t.handWarm.push((await timeIt(() => byHand(compose, dir, hand))).ms);
    run(compose, ['-p', hand, '-f', 'compose.hand.yaml', 'down'], dir);
    docker(['image', 'rm', '-f', `${hand}-web:bench`]);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(repo, { recursive: true, force: true });
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  const detail = `${RUNS} runs, FROM busybox + one RUN step; by hand: docker build + ${compose.argv.join(' ')} up -d`;
  return [
    { metric: `deploy with build, cold: otterstack, ${compose.label}`, value: median(t.otterCold), unit: 'ms', detail },
    { metric: `deploy with build, cold: by hand, ${compose.label}`, value: median(t.handCold), unit: 'ms', detail },
    { metric: `deploy with build, warm cache: otterstack, ${compose.label}`, value: median(t.otterWarm), unit: 'ms', detail },
    { metric: `deploy with build, warm cache: by hand, ${compose.label}`, value: median(t.handWarm), unit: 'ms', detail },
  ];
}
