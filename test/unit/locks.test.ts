import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isProcessAlive, processStartTime, readHolder, staleLocks, tryAcquire } from '../../src/services/locks.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'otter-lock-'));

describe('file locks', () => {
  it('gives the lock to one holder and names it to the next', () => {
    const file = path.join(tmp(), 'p.lock');
    const first = tryAcquire(file, 'deploy');
    expect(first.ok).toBe(true);
    const second = tryAcquire(file, 'deploy');
    expect(second).toEqual({ ok: false, holder: expect.objectContaining({ pid: process.pid, operation: 'deploy' }) });
    if (first.ok) first.lock.release();
    expect(fs.existsSync(file)).toBe(false);
    expect(tryAcquire(file, 'x').ok).toBe(true);
  });

  it("lists a dead taker's temp file and a lock moved aside as stale, never a live one's or a fresh unreadable one", () => {
    const dir = tmp();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const holder = (pid: number) => JSON.stringify({ pid, procStart: null, host: os.hostname(), operation: 'deploy', acquiredAt: 0, token: 't' });
    fs.writeFileSync(path.join(dir, 'p.lock.t1.tmp'), holder(dead));
    fs.writeFileSync(path.join(dir, 'p.lock.stale.t2'), holder(dead));
    fs.writeFileSync(path.join(dir, 'q.lock.t3.tmp'), holder(process.pid));
    fs.writeFileSync(path.join(dir, 'r.lock.t4.tmp'), '');
    fs.writeFileSync(path.join(dir, 'notes.tmp'), holder(dead));
    expect(staleLocks(dir).map((s) => path.basename(s.file)).sort()).toEqual(['p.lock.stale.t2', 'p.lock.t1.tmp']);
  });

  it('takes over a lock whose holder died', () => {
    const file = path.join(tmp(), 'p.lock');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    fs.writeFileSync(file, JSON.stringify({ pid: dead, procStart: null, host: os.hostname(), operation: 'deploy', acquiredAt: 0, token: 't' }));
    expect(staleLocks(path.dirname(file)).map((s) => s.file)).toEqual([file]);
    const res = tryAcquire(file, 'deploy');
    expect(res.ok && res.tookOverFrom?.pid).toBe(dead);
    expect(readHolder(file)?.pid).toBe(process.pid);
  });

  it('treats a reused PID (different start time) as dead', () => {
    const start = processStartTime(process.pid);
    expect(start).toMatch(/^\d+$/);
    expect(isProcessAlive(process.pid, start)).toBe(true);
    expect(isProcessAlive(process.pid, '1')).toBe(false);
  });

  it('release never removes a lock someone else now holds', () => {
    const file = path.join(tmp(), 'p.lock');
    const mine = tryAcquire(file, 'a');
    fs.writeFileSync(file, JSON.stringify({ ...readHolder(file), token: 'other' }));
    if (mine.ok) mine.lock.release();
    expect(readHolder(file)?.token).toBe('other');
  });

  it('holds across processes: a live child keeps it, its death frees it', async () => {
    const file = path.join(tmp(), 'p.lock');
    const script = `import('${path.resolve('dist/src/services/locks.js')}').then(m => { const r = m.tryAcquire(${JSON.stringify(file)}, 'child'); process.stdout.write(String(r.ok)); setInterval(() => {}, 1000); })`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const got = await new Promise<string>((r) => child.stdout.once('data', (b) => r(String(b))));
    expect(got).toBe('true');
    expect(tryAcquire(file, 'parent')).toEqual({ ok: false, holder: expect.objectContaining({ pid: child.pid, operation: 'child' }) });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(tryAcquire(file, 'parent').ok).toBe(true);
  });
});
