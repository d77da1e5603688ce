/**
 * The webhook listener of `otterstack watch --listen` (#19): `POST /hooks/<project>` and
 * `GET /healthz`, on a loopback address unless told otherwise (TLS and the public address are the
 * proxy's job). Every delivery is judged before anything happens, answered at once (202 within
 * milliseconds), recorded, and an accepted push only asks the deploy queue to look at the branch.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceContext } from '../context.js';
import { toOtterError } from '../errors.js';
import { deliveryId, identifyForge, judgeDelivery, type Verdict } from './forge-request.js';
import { webhookSecret } from './webhook-secret.js';

/** Larger bodies are refused (413) before they are read: no forge's push payload comes near it. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** The whole request (headers and body) must arrive within this: a slow sender cannot hold a socket. */
export const READ_TIMEOUT_MS = 10_000;
/** A replayed delivery id is ignored for this long. */
const REPLAY_WINDOW_MS = 24 * 3_600_000;
/**
 * Failures (bad signature, unknown project) from one address beyond this many a minute are answered
 * 429 and no longer recorded one by one. A delivery that verifies is never refused: behind a reverse
 * proxy every request comes from one address, and a stranger must not lock the forge out.
 */
const REJECTS_PER_MINUTE = 10;
/** Open connections at most: each may buffer up to MAX_BODY_BYTES. */
const MAX_CONNECTIONS = 64;

const PROJECT_IN_PATH = /^\/hooks\/([a-z0-9][a-z0-9-]{0,62})\/?$/;

export interface HookListenerOptions {
  host: string;
  port: number;
  log: (line: string) => void;
  /** An accepted push of the project's followed branch: look at it now. */
  onPush: (project: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface HookListener {
  /** host:port actually bound (port 0 picks a free one). */
  address: string;
  port: number;
  close(): Promise<void>;
}

/** Per-address count of rejected signatures in the current minute. */
class RejectLimiter {
  private readonly counts = new Map<string, { windowStart: number; n: number }>();
  limited(address: string, now = Date.now()): boolean {
    const c = this.counts.get(address);
    return !!c && now - c.windowStart < 60_000 && c.n >= REJECTS_PER_MINUTE;
  }
  reject(address: string, now = Date.now()): void {
    const c = this.counts.get(address);
    if (!c || now - c.windowStart >= 60_000) this.counts.set(address, { windowStart: now, n: 1 });
    else c.n++;
    if (this.counts.size > 10_000) this.counts.clear();
  }
}

export async function startHookListener(ctx: ServiceContext, o: HookListenerOptions): Promise<HookListener> {
  const limiter = new RejectLimiter();
  // Node enforces requestTimeout on a sweep every connectionsCheckingInterval (30 s by default): a
  // 1 s sweep closes a slow sender within a second of the bound.
  const server = http.createServer({ requestTimeout: READ_TIMEOUT_MS, headersTimeout: READ_TIMEOUT_MS, connectionsCheckingInterval: 1_000 }, (req, res) => {
    void handle(ctx, o, limiter, req, res).catch((err: unknown) => {
      o.log(`webhook: ${toOtterError(err).message}`);
      if (!res.headersSent) answer(res, 500, 'internal error');
    });
  });
  server.keepAliveTimeout = 5_000;
  server.maxConnections = MAX_CONNECTIONS;
  // A client error (malformed request line, timeout) must never take the listener down.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function answer(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
  res.end(`${text}\n`);
}

/** The body, or null when it grew past MAX_BODY_BYTES (the request is then answered 413 by the caller). */
function readBody(req: http.IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        over = true;
        chunks.length = 0;
        req.pause();
        resolve(null);
        return;
      }
      if (!over) chunks.push(c);
    });
    req.on('end', () => (over ? undefined : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

async function handle(ctx: ServiceContext, o: HookListenerOptions, limiter: RejectLimiter, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = (req.url ?? '/').split('?')[0]!;
  if (url === '/healthz') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, 'use GET');
    return answer(res, 200, 'ok');
  }
  const match = PROJECT_IN_PATH.exec(url);
  if (!match) return answer(res, 404, 'not found');
  if (req.method !== 'POST') return answer(res, 405, 'use POST');
  const remote = req.socket.remoteAddress ?? '?';
  const asked = match[1]!;
  const record = async (v: { status: number; result: Verdict['result']; reason: string } & Partial<Omit<Verdict, 'status'>>, projectId: number | null) => {
    await ctx.store.webhookDeliveries.record({
      received_at: Date.now(),
      project_id: projectId,
      project: asked,
      forge: v.forge ?? identifyForge(req.headers),
      event: v.event ?? '',
      ref: v.ref ?? '',
      delivery_id: v.deliveryId ?? '',
      remote,
      status: v.status,
      result: v.result,
      reason: v.reason,
    });
    o.log(`webhook: ${asked} from ${remote}: ${v.status} ${v.result} (${v.reason})`);
  };

  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    await record({ status: 413, result: 'rejected', reason: `body of ${declared} bytes (limit ${MAX_BODY_BYTES})` }, null);
    return answer(res, 413, 'payload too large');
  }
  const body = await readBody(req);
  if (body === null) {
    await record({ status: 413, result: 'rejected', reason: `body over ${MAX_BODY_BYTES} bytes` }, null);
    return answer(res, 413, 'payload too large');
  }
  // The same answer for a project that does not exist and one without a webhook: no list to probe.
  const project = await ctx.store.projects.byName(asked);
  if (!project || !project.webhook_secret_env || !project.follow_branch) {
    // Recorded while the address stays under the limit: a flood of guesses cannot push the real
    // deliveries (and the ids the replay check reads) out of the kept rows.
    const flooding = limiter.limited(remote);
    limiter.reject(remote);
    if (!flooding) await record({ status: 404, result: 'rejected', reason: 'no such project with a webhook' }, null);
    return answer(res, flooding ? 429 : 404, flooding ? 'too many failed requests' : 'not found');
  }
  const forge = identifyForge(req.headers);
  const id = forge ? deliveryId(forge, req.headers) : '';
  const replay = forge && id ? await ctx.store.webhookDeliveries.seen(forge, id, Date.now() - REPLAY_WINDOW_MS) : false;
  const secret = await webhookSecret(ctx, project, o.env);
  if (!secret) {
    // Nothing could verify it: said plainly in the log, answered like any bad signature.
    await record({ status: 401, result: 'rejected', reason: `no secret: ${project.webhook_secret_env} is set neither in watch's environment nor in the project's configuration` }, project.id);
    return answer(res, 401, 'bad signature');
  }
  const verdict = judgeDelivery({ headers: req.headers, body, secret, branch: project.follow_branch, seen: () => replay });
  if (verdict.status === 401) {
    const flooding = limiter.limited(remote);
    limiter.reject(remote);
    if (flooding) return answer(res, 429, 'too many failed requests');
  }
  await record(verdict, project.id);
  answer(res, verdict.status, verdict.reason);
  if (verdict.result === 'accepted') o.onPush(project.name);
}
