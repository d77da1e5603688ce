import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaddyAdmin } from '../../src/services/proxy/caddy-admin.js';

/** A stand-in for Caddy's admin API on a unix socket: answers like Caddy 2.6 (only an empty Host). */
let dir: string;
let server: http.Server;
const seen: { method: string; url: string; host: string | undefined; body: string }[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-admin-'));
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, host: req.headers.host, body });
      if (req.headers.host !== '') return res.writeHead(403).end(JSON.stringify({ error: `host not allowed: ${req.headers.host}` }));
      if (req.url === '/id/missing') return res.writeHead(404).end(JSON.stringify({ error: "unknown object ID 'missing'" }));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(req.method === 'GET' ? '{"apps":{}}' : '');
    });
  });
  await new Promise<void>((r) => server.listen(path.join(dir, 'caddy.sock'), r));
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('CaddyAdmin over the unix socket', () => {
  it('sends an empty Host (all Caddy 2 versions accept it on a socket) and JSON bodies', async () => {
    const admin = new CaddyAdmin(path.join(dir, 'caddy.sock'));
    expect(await admin.getJson('/config/')).toEqual({ apps: {} });
    await admin.request('POST', '/load', { admin: { listen: 'unix//x' } });
    expect(seen.at(-1)).toEqual({ method: 'POST', url: '/load', host: '', body: '{"admin":{"listen":"unix//x"}}' });
  });

  it("turns Caddy's errors into one-line OtterErrors (404 → not_found)", async () => {
    const admin = new CaddyAdmin(path.join(dir, 'caddy.sock'));
    await expect(admin.getJson('/id/missing')).rejects.toMatchObject({ kind: 'not_found', message: "proxy admin API: GET /id/missing answered 404: unknown object ID 'missing'" });
  });

  it('says what to do when nothing listens', async () => {
    const admin = new CaddyAdmin(path.join(dir, 'absent.sock'));
    await expect(admin.getJson('/config/')).rejects.toMatchObject({ kind: 'environment', message: expect.stringMatching(/does not answer on .*absent\.sock \(ENOENT\): is the proxy running\?/) });
  });

  it('retries a connection that meets an admin server Caddy is restarting (after a /load), and only that', async () => {
    // As Caddy does on every /load: the old admin server closes, the socket is made again.
    const sock = path.join(dir, 'restarting.sock');
    let refused = 0;
    const closing = net.createServer((c) => {
      refused++;
      c.destroy();
    });
    await new Promise<void>((r) => closing.listen(sock, r));
    const admin = new CaddyAdmin(sock, 2000, 3000);
    const answered = admin.request('POST', '/load', { apps: {} });
    await new Promise((r) => setTimeout(r, 300));
    await new Promise((r) => closing.close(r));
    fs.rmSync(sock, { force: true });
    const fresh = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end('')));
    await new Promise<void>((r) => fresh.listen(sock, r));
    try {
      expect((await answered).status).toBe(200);
      expect(refused).toBeGreaterThan(0);
    } finally {
      await new Promise((r) => fresh.close(r));
    }
    // Nothing listening at all: the answer comes within the retry window, saying so.
    const gone = new CaddyAdmin(path.join(dir, 'nothing.sock'), 2000, 300);
    const started = Date.now();
    await expect(gone.request('GET', '/config/')).rejects.toThrow(/proxy admin API does not answer on .*nothing\.sock \(ENOENT\)/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
