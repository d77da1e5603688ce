import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacSignature } from '../../src/services/notify/backends.js';
import { runCli, runJson, startCli, type RunningCli } from '../helpers/cli.js';
import { containersOf, docker, freePort, purgeProject } from '../helpers/engine.js';
import { appCompose, createHealthyRepo, git, type FixtureRepo } from '../helpers/fixture-repo.js';
import { startHttpReceiver, startSmtpReceiver, type Received } from '../helpers/receivers.js';
import { deployments } from '../helpers/state.js';
import { waitFor } from '../helpers/wait.js';

const suffix = crypto.randomBytes(3).toString('hex');
const project = `t-notify-${suffix}`;
const gitops = `t-gitops-${suffix}`;
const HMAC_KEY = `hmac-${suffix}`;
const env = { OTTERSTACK_TEST_HMAC: HMAC_KEY, OTTERSTACK_NOTIFY_RETRY_BASE_SECONDS: '1', OTTERSTACK_GITOPS_POLL_SECONDS: '1', OTTERSTACK_WATCH_POLL_SECONDS: '2' };
let dataDir: string;
let repo: FixtureRepo;
let http: Awaited<ReturnType<typeof startHttpReceiver>>;
let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
let watcher: RunningCli | null = null;
let latePort: number;

const events = (kind: string, event: string): Received[] =>
  http.received.filter((r) => r.path === `/${kind}` && (kind === 'webhook' ? JSON.parse(r.body).event === event : r.body.includes(event.replace('_', ' ')) || r.body.includes(event)));
const webhookEvents = (event: string) => http.received.filter((r) => r.path === '/webhook').map((r) => JSON.parse(r.body)).filter((b) => b.event === event && b.project === project);

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  [http, smtp] = await Promise.all([startHttpReceiver(), startSmtpReceiver()]);
  latePort = await freePort();
  repo = createHealthyRepo(await freePort(), ['v1', 'v2']);
  expect((await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo.dir])).code).toBe(0);
  const base = `http://127.0.0.1:${http.port}`;
  const set = await runCli(dataDir, ['project', 'set', project, '--notify', `webhook=${base}/webhook`, '--secret-env', 'OTTERSTACK_TEST_HMAC'], env);
  expect(set.code, set.stderr).toBe(0);
  for (const spec of [`slack=${base}/slack`, `discord=${base}/discord`]) expect((await runCli(dataDir, ['notify', 'add', spec, '--project', project])).code).toBe(0);
  const mail = await runCli(dataDir, ['notify', 'add', 'email=ops@example.test', '--project', project, '--smtp', `smtp://127.0.0.1:${smtp.port}/?tls=insecure`]);
  expect(mail.code, mail.stderr).toBe(0);
  // A backend that is down when the deploy happens.
  expect((await runCli(dataDir, ['notify', 'add', `webhook=http://127.0.0.1:${latePort}/late`, '--project', project])).code).toBe(0);
});

afterAll(async () => {
  watcher?.kill('SIGKILL');
  await Promise.all([http?.stop(), smtp?.stop()]);
  purgeProject(project);
  purgeProject(gitops);
});

describe('notifications (real local peers)', () => {
  it('lists targets with secrets masked', async () => {
    const list = await runCli(dataDir, ['notify', 'list']);
    expect(list.stdout).toMatch(/webhook\s+http:\/\/127\.0\.0\.1:\d+\/\*\*\*\*\s+OTTERSTACK_TEST_HMAC/);
    expect(list.stdout).toMatch(/email\s+smtp:\/\/127\.0\.0\.1:\d+\/\*\*\*\* to ops@example\.test/);
    expect(list.stdout).not.toMatch(/\/slack|\/discord|\/webhook/);
  });

  it('a deploy notifies every backend; a backend that is down does not block it', async () => {
    const t0 = Date.now();
    // Who deployed (an operator behind sudo, over SSH) travels with every notification and into history.
    const operator = { SUDO_USER: 'alice', SSH_CONNECTION: '203.0.113.7 51234 10.0.0.1 22' };
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'v1'], { ...env, ...operator });
    expect(res.code, res.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(60_000);
    const history = await runJson<{ git_ref: string; invoked_by: string | null }[]>(dataDir, ['history', project]);
    expect(history[0]).toMatchObject({ git_ref: 'v1', invoked_by: 'alice from 203.0.113.7' });
    expect((await runCli(dataDir, ['history', project])).stdout).toMatch(/alice from 203\.0\.113\.7/);
    const [hook] = await waitFor(() => (webhookEvents('deploy_succeeded').length ? webhookEvents('deploy_succeeded') : null), 'webhook');
    expect(hook).toMatchObject({ project, severity: 'info', ref: 'v1', sha: repo.shas.v1, by: 'alice from 203.0.113.7' });
    const raw = http.received.find((r) => r.path === '/webhook')!;
    expect(raw.headers['x-otterstack-signature']).toBe(hmacSignature(HMAC_KEY, raw.body));
    expect(JSON.parse(http.received.find((r) => r.path === '/slack')!.body).text).toMatch(new RegExp(`^\\[otterstack\\] ${project}: deploy of v1 \\(\\w{7}\\) succeeded \\(by alice from 203\\.0\\.113\\.7\\)$`));
    expect(JSON.parse(http.received.find((r) => r.path === '/discord')!.body).content).toMatch(/deploy of v1 .* succeeded/);
    const mail = await waitFor(() => smtp.mails[0], 'email');
    expect(mail.to).toEqual(['ops@example.test']);
    expect(mail.secure).toBe(true); // STARTTLS was offered and used
    expect(mail.data).toMatch(new RegExp(`Subject: \\[otterstack\\] ${project}: deploy_succeeded`));
    expect(mail.data).toMatch(/by: alice from 203\.0\.113\.7/);
    const log = await runJson<{ event: string; status: string; attempts: number }[]>(dataDir, ['notify', 'log']);
    expect(log.filter((l) => l.status === 'pending')).toEqual([expect.objectContaining({ event: 'deploy_succeeded', attempts: 1 })]);
  });

  it('watch retries the down backend with backoff and delivers once it is up', async () => {
    watcher = startCli(dataDir, ['watch', '--gitops'], env);
    await watcher.waitForLine(/watching \d+ container\(s\); gitops on/);
    const late = await startHttpReceiver(latePort);
    try {
      await waitFor(() => late.received.length > 0, 'late delivery', 30_000);
      const log = await runJson<{ status: string; attempts: number; lastError: string | null }[]>(dataDir, ['notify', 'log']);
      expect(log.every((l) => l.status === 'sent')).toBe(true);
      expect(Math.max(...log.map((l) => l.attempts))).toBeGreaterThanOrEqual(2);
      expect(late.received).toHaveLength(1);
    } finally {
      await late.stop();
    }
  });

  it('an unhealthy container gives exactly one notification per transition, flapping is rate-limited', async () => {
    const [c] = containersOf(`otterstack-${project}-${repo.shas.v1!.slice(0, 7)}`);
    docker(['exec', c!.id, 'rm', '/www/index.html']);
    await waitFor(() => webhookEvents('unhealthy').length === 1, 'unhealthy notification', 60_000);
    docker(['exec', c!.id, 'sh', '-c', 'echo v1 > /www/index.html']);
    await waitFor(() => webhookEvents('recovered').length === 1, 'recovered notification', 60_000);
    // Flap again within the rate-limit window: seen by watch, but not sent.
    docker(['exec', c!.id, 'rm', '/www/index.html']);
    await watcher!.waitForLine(/suppressed \(rate limit\): .* service web unhealthy/, 60_000);
    docker(['exec', c!.id, 'sh', '-c', 'echo v1 > /www/index.html']);
    await watcher!.waitForLine(/suppressed \(rate limit\): .* service web recovered/, 60_000);
    expect(webhookEvents('unhealthy')).toHaveLength(1);
    expect(webhookEvents('recovered')).toHaveLength(1);
    expect(events('slack', 'unhealthy')).toHaveLength(1);
  });

  it('GitOps: a new commit on the followed branch is deployed once; a failing one is not retried in a loop', async () => {
    const work = createHealthyRepo(await freePort(), ['g1']);
    expect((await runCli(dataDir, ['project', 'add', '--name', gitops, '--repo', work.dir])).code).toBe(0);
    expect((await runCli(dataDir, ['project', 'set', gitops, '--follow-branch', 'main'])).code).toBe(0);
    await waitFor(() => deployments(dataDir, gitops).some((d) => d.status === 'active' && d.git_sha === work.shas.g1), 'head of main deployed', 90_000);

    const compose = fs.readFileSync(path.join(work.dir, 'compose.yaml'), 'utf8');
    fs.writeFileSync(path.join(work.dir, 'compose.yaml'), compose.replace('echo g1', 'echo g2').replace(/"CMD", "wget"[^\]]*/, '"CMD", "false"'));
    git(work.dir, ['commit', '-qam', 'g2 broken']);
    const broken = git(work.dir, ['rev-parse', 'HEAD']);
    await waitFor(() => deployments(dataDir, gitops).some((d) => d.git_sha === broken && d.status === 'failed'), 'broken commit tried', 90_000);
    // Several more GitOps passes see the same head and skip it.
    const skips = () => watcher!.stdout().split('\n').filter((l) => l.includes(`gitops: ${gitops}: ${broken.slice(0, 7)} already tried`)).length;
    await waitFor(() => skips() >= 3, 'three more GitOps passes', 30_000);
    expect(deployments(dataDir, gitops).filter((d) => d.git_sha === broken)).toHaveLength(1);
    expect(deployments(dataDir, gitops).filter((d) => d.status === 'active').map((d) => d.git_sha)).toEqual([work.shas.g1]);

    fs.writeFileSync(path.join(work.dir, 'compose.yaml'), appCompose({ port: Number(/127\.0\.0\.1:(\d+):8080/.exec(compose)![1]), version: 'g3' }));
    git(work.dir, ['commit', '-qam', 'g3 fixed']);
    const fixed = git(work.dir, ['rev-parse', 'HEAD']);
    await waitFor(() => deployments(dataDir, gitops).some((d) => d.git_sha === fixed && d.status === 'active'), 'fixed commit deployed', 90_000);
    expect(deployments(dataDir, gitops).filter((d) => d.git_sha === fixed)).toHaveLength(1);
  });

  it('watch exits cleanly on SIGTERM', async () => {
    watcher!.kill('SIGTERM');
    const res = await watcher!.done;
    expect(res.code).toBe(143);
    expect(res.stdout).toMatch(/watch stopped\n$/);
    watcher = null;
  });
});
