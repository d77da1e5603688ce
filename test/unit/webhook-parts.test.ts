import { describe, expect, it } from 'vitest';
import { HookDeployQueue } from '../../src/services/webhooks/deploy-queue.js';
import { parseListenAddress } from '../../src/services/webhooks/listen-address.js';

describe('parseListenAddress', () => {
  it('takes loopback addresses, IPv6 in brackets', () => {
    expect(parseListenAddress('127.0.0.1:9090', false)).toEqual({ host: '127.0.0.1', port: 9090 });
    expect(parseListenAddress('[::1]:9090', false)).toEqual({ host: '::1', port: 9090 });
    expect(parseListenAddress('localhost:1', false)).toEqual({ host: 'localhost', port: 1 });
  });

  it('refuses a public address unless --listen-public, and anything malformed', () => {
    expect(() => parseListenAddress('0.0.0.0:9090', false)).toThrow(/not a loopback address.*--listen-public/);
    expect(() => parseListenAddress('[::]:9090', false)).toThrow(/not a loopback address/);
    expect(parseListenAddress('0.0.0.0:9090', true)).toEqual({ host: '0.0.0.0', port: 9090 });
    for (const bad of ['9090', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', 'example.com:80', '[127.0.0.1]:80', '127.0.0.1:80 ', '-x:80']) {
      expect(() => parseListenAddress(bad, true), bad).toThrow(/invalid --listen/);
    }
  });
});

describe('HookDeployQueue', () => {
  it('runs one deploy at a time per project; pushes during it coalesce into one more run', async () => {
    const runs: string[] = [];
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    const queue = new HookDeployQueue(async (p) => {
      runs.push(p);
      await gate;
    });
    queue.push('web');
    for (let i = 0; i < 19; i++) queue.push('web');
    queue.push('api');
    expect(runs).toEqual(['web', 'api']);
    const first = release;
    gate = Promise.resolve();
    first();
    await queue.idle();
    expect(runs).toEqual(['web', 'api', 'web']);
  });

  it('a failing run does not stop the queue', async () => {
    let n = 0;
    const queue = new HookDeployQueue(async () => {
      n++;
      throw new Error('deploy failed');
    }, 60_000);
    queue.push('web');
    await queue.idle();
    queue.push('web');
    await queue.idle();
    queue.stop();
    expect(n).toBe(2);
  });

  it("a run that could not decide (busy project) is tried again after retryMs, since no poll will", async () => {
    const outcomes: ('retry' | 'done')[] = ['retry', 'done'];
    let n = 0;
    const queue = new HookDeployQueue(async () => outcomes[n++]!, 10);
    queue.push('web');
    const deadline = Date.now() + 5_000;
    while (n < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await queue.idle();
    queue.stop();
    expect(n).toBe(2);
  });
});
