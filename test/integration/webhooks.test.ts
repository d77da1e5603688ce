/**
 * Push-to-deploy (#19): a real `otterstack watch --listen` on 127.0.0.1, real HTTP requests built
 * exactly as GitHub, Gitea and GitLab send them (headers, raw body, HMAC over that body), real
 * deploys on the engine. Each accepted push only says "look now": watch fetches and deploys the
 * followed branch's head itself.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runJson, startCli, type RunningCli } from '../helpers/cli.js';
import { freePort, purgeProject } from '../helpers/engine.js';
import { git, proxiedAppCompose } from '../helpers/fixture-repo.js';
import { TmuxApp } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait.js';

const project = `hooks-${crypto.randomBytes(3).toString('hex')}`;
const SECRET = `hook-secret-${crypto.randomBytes(8).toString('hex')}`;
const env = { HOOK_SECRET: SECRET, OTTERSTACK_DRAIN_SECONDS: '0' };
let dataDir: string;
let repo: string;
let port: number;
let watcher: RunningCli;

interface Answer {
  status: number;
  text: string;
}

function post(urlPath: string, headers: Record<string, string>, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers }, agent: false }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: text.trim() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function healthz(): Promise<number> {
  return new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', () => resolve(0));
  });
}

const pushBody = (branch = 'main', after = '0'.repeat(40)) => Buffer.from(JSON.stringify({ ref: `refs/heads/${branch}`, before: '0'.repeat(40), after, repository: { full_name: 'team/app' } }));
const hmac = (body: Buffer, key = SECRET) => crypto.createHmac('sha256', key).update(body).digest('hex');
const githubHeaders = (body: Buffer, id = crypto.randomUUID(), key = SECRET) => ({ 'x-github-event': 'push', 'x-github-delivery': id, 'x-hub-signature-256': `sha256=${hmac(body, key)}`, 'user-agent': 'GitHub-Hookshot/abc' });
const giteaHeaders = (body: Buffer) => ({ 'x-gitea-event': 'push', 'x-gitea-delivery': crypto.randomUUID(), 'x-gitea-signature': hmac(body), 'x-github-event': 'push', 'x-gogs-event': 'push' });
const gitlabHeaders = (token = SECRET) => ({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': token, 'x-gitlab-event-uuid': crypto.randomUUID(), 'x-gitlab-instance': 'https://gitlab.example.com' });

function commit(tag: string): string {
  fs.writeFileSync(path.join(repo, 'compose.yaml'), proxiedAppCompose(tag));
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-qm', tag]);
  return git(repo, ['rev-parse', 'HEAD']);
}

interface Row {
  git_sha: string;
  status: string;
  started_at: number;
}

async function deployments(): Promise<Row[]> {
  return runJson<Row[]>(dataDir, ['history', project, '--limit', '100']);
}

async function activeSha(): Promise<string | undefined> {
  return (await deployments()).find((d) => d.status === 'active')?.git_sha;
}

describe('push-to-deploy webhooks (watch --listen)', () => {
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-hooks-'));
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-hooks-repo-'));
    git(repo, ['init', '-q', '-b', 'main']);
    commit('c1');
    expect((await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo], env)).code).toBe(0);
    const set = await runCli(dataDir, ['project', 'set', project, '--follow-branch', 'main', '--webhook-secret-env', 'HOOK_SECRET'], env);
    expect(set.stderr).toBe('');
    expect((await runCli(dataDir, ['deploy', project, '--ref', 'main'], env)).code).toBe(0);
    port = await freePort();
    watcher = startCli(dataDir, ['watch', '--listen', `127.0.0.1:${port}`], env);
    await watcher.waitForLine(/listening for webhooks on http:\/\/127\.0\.0\.1:\d+\/hooks\/<project>/);
  }, 120_000);

  afterAll(async () => {
    watcher?.kill('SIGTERM');
    await watcher?.done;
    purgeProject(project);
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(repo, { recursive: true, force: true });
  });

  it('refuses a non-loopback --listen without --listen-public, before anything binds', async () => {
    const res = await runCli(dataDir, ['watch', '--listen', '0.0.0.0:1'], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/not a loopback address.*--listen-public/);
    expect(await healthz()).toBe(200);
  });

  it('rejects a bad signature (401), a wrong branch and other events (202 ignored), an unknown project (404) and a 2 MiB body (413): nothing deploys', async () => {
    const pending = commit('c2');
    const body = pushBody('main', pending);
    expect((await post(`/hooks/${project}`, githubHeaders(body, crypto.randomUUID(), 'wrong-secret'), body)).status).toBe(401);
    expect((await post(`/hooks/${project}`, gitlabHeaders('wrong-secret'), body)).status).toBe(401);
    const other = pushBody('feature');
    expect(await post(`/hooks/${project}`, githubHeaders(other), other)).toEqual({ status: 202, text: 'not the followed branch main' });
    expect((await post(`/hooks/${project}`, { ...githubHeaders(body), 'x-github-event': 'issues' }, body)).text).toBe('not a push (issues)');
    const unknown = await post('/hooks/no-such-project', githubHeaders(body), body);
    expect(unknown.status).toBe(404);
    expect(unknown.text).not.toContain(project);
    const big = Buffer.alloc(2 * 1024 * 1024, 'a');
    expect((await post(`/hooks/${project}`, githubHeaders(big), big).catch(() => ({ status: 413, text: 'closed' }))).status).toBe(413);

    // A valid push now deploys c2: had any of the above started a deploy, c2 would have been deployed before it.
    const t = Date.now();
    const accepted = await post(`/hooks/${project}`, githubHeaders(body), body);
    expect(accepted).toEqual({ status: 202, text: 'deploy queued' });
    await waitFor(async () => (await activeSha()) === pending, 'c2 deployed by the push', 90_000);
    const c2 = (await deployments()).filter((d) => d.git_sha === pending);
    expect(c2).toHaveLength(1);
    expect(c2[0]!.started_at).toBeGreaterThanOrEqual(t);

    const log = await runJson<{ result: string; status: number; reason: string; forge: string }[]>(dataDir, ['hooks', 'log', '--project', project]);
    expect(log.map((l) => l.status).sort()).toEqual([202, 202, 202, 401, 401, 413]);
    expect(JSON.stringify(log)).not.toContain(SECRET);
  }, 120_000);

  it('the TUI shows the deliveries with the notifications (n)', async () => {
    const app = TmuxApp.start(dataDir, { TERM: 'xterm-256color', LANG: 'C.UTF-8' }, { cols: 200, rows: 50 });
    try {
      await app.waitForScreen(new RegExp(project), 'the project listed');
      // Not "refreshed never": the deliveries are read by the first engine refresh.
      await app.waitForScreen(/refreshed (just now|\d)/, 'the first refresh');
      app.keys('n');
      const screen = await app.waitForScreen(/Webhook deliveries/, 'the deliveries under the notifications');
      expect(screen).toMatch(new RegExp(`${project} +github +401 rejected +bad signature`));
      expect(screen).toMatch(/202 accepted +deploy queued \(refs\/heads\/main\)/);
      expect(screen).not.toContain(SECRET);
      app.keys('Escape');
      app.keys('q');
      expect(await app.exitCode()).toBe(0);
    } finally {
      app.kill();
    }
  }, 60_000);

  it('a replayed delivery is ignored; 20 pushes in 2 s give at most 2 deploys and end on the newest commit', async () => {
    const body = pushBody();
    const id = crypto.randomUUID();
    const first = commit('c3');
    expect((await post(`/hooks/${project}`, githubHeaders(body, id), body)).status).toBe(202);
    await waitFor(async () => (await activeSha()) === first, 'c3 deployed', 90_000);
    const replay = await post(`/hooks/${project}`, githubHeaders(body, id), body);
    expect(replay).toEqual({ status: 202, text: 'delivery already received' });

    const before = (await deployments()).length;
    let newest = '';
    for (let i = 0; i < 20; i++) {
      // New commits land during the burst: the last deploy must pick the newest.
      if (i === 0 || i === 10) newest = commit(`burst-${i}`);
      expect((await post(`/hooks/${project}`, githubHeaders(body), body)).status).toBe(202);
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitFor(async () => (await activeSha()) === newest, 'the newest commit deployed', 120_000);
    await waitFor(() => !/deploying/.test(watcher.stdout().split('\n').filter((l) => l.includes('gitops:')).at(-1) ?? ''), 'the queue to settle', 60_000);
    const burst = (await deployments()).length - before;
    expect(burst).toBeGreaterThanOrEqual(1);
    expect(burst).toBeLessThanOrEqual(2);
  }, 240_000);

  it('a GitLab token push and a Gitea signature each deploy', async () => {
    const a = commit('gitlab');
    const body = pushBody();
    expect((await post(`/hooks/${project}`, gitlabHeaders(), body)).status).toBe(202);
    await waitFor(async () => (await activeSha()) === a, 'the GitLab push deployed', 90_000);
    const b = commit('gitea');
    expect((await post(`/hooks/${project}`, giteaHeaders(body), body)).status).toBe(202);
    await waitFor(async () => (await activeSha()) === b, 'the Gitea push deployed', 90_000);
  }, 200_000);

  it('with --listen, a project with a webhook is not polled; one without is (watch --gitops)', async () => {
    // Named after the hooked project: a poll pass visits projects by name, so by the time it deploys
    // this one it has already passed the hooked project, which it would have deployed first.
    const polled = `${project}-z`;
    const polledRepo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-hooks-polled-'));
    git(polledRepo, ['init', '-q', '-b', 'main']);
    fs.writeFileSync(path.join(polledRepo, 'compose.yaml'), proxiedAppCompose('p1'));
    git(polledRepo, ['add', '-A']);
    git(polledRepo, ['commit', '-qm', 'p1']);
    expect((await runCli(dataDir, ['project', 'add', '--name', polled, '--repo', polledRepo], env)).code).toBe(0);
    expect((await runCli(dataDir, ['project', 'set', polled, '--follow-branch', 'main'], env)).code).toBe(0);
    const hookedBefore = await activeSha();
    commit('not-pushed');
    const port2 = await freePort();
    const poller = startCli(dataDir, ['watch', '--gitops', '--listen', `127.0.0.1:${port2}`], { ...env, OTTERSTACK_GITOPS_POLL_SECONDS: '1' });
    try {
      await poller.waitForLine(new RegExp(`gitops: ${polled}: .* is active`), 90_000);
      expect(await activeSha()).toBe(hookedBefore);
      expect(poller.stdout()).not.toMatch(new RegExp(`gitops: ${project}: deploying`));
    } finally {
      poller.kill('SIGTERM');
      await poller.done;
      purgeProject(polled);
      fs.rmSync(polledRepo, { recursive: true, force: true });
    }
  }, 120_000);

  it('survives malformed requests and a slow body (closed after the 10 s read timeout) while /healthz keeps answering', async () => {
    const junk = Buffer.from('{not json');
    expect((await post(`/hooks/${project}`, githubHeaders(junk), junk)).status).toBe(400);
    expect((await post(`/hooks/${project}`, {}, junk)).status).toBe(400);
    // A raw malformed request line.
    await new Promise<void>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('NOT HTTP AT ALL\r\n\r\n'));
      s.on('data', () => s.destroy());
      s.on('close', () => resolve());
    });
    // Slowloris: headers promise a body that arrives one byte a second.
    const started = Date.now();
    const closed = new Promise<number>((resolve, reject) => {
      let drip: NodeJS.Timeout | undefined;
      const s = net.connect(port, '127.0.0.1', () => {
        s.write(`POST /hooks/${project} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n`);
        drip = setInterval(() => (s.writable ? s.write('a') : clearInterval(drip)), 1000);
      });
      s.on('data', () => undefined);
      s.on('close', () => {
        clearInterval(drip);
        resolve(Date.now() - started);
      });
      s.on('error', (err) => (err as NodeJS.ErrnoException).code === 'ECONNRESET' || (err as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : reject(err));
    });
    expect(await healthz()).toBe(200);
    const after = await closed;
    expect(after).toBeGreaterThanOrEqual(9_000);
    expect(after).toBeLessThan(30_000);
    expect(await healthz()).toBe(200);
  }, 60_000);
});
