import { describe, expect, it } from 'vitest';
import { nextAttemptDelay } from '../../src/services/notify/notifier.js';
import { maskTarget, parseNotifySpec } from '../../src/services/notify/targets.js';
import { RateLimiter, transitionOf } from '../../src/services/watch-rules.js';

describe('health transitions', () => {
  const s = (state: string, health: 'healthy' | 'unhealthy' | 'starting' | 'none' = 'none') => ({ state, health });
  it.each([
    [undefined, s('running', 'unhealthy'), null], // first sight = baseline
    [s('running', 'healthy'), s('running', 'healthy'), null],
    [s('running', 'healthy'), s('running', 'unhealthy'), 'unhealthy'],
    [s('running', 'unhealthy'), s('running', 'unhealthy'), null],
    [s('running', 'unhealthy'), s('running', 'healthy'), 'recovered'],
    [s('running'), s('exited'), 'exited'],
    [s('exited'), s('exited'), null],
    [s('running'), s('restarting'), 'restarting'],
    [s('restarting'), s('running'), 'recovered'],
    [s('exited'), s('running', 'starting'), null],
    [s('running', 'starting'), s('running', 'healthy'), null],
  ] as const)('%j -> %j = %s', (prev, now, expected) => expect(transitionOf(prev, now)).toBe(expected));

  it('rate-limits per key within the interval', () => {
    const r = new RateLimiter(60_000);
    expect(r.allow('p/web/unhealthy', 0)).toBe(true);
    expect(r.allow('p/web/unhealthy', 59_999)).toBe(false);
    expect(r.allow('p/web/recovered', 1)).toBe(true);
    expect(r.allow('p/web/unhealthy', 60_000)).toBe(true);
  });

  it('backs off exponentially, capped, then gives up', () => {
    expect([1, 2, 3, 4, 5].map((n) => nextAttemptDelay(n, 1000))).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(nextAttemptDelay(6, 1000)).toBeNull();
    expect(nextAttemptDelay(5, 60_000)).toBe(300_000);
  });
});

describe('notification targets', () => {
  it('parses webhook/slack/discord URLs and email with an SMTP server', () => {
    expect(parseNotifySpec('slack=https://hooks.slack.com/services/T/B/X')).toMatchObject({ kind: 'slack', url: 'https://hooks.slack.com/services/T/B/X', secretEnv: null });
    expect(parseNotifySpec('webhook=https://h/x', { secretEnv: 'HOOK_KEY' })).toMatchObject({ kind: 'webhook', secretEnv: 'HOOK_KEY' });
    expect(parseNotifySpec('email=ops@x.test', { smtp: 'smtp://mailer@mx.test:587' })).toEqual({
      kind: 'email',
      url: 'smtp://mailer@mx.test:587?to=ops%40x.test',
      secretEnv: 'OTTERSTACK_SMTP_PASSWORD',
      emailFrom: 'otterstack@mx.test',
    });
  });
  it.each([
    ['pager=x', /use webhook=URL/],
    ['slack=not a url', /takes an http\(s\) URL/],
    ['webhook=https://u:p@h/x', /no credentials in the URL/],
    ['email=ops@x.test', /email needs --smtp/],
  ])('rejects %s', (spec, message) => expect(() => parseNotifySpec(spec)).toThrow(message));
  it('refuses a password in --smtp and secrets as env names', () => {
    expect(() => parseNotifySpec('email=a@b.c', { smtp: 'smtp://u:pw@h:25' })).toThrow(/no password in --smtp/);
    expect(() => parseNotifySpec('webhook=https://h/x', { secretEnv: 'not-a-name' })).toThrow(/NAME of an environment variable/);
  });
  it('masks the secret part of webhook URLs', () => {
    expect(maskTarget('https://hooks.slack.com/services/T/B/X')).toBe('https://hooks.slack.com/****');
    expect(maskTarget('smtp://mx.test:587?to=ops%40x.test')).toBe('smtp://mx.test:587/**** to ops@x.test');
  });
});
