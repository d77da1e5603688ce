/**
 * #19: push-to-deploy latency (the webhook sent → the new release active) against the polling path
 * (the commit → active with `watch --gitops` at the default gitopsPollSeconds), and the rate of
 * rejected deliveries (bad signatures) the listener answers while a deploy runs, with that deploy's
 * duration beside an unloaded one. Real watch, real engine, compose v2.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { runCli, runJson, startCli } from '../test/helpers/cli.js';
import { freePort, purgeProject } from '../test/helpers/engine.js';
import { git, proxiedAppCompose } from '../test/helpers/fixture-repo.js';
import type { Row } from './run.js';

const SECRET = crypto.randomBytes(16).toString('hex');

function post(port: number, project: string, body: Buffer, key: string): Promise<number> {
  return new Promise((resolve) => {
    const sig = crypto.createHmac('sha256', key).update(body).digest('hex');
    const req = http.request({ host: '127.0.0.1', port, path: `/hooks/${project}`, method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': String(body.length), 'x-github-event': 'push', 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': `sha256=${sig}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

function commit(repo: string, tag: string): string {
  fs.writeFileSync(path.join(repo, 'compose.yaml'), proxiedAppCompose(tag));
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-qm', tag]);
  return git(repo, ['rev-parse', 'HEAD']);
}

async function untilActive(dataDir: string, project: string, sha: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await runJson<{ git_sha: string; status: string; finished_at: number | null }[]>(dataDir, ['history', project, '--limit', '5']);
    const row = rows.find((r) => r.git_sha === sha && r.status === 'active');
    if (row) return Date.now();
    if (Date.now() > deadline) throw new Error(`bench webhooks: ${sha.slice(0, 7)} not active within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function benchWebhooks(): Promise<Row[]> {
  const sfx = crypto.randomBytes(3).toString('hex');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-bench-hooks-'));
  const dataDir = path.join(work, 'data');
  const env = { BENCH_HOOK_SECRET: SECRET, OTTERSTACK_DRAIN_SECONDS: '0' };
  const hooked = `bench-hook-${sfx}`;
  const polled = `bench-poll-${sfx}`;
  const repos: Record<string, string> = {};
  let firstSha = '';
  for (const p of [hooked, polled]) {
    repos[p] = path.join(work, p);
    fs.mkdirSync(repos[p]!);
    git(repos[p]!, ['init', '-q', '-b', 'main']);
    const sha = commit(repos[p]!, 'v1');
    if (p === hooked) firstSha = sha;
    await runCli(dataDir, ['project', 'add', '--name', p, '--repo', repos[p]!], env);
    await runCli(dataDir, ['project', 'set', p, '--follow-branch', 'main', ...(p === hooked ? ['--webhook-secret-env', 'BENCH_HOOK_SECRET'] : [])], env);
    if ((await runCli(dataDir, ['deploy', p, '--ref', 'main'], env)).code !== 0) throw new Error('bench webhooks: first deploy failed');
  }
  const port = await freePort();
  const watcher = startCli(dataDir, ['watch', '--gitops', '--listen', `127.0.0.1:${port}`], env);
  try {
    await watcher.waitForLine(/listening for webhooks/);
    const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main' }));
    // Push: the webhook is sent right after the commit, as a forge does.
    const pushSha = commit(repos[hooked]!, 'v2');
    const t0 = Date.now();
    if ((await post(port, hooked, body, SECRET)) !== 202) throw new Error('bench webhooks: push not accepted');
    const answerMs = Date.now() - t0;
    const pushMs = (await untilActive(dataDir, hooked, pushSha, 120_000)) - t0;
    // Poll: the same commit-to-active path, found by the next poll (default gitopsPollSeconds).
    const pollSha = commit(repos[polled]!, 'v2');
    const t1 = Date.now();
    const pollMs = (await untilActive(dataDir, polled, pollSha, 200_000)) - t1;

    // Rejected deliveries while a deploy runs, and that deploy's time against an unloaded one.
    const quietStart = Date.now();
    if ((await runCli(dataDir, ['deploy', hooked, '--ref', firstSha], env)).code !== 0) throw new Error('bench webhooks: quiet deploy failed');
    const quietMs = Date.now() - quietStart;
    let answered = 0;
    let done = false;
    const flood = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (!done) if ((await post(port, hooked, body, 'wrong')) !== 0) answered++;
      }),
    );
    const loadStart = Date.now();
    const loaded = await runCli(dataDir, ['deploy', hooked, '--ref', 'main'], env);
    const loadedMs = Date.now() - loadStart;
    done = true;
    await flood;
    if (loaded.code !== 0) throw new Error(`bench webhooks: deploy under load failed: ${loaded.stderr}`);
    return [
      { metric: 'webhook answered (accepted push)', value: answerMs, unit: 'ms', goal: 100, detail: 'from sending the signed push to its 202 (judged, recorded, deploy queued)' },
      { metric: 'push → active, webhook', value: pushMs / 1000, unit: 's', detail: 'GitHub-signed push to watch --listen, fetch, deploy, healthy, active (compose v2)' },
      { metric: 'commit → active, polling', value: pollMs / 1000, unit: 's', detail: 'the same, found by watch --gitops at the default gitopsPollSeconds (60 s): on average half a poll more' },
      { metric: 'rejected deliveries answered', value: answered / (loadedMs / 1000), unit: 'r/s', detail: `bad signatures (401, then 429 per address), 8 connections, during a deploy of ${(loadedMs / 1000).toFixed(1)} s (unloaded: ${(quietMs / 1000).toFixed(1)} s)` },
      { metric: 'deploy time under rejected-delivery load', value: loadedMs / quietMs, unit: 'x', detail: 'that deploy against the same deploy with no requests (1.00 = unaffected)' },
    ];
  } finally {
    watcher.kill('SIGTERM');
    await watcher.done;
    for (const p of [hooked, polled]) purgeProject(p);
    fs.rmSync(work, { recursive: true, force: true });
  }
}
