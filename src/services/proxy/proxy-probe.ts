/**
 * The deploy's proof that the proxy sends a domain to the new release (#18): a real HTTPS request
 * through the proxy's published port with the domain as SNI and Host, whose answer must carry the
 * new release's upstream (UPSTREAM_HEADER). The certificate is not checked here: this proves
 * routing; certificates have their own status.
 */
import https from 'node:https';
import type { ServiceContext } from '../context.js';
import { OtterError } from '../errors.js';
import { UPSTREAM_HEADER } from './caddy-config.js';

export interface ProbeAnswer {
  status: number;
  /** The upstream that answered ('' when the proxy answered itself). */
  upstream: string;
}

/** One GET / through the proxy for `domain`; rejects with the socket or TLS error. */
export function probeOnce(host: string, httpsPort: number, domain: string, timeoutMs: number): Promise<ProbeAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      { host, port: httpsPort, servername: domain, path: '/', headers: { host: domain, 'user-agent': 'otterstack-switch-probe' }, rejectUnauthorized: false, timeout: timeoutMs, agent: false },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, upstream: String(res.headers[UPSTREAM_HEADER.toLowerCase()] ?? '') });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
  });
}

/** A handshake the proxy refused: no certificate for the name yet (ACME not done), not a routing fault. */
export function isTlsRefusal(err: unknown): boolean {
  const code = String((err as { code?: string }).code ?? '');
  return code.startsWith('ERR_SSL') || /alert internal error|handshake failure/i.test(String((err as Error).message));
}

/** What busybox wget says when it reached nothing (as opposed to an HTTP error status, which is an answer). */
const UNREACHED = /can't connect|bad address|connection refused|timed out|no route to host|network is unreachable|connection reset/i;

/**
 * Before any route moves: can the proxy open the new upstream at all? Asked from inside the proxy
 * container (its network, its resolver) with busybox wget, which the official caddy image (Alpine)
 * and the test image both have. A wrong --route port is refused here, and the old release never
 * stops serving. Null: an HTTP answer of any status, or nothing to ask with (no wget: the request
 * through the proxy after the switch still decides).
 */
export async function upstreamProblem(ctx: Pick<ServiceContext, 'engine'>, container: string, upstream: string): Promise<string | null> {
  const res = await ctx.engine.execIn(container, ['wget', '-q', '-O', '/dev/null', `http://${upstream}/`], 10_000);
  if (res.exitCode === 0) return null;
  const line = `${res.stderr}\n${res.stdout}`.split('\n').map((l) => l.trim()).find((l) => UNREACHED.test(l));
  return line ? line.replace(/^wget:\s*/, '') : null;
}

const SELF_ANSWERS_TO_FAIL = 3;

export interface ConfirmRouteOptions {
  httpsPort: number;
  domain: string;
  upstream: string;
  timeoutMs: number;
  host?: string;
  signal?: AbortSignal;
  probe?: typeof probeOnce;
}

/**
 * Polls until a request for the domain is answered by `upstream`. Resolves 'confirmed', or
 * 'no-certificate' when every attempt failed the TLS handshake (the route itself was read back;
 * the caller warns). Throws when the proxy answers from elsewhere, or not at all, until the deadline.
 */
export async function confirmRoute(o: ConfirmRouteOptions): Promise<'confirmed' | 'no-certificate'> {
  const probe = o.probe ?? probeOnce;
  const deadline = Date.now() + o.timeoutMs;
  let last = 'no answer';
  let tlsOnly = true;
  let selfAnswers = 0;
  for (;;) {
    if (o.signal?.aborted) throw new OtterError('interrupted', 'interrupted while confirming the proxy switch');
    let answer: ProbeAnswer | null = null;
    try {
      answer = await probe(o.host ?? '127.0.0.1', o.httpsPort, o.domain, 3000);
    } catch (err) {
      if (!isTlsRefusal(err)) tlsOnly = false;
      last = (err as Error).message;
    }
    if (answer) {
      tlsOnly = false;
      if (answer.upstream === o.upstream) return 'confirmed';
      // "In a row": an answer from another upstream starts the count again.
      if (answer.upstream) selfAnswers = 0;
      last = answer.upstream ? `answered by ${answer.upstream}` : `the proxy answered ${answer.status} itself (no upstream answered)`;
      // Caddy applies a config before the admin call returns: its own error answers, a few in a
      // row, mean the new release does not answer it. Every one is a failed request: stop now.
      if (!answer.upstream && ++selfAnswers >= SELF_ANSWERS_TO_FAIL) {
        throw new OtterError('deploy_failed', `a request for ${o.domain} through the proxy did not reach ${o.upstream}: ${last}`);
      }
    }
    if (Date.now() >= deadline) {
      if (tlsOnly) return 'no-certificate';
      throw new OtterError('deploy_failed', `a request for ${o.domain} through the proxy did not reach ${o.upstream} within ${Math.round(o.timeoutMs / 1000)}s (${last})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
