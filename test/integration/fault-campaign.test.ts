import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type CliResult, type RunningCli } from '../helpers/cli.js';
import { docker, freePort, httpGet, purgeProject } from '../helpers/engine.js';
import { createHealthyRepo, git, type FixtureRepo } from '../helpers/fixture-repo.js';
import { deployments, lockFiles, runningOperationLogs } from '../helpers/state.js';
import { waitFor } from '../helpers/wait.js';
import { mulberry32 } from '../helpers/random.js';

/**
 * Fault campaign (issue #11): SIGKILL deploy, rollback and prune at seeded random points, run
 * `cleanup` after each, and check that OtterStack is consistent again: one active release that
 * serves, nothing orphaned, volume data intact. Replay a failure with OTTERSTACK_FAULT_SEED=<seed>
 * (the same operations and delays are drawn; where a kill lands still depends on the machine's speed).
 */
const SEED = Number(process.env.OTTERSTACK_FAULT_SEED ?? 0x5eed0b) >>> 0;
/** Kills that must land mid-operation (per compose version). */
const KILLS = 20;
/** No new fault is started after this; the test fails if the kills have not landed by then. */
const BUDGET_MS = 360_000;
const TAGS = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'];
/**
 * A short history retention makes prune (and the prune after each deploy) delete rows too; a
 * bounded health wait keeps a wedged release from eating the time budget.
 */
const ENV = { OTTERSTACK_HISTORY_RETENTION: '6', OTTERSTACK_HEALTH_TIMEOUT_SECONDS: '30' };
/** Statuses of releases cleanup keeps (rollback targets); every other release must be gone. */
const GOOD = new Set(['active', 'inactive', 'rolled_back']);


type Kind = 'deploy' | 'redeploy' | 'rollback' | 'prune';

interface Fault {
  kind: Kind;
  args: string[];
  delayMs: number;
}

const version = process.env.OTTERSTACK_TEST_COMPOSE_VERSION ?? 'vx';
const project = `t-fault-${version}-${crypto.randomBytes(3).toString('hex')}`;
const marker = `seed-${SEED}-${crypto.randomBytes(4).toString('hex')}`;
let dataDir: string;
let repo: FixtureRepo;
let port: number;
/** How long each kind of operation runs once begun, measured once before the campaign. */
const typicalMs = {} as Record<Kind, number>;

const sha7 = (sha: string) => sha.slice(0, 7);
const cpOf = (sha: string) => `otterstack-${project}-${sha7(sha)}`;

/** Every container of the project: its release (compose project), id and state. */
function projectContainers(): { cp: string; id: string; state: string }[] {
  const out = docker(['ps', '-a', '--filter', 'label=com.docker.compose.project', '--format', '{{.Label "com.docker.compose.project"}} {{.ID}} {{.State}}']);
  return out
    .split('\n')
    .filter((l) => l.startsWith(`otterstack-${project}-`))
    .map((l) => {
      const [cp, id, state] = l.split(' ');
      return { cp: cp!, id: id!, state: state! };
    });
}

function activeRow() {
  const active = deployments(dataDir, project).filter((r) => r.status === 'active');
  expect(active, 'exactly one active deployment').toHaveLength(1);
  return active[0]!;
}

/**
 * Resolves once the operation has begun: its first progress line, or its project lock taken (prune
 * prints nothing before it is done), or the process has ended. Node's start-up comes before that
 * and is no part of the operation: kills there would prove nothing (and under load they are most).
 */
async function begun(run: RunningCli): Promise<void> {
  const locks = path.join(dataDir, 'locks');
  let watcher: fs.FSWatcher | undefined;
  await new Promise<void>((resolve) => {
    const check = () => {
      if (run.stdout().trim() || lockHolder() === run.pid) resolve();
    };
    watcher = fs.watch(locks, check);
    run.waitForLine(/./).then(() => resolve(), () => resolve());
    check();
  });
  watcher?.close();
}

function lockHolder(): number | null {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dataDir, 'locks', `${project}.lock`), 'utf8')) as { pid: number }).pid;
  } catch {
    return null;
  }
}

/** Runs an operation to its end; how long it ran once begun. */
async function timed(args: string[]): Promise<number> {
  const run = startCli(dataDir, args, ENV);
  await begun(run);
  const t0 = Date.now();
  const res = await run.done;
  expect(res.code, `${args.join(' ')}: ${res.stdout}${res.stderr}`).toBe(0);
  return Date.now() - t0;
}

/** Draws the next fault; always four draws, so a seed replays the same sequence whatever happens. */
function nextFault(rng: () => number): Fault {
  const [op, pick, keep, delay] = [rng(), rng(), rng(), rng()];
  let kind: Kind;
  let args: string[];
  if (op < 0.5) {
    const active = activeRow().git_ref;
    const others = TAGS.filter((t) => t !== active);
    const tag = others[Math.floor(pick * others.length)]!;
    // A release whose stopped containers are kept only needs a `start`: much faster than a fresh one.
    kind = projectContainers().some((c) => c.cp === cpOf(repo.shas[tag]!)) ? 'redeploy' : 'deploy';
    args = ['deploy', project, '--ref', tag];
  } else if (op < 0.75) {
    kind = 'rollback';
    args = ['rollback', project];
  } else {
    kind = 'prune';
    args = ['prune', project, '--keep', keep < 0.5 ? '1' : '2'];
  }
  return { kind, args, delayMs: Math.round(delay * typicalMs[kind]) };
}

/** Where the killed process was: the stage of its last progress line. */
function lastStage(stdout: string): string {
  const last = stdout.trim().split('\n').pop() ?? '';
  if (!last) return 'locked, no output yet';
  if (/^\[[^\]]*\]\s+\|/.test(last)) return 'compose output';
  return /^\[[^\]]*\]\s+(\S+)/.exec(last)?.[1] ?? '(other)';
}

/**
 * Whether the killed process had begun the operation (not just Node's start-up): it printed
 * progress, or left its lock or its operation log behind.
 */
function hadStarted(pid: number, res: CliResult): boolean {
  if (res.stdout.trim() || lockHolder() === pid) return true;
  const logs = path.join(dataDir, 'logs', project);
  return fs.existsSync(logs) && fs.readdirSync(logs).some((f) => f.endsWith(`-${pid}.log`));
}

/**
 * The state cleanup promises after a crash: one active release, serving, with the volume's
 * marker; no `deploying` row, no lock; containers and worktrees only of releases the database
 * keeps, and only the active one running. Returns the orphan networks it saw (see below).
 */
async function expectConsistent(context: string): Promise<string[]> {
  const rows = deployments(dataDir, project);
  const summary = `${context}\nrows: ${rows.map((r) => `${r.id}:${r.git_ref}@${sha7(r.git_sha)}=${r.status}`).join(' ')}`;
  expect(rows.filter((r) => r.status === 'deploying'), `deploying rows: ${summary}`).toEqual([]);
  const active = rows.filter((r) => r.status === 'active');
  expect(active.length, `active rows: ${summary}`).toBe(1);
  const { git_ref: ref, compose_project: activeCp } = active[0]!;
  const good = new Set(rows.filter((r) => GOOD.has(r.status)).map((r) => sha7(r.git_sha)));

  let served: string | null = null;
  await waitFor(async () => (served = await httpGet(port)) === ref, `active ${ref} serving`, 30_000).catch(() => undefined);
  expect(served, `what port ${port} serves: ${summary}`).toBe(ref);

  const containers = projectContainers();
  const where = `${summary}\ncontainers: ${containers.map((c) => `${c.cp}:${c.state}`).join(' ')}`;
  expect(containers.filter((c) => !good.has(c.cp.slice(-7))), `containers of releases the database does not keep: ${where}`).toEqual([]);
  expect(containers.filter((c) => c.cp !== activeCp && c.state === 'running'), `running containers besides the active release: ${where}`).toEqual([]);
  const mine = containers.filter((c) => c.cp === activeCp);
  expect(mine.length > 0 && mine.every((c) => c.state === 'running'), `active release running: ${where}`).toBe(true);

  // Worktree folders and the files generated beside them (override, blue-green copy).
  const wtDir = path.join(dataDir, 'worktrees', project);
  const entries = fs.existsSync(wtDir) ? fs.readdirSync(wtDir) : [];
  const stray = entries.filter((e) => !good.has(/^([0-9a-f]{7})(?:-c\d+)?(?:\.(?:otterstack\.yaml|release(?:-\d+)?\.yaml|shared\.yaml|compose\.env|shape\.json))?$/.exec(e)?.[1] ?? ''));
  expect(stray, `worktree entries of no kept release: ${summary}\nentries: ${entries.join(' ')}`).toEqual([]);
  // Git's own record of worktrees: none registered for a folder that is neither gone nor kept.
  const registered = git(repo.dir, ['worktree', 'list', '--porcelain'])
    .split('\n\n')
    .filter((b) => !/^prunable/m.test(b))
    .map((b) => /^worktree (.+)$/m.exec(b)?.[1] ?? '')
    .filter((p) => path.basename(path.dirname(p)) === project && !good.has(path.basename(p)));
  expect(registered, `git worktrees of no kept release: ${summary}`).toEqual([]);

  // Also a killed lock attempt's temp file (<lock>.<token>.tmp): cleanup removes it once its holder is dead.
  expect(lockFiles(dataDir), `locks: ${summary}`).toEqual([]);
  expect(runningOperationLogs(dataDir, project), `operation logs still running: ${summary}`).toEqual([]);
  expect(docker(['exec', mine[0]!.id, 'cat', '/data/marker']), `volume marker: ${summary}`).toBe(marker);
  // A compose up killed after creating its network but before any container leaves one; cleanup
  // removes it (no container of any installation uses it).
  const orphans = orphanNetworks(good);
  expect(orphans, `networks of releases the database does not keep: ${summary}`).toEqual([]);
  return orphans;
}

/** Networks of releases the database does not keep. */
function orphanNetworks(good: Set<string>): string[] {
  const nets = docker(['network', 'ls', '--format', '{{.Name}}', '--filter', `name=otterstack-${project}-`]).split('\n').filter(Boolean);
  return nets.filter((n) => !good.has(/^otterstack-[a-z0-9-]+-([0-9a-f]{7})_/.exec(n)?.[1] ?? ''));
}

describe(`fault campaign, compose ${version} (seed ${SEED}; replay with OTTERSTACK_FAULT_SEED=${SEED})`, () => {
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
    port = await freePort();
    repo = createHealthyRepo(port, TAGS);
    expect((await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo.dir])).code).toBe(0);
    // Typical durations, so the random kill points spread over each operation's whole length.
    await timed(['deploy', project, '--ref', 'r0']);
    typicalMs.deploy = await timed(['deploy', project, '--ref', 'r1']);
    typicalMs.rollback = await timed(['rollback', project]);
    typicalMs.redeploy = await timed(['deploy', project, '--ref', 'r1']);
    typicalMs.prune = await timed(['prune', project, '--keep', '2']);
    const web = projectContainers().find((c) => c.cp === cpOf(repo.shas.r1!))!;
    docker(['exec', web.id, 'sh', '-c', `echo ${marker} > /data/marker`]);
    await expectConsistent('before the campaign');
  });
  afterAll(() => purgeProject(project));

  it(`≥ ${KILLS} SIGKILLs mid-operation, each followed by cleanup: consistent every time`, { timeout: BUDGET_MS + 120_000 }, async () => {
    const rng = mulberry32(SEED);
    const started = Date.now();
    const journal: string[] = [`seed ${SEED}, typical ms ${JSON.stringify(typicalMs)}`];
    const stages: Record<string, number> = {};
    const networks = new Set<string>();
    let landed = 0;
    for (let i = 0; landed < KILLS && Date.now() - started < BUDGET_MS; i++) {
      const fault = nextFault(rng);
      const run = startCli(dataDir, fault.args, ENV);
      await begun(run);
      // The seeded random delay: the only wait that is not on a condition.
      await new Promise((r) => setTimeout(r, fault.delayMs));
      run.kill('SIGKILL');
      const res = await run.done;
      const killed = res.signal === 'SIGKILL';
      const mid = killed && hadStarted(run.pid, res);
      const at = killed ? (mid ? lastStage(res.stdout) : 'before start') : `finished (${res.code})`;
      const line = `#${i} ${fault.args.join(' ')} [${fault.kind}] +${fault.delayMs}ms: ${at}`;
      journal.push(line);
      const context = `seed ${SEED}, ${line}\n--- killed process output:\n${res.stdout}${res.stderr}`;
      // Not killed: it ran to the end on its own, and must have succeeded.
      if (!killed) expect(res.code, context).toBe(0);
      if (mid) {
        landed++;
        const key = `${fault.kind}/${at}`;
        stages[key] = (stages[key] ?? 0) + 1;
      }
      const clean = await runCli(dataDir, ['cleanup'], ENV);
      const after = projectContainers().map((c) => `${c.cp}:${c.state}`);
      expect(clean.code, `${context}\n--- cleanup:\n${clean.stdout}${clean.stderr}\n--- containers after it: ${after.join(' ')}`).toBe(0);
      for (const n of await expectConsistent(`${context}\n--- cleanup:\n${clean.stdout}`)) networks.add(n);
    }
    journal.push(`${landed} kills landed mid-operation in ${journal.length - 1} faults, ${Math.round((Date.now() - started) / 1000)}s`, `by kind/stage: ${JSON.stringify(stages)}`, `orphan networks seen: ${[...networks].join(' ') || 'none'}`);
    console.log(`[fault campaign ${version}]\n${journal.join('\n')}`);
    expect(landed, journal.join('\n')).toBeGreaterThanOrEqual(KILLS);
  });

  it('a deploy succeeds afterwards, on the same volume', async () => {
    const target = TAGS.find((t) => t !== activeRow().git_ref)!;
    const res = await runCli(dataDir, ['deploy', project, '--ref', target], ENV);
    expect(res.code, res.stderr).toBe(0);
    expect(await httpGet(port)).toBe(target);
    await expectConsistent(`after deploying ${target}`);
  });
});
