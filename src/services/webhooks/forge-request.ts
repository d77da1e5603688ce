/**
 * What a forge's push webhook says, and whether to believe it (#19). Pure: headers and the raw
 * body in, a verdict out. The listener (webhook-listener.ts) checks size and project first; this
 * checks, in order, the signature, the event type, the pushed ref and the delivery id.
 *
 * The payload is never trusted beyond "look now": the deploy fetches and resolves the branch itself.
 */
import crypto from 'node:crypto';

export type Forge = 'github' | 'gitea' | 'gitlab';

/** Node's request headers (lower-case names). */
export type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Which forge sent it, by the headers only that forge sends. Gitea and Forgejo send `X-Gitea-*`
 * (Forgejo also `X-Forgejo-*`) and GitHub's `X-Hub-Signature-256` for compatibility, so they are
 * looked for before GitHub.
 */
export function identifyForge(headers: Headers): Forge | null {
  if (header(headers, 'x-gitlab-event') !== undefined || header(headers, 'x-gitlab-token') !== undefined) return 'gitlab';
  if (['x-gitea-event', 'x-gitea-signature', 'x-forgejo-event', 'x-forgejo-signature'].some((h) => header(headers, h) !== undefined)) return 'gitea';
  if (header(headers, 'x-github-event') !== undefined || header(headers, 'x-hub-signature-256') !== undefined) return 'github';
  return null;
}

/** Equal strings in time that depends only on their lengths (a wrong length fails at once: it says nothing of the secret). */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function hmacHex(secret: string, body: Buffer): string {
  return crypto.createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * The forge's proof that it knows the secret: GitHub and Gitea/Forgejo sign the raw body
 * (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`; Gitea also `X-Gitea-Signature: <hex>`, Forgejo
 * `X-Forgejo-Signature`), GitLab sends the secret itself (`X-Gitlab-Token`). Compared in constant time.
 */
export function signatureValid(forge: Forge, headers: Headers, body: Buffer, secret: string): boolean {
  if (secret === '') return false;
  if (forge === 'gitlab') {
    // Digests of both, so neither the comparison's time nor its length check says anything of the secret.
    const digest = (v: string) => crypto.createHash('sha256').update(v).digest('hex');
    return constantTimeEqual(digest(header(headers, 'x-gitlab-token') ?? ''), digest(secret));
  }
  const expected = hmacHex(secret, body);
  const hub = header(headers, 'x-hub-signature-256');
  if (hub !== undefined) return constantTimeEqual(hub.toLowerCase(), `sha256=${expected}`);
  if (forge === 'gitea') {
    const sig = header(headers, 'x-gitea-signature') ?? header(headers, 'x-forgejo-signature');
    if (sig !== undefined) return constantTimeEqual(sig.toLowerCase(), expected);
  }
  return false;
}

/** The event name as the forge names it (`push`, `Push Hook`, `ping`…), '' when absent. */
export function eventName(forge: Forge, headers: Headers): string {
  const name = forge === 'gitlab' ? 'x-gitlab-event' : forge === 'gitea' ? (header(headers, 'x-gitea-event') !== undefined ? 'x-gitea-event' : 'x-forgejo-event') : 'x-github-event';
  return (header(headers, name) ?? '').trim();
}

export function isPush(forge: Forge, event: string): boolean {
  return forge === 'gitlab' ? event === 'Push Hook' : event === 'push';
}

/** The delivery's id, for replay detection ('' when the forge sent none). */
export function deliveryId(forge: Forge, headers: Headers): string {
  const name = forge === 'gitlab' ? 'x-gitlab-event-uuid' : forge === 'gitea' ? (header(headers, 'x-gitea-delivery') !== undefined ? 'x-gitea-delivery' : 'x-forgejo-delivery') : 'x-github-delivery';
  return (header(headers, name) ?? '').trim().slice(0, 200);
}

/** `ref` of a push payload (`refs/heads/main`); null when the body is no JSON object with a string ref. */
export function pushedRef(body: Buffer): string | null {
  try {
    const ref = (JSON.parse(body.toString('utf8')) as { ref?: unknown } | null)?.ref;
    return typeof ref === 'string' && ref.length <= 1000 ? ref : null;
  } catch {
    return null;
  }
}

export interface Verdict {
  /** The HTTP status to answer. */
  status: 202 | 400 | 401;
  result: 'accepted' | 'rejected' | 'ignored';
  /** Why, in a few words (recorded, and sent back in the body). */
  reason: string;
  forge: Forge | null;
  event: string;
  ref: string;
  deliveryId: string;
}

export interface JudgeInput {
  headers: Headers;
  body: Buffer;
  /** The project's webhook secret. */
  secret: string;
  /** The branch the project follows (its pushes deploy). */
  branch: string;
  /** Whether this delivery id was seen in the last 24 h (replays are ignored). */
  seen: (forge: Forge, id: string) => boolean;
}

/** Signature, then event, then ref, then replay: the first that fails decides. */
export function judgeDelivery(i: JudgeInput): Verdict {
  const forge = identifyForge(i.headers);
  const base = { forge, event: '', ref: '', deliveryId: '' };
  if (!forge) return { ...base, status: 400, result: 'rejected', reason: 'not a GitHub, Gitea/Forgejo or GitLab webhook (no forge headers)' };
  if (!signatureValid(forge, i.headers, i.body, i.secret)) return { ...base, status: 401, result: 'rejected', reason: 'bad signature' };
  const event = eventName(forge, i.headers).slice(0, 100);
  const id = deliveryId(forge, i.headers);
  const known = { forge, event, ref: '', deliveryId: id };
  if (!isPush(forge, event)) return { ...known, status: 202, result: 'ignored', reason: `not a push (${event || 'no event'})` };
  const ref = pushedRef(i.body);
  if (ref === null) return { ...known, status: 400, result: 'rejected', reason: 'push payload without a ref' };
  const withRef = { ...known, ref };
  if (ref !== `refs/heads/${i.branch}`) return { ...withRef, status: 202, result: 'ignored', reason: `not the followed branch ${i.branch}` };
  if (id && i.seen(forge, id)) return { ...withRef, status: 202, result: 'ignored', reason: 'delivery already received' };
  return { ...withRef, status: 202, result: 'accepted', reason: 'deploy queued' };
}
