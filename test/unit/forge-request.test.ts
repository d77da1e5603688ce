import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, identifyForge, judgeDelivery, signatureValid, type Headers } from '../../src/services/webhooks/forge-request.js';

const secret = 's3cret-value';
const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40) }));
const hmac = (b: Buffer, key = secret) => crypto.createHmac('sha256', key).update(b).digest('hex');

/** Headers as each forge sends them (lower-case, as Node gives them). */
const github = (b = body, event = 'push'): Headers => ({ 'x-github-event': event, 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958', 'x-hub-signature-256': `sha256=${hmac(b)}`, 'content-type': 'application/json' });
const gitea = (b = body): Headers => ({ 'x-gitea-event': 'push', 'x-gitea-delivery': 'f6266f16-1bf3-46a5-9ea4-602e06ead473', 'x-gitea-signature': hmac(b), 'x-github-event': 'push' });
const forgejo = (b = body): Headers => ({ 'x-forgejo-event': 'push', 'x-forgejo-delivery': 'd1', 'x-forgejo-signature': hmac(b), 'x-hub-signature-256': `sha256=${hmac(b)}` });
const gitlab = (token = secret): Headers => ({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': token, 'x-gitlab-event-uuid': '13792a34-cac6-4fda-95a8-c58e00a3954e' });

const judge = (headers: Headers, b = body, over: { branch?: string; seen?: boolean } = {}) => judgeDelivery({ headers, body: b, secret, branch: over.branch ?? 'main', seen: () => over.seen ?? false });

describe('identifyForge', () => {
  it('tells GitLab, Gitea/Forgejo (which also send GitHub headers) and GitHub apart', () => {
    expect(identifyForge(github())).toBe('github');
    expect(identifyForge(gitea())).toBe('gitea');
    expect(identifyForge(forgejo())).toBe('gitea');
    expect(identifyForge(gitlab())).toBe('gitlab');
    expect(identifyForge({ 'content-type': 'application/json' })).toBeNull();
  });
});

describe('signatureValid', () => {
  it('accepts each forge\'s own proof and nothing else', () => {
    expect(signatureValid('github', github(), body, secret)).toBe(true);
    expect(signatureValid('gitea', gitea(), body, secret)).toBe(true);
    expect(signatureValid('gitea', { 'x-gitea-event': 'push', 'x-gitea-signature': hmac(body) }, body, secret)).toBe(true);
    expect(signatureValid('gitea', forgejo(), body, secret)).toBe(true);
    expect(signatureValid('gitlab', gitlab(), body, secret)).toBe(true);
    // Over the raw body: one byte more, or another key, fails.
    expect(signatureValid('github', github(), Buffer.concat([body, Buffer.from(' ')]), secret)).toBe(false);
    expect(signatureValid('github', { ...github(), 'x-hub-signature-256': `sha256=${hmac(body, 'other')}` }, body, secret)).toBe(false);
    expect(signatureValid('github', { 'x-github-event': 'push' }, body, secret)).toBe(false);
    expect(signatureValid('gitlab', gitlab('wrong'), body, secret)).toBe(false);
    // No secret configured: nothing verifies.
    expect(signatureValid('gitlab', gitlab(''), body, '')).toBe(false);
  });

  it('compares in constant time without throwing on a length mismatch', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});

describe('judgeDelivery', () => {
  it('accepts a signed push of the followed branch from each forge', () => {
    for (const h of [github(), gitea(), forgejo(), gitlab()]) expect(judge(h)).toMatchObject({ status: 202, result: 'accepted', ref: 'refs/heads/main' });
    expect(judge(github()).deliveryId).toBe('72d3162e-cc78-11e3-81ab-4c9367dc0958');
    expect(judge(gitlab()).deliveryId).toBe('13792a34-cac6-4fda-95a8-c58e00a3954e');
  });

  it('checks the signature first, then the event, the branch and replays', () => {
    expect(judge({ ...github(), 'x-hub-signature-256': 'sha256=00' })).toMatchObject({ status: 401, result: 'rejected', reason: 'bad signature' });
    // A bad signature is rejected even for an event that would be ignored.
    expect(judge({ ...github(body, 'ping'), 'x-hub-signature-256': 'sha256=00' }).status).toBe(401);
    expect(judge(github(body, 'ping'))).toMatchObject({ status: 202, result: 'ignored', reason: 'not a push (ping)' });
    expect(judge(github(), body, { branch: 'release' })).toMatchObject({ status: 202, result: 'ignored', reason: 'not the followed branch release' });
    const tag = Buffer.from(JSON.stringify({ ref: 'refs/tags/main' }));
    expect(judge(github(tag), tag)).toMatchObject({ result: 'ignored' });
    expect(judge(github(), body, { seen: true })).toMatchObject({ status: 202, result: 'ignored', reason: 'delivery already received' });
    const bad = Buffer.from('{not json');
    expect(judge(github(bad), bad)).toMatchObject({ status: 400, result: 'rejected', reason: 'push payload without a ref' });
    expect(judge({})).toMatchObject({ status: 400, result: 'rejected' });
  });
});
