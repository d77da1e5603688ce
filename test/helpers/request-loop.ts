import https from 'node:https';

export interface HttpsTarget {
  port: number;
  /** SNI and Host header. */
  domain: string;
  /** PEM roots to trust; none: the certificate is not checked (routing is what is measured). */
  ca?: string;
}

export interface HttpsAnswer {
  status: number;
  body: string;
  upstream: string;
}

/** One GET / through the proxy's HTTPS port on 127.0.0.1 for the domain; null on any socket/TLS error or timeout. */
export function httpsGet(t: HttpsTarget, timeoutMs = 3000): Promise<HttpsAnswer | null> {
  return new Promise((resolve) => {
    const req = https.get(
      { host: '127.0.0.1', port: t.port, servername: t.domain, path: '/', headers: { host: t.domain }, agent: false, timeout: timeoutMs, ...(t.ca ? { ca: t.ca } : { rejectUnauthorized: false }) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim(), upstream: String(res.headers['x-otterstack-upstream'] ?? '') }));
        res.on('error', () => resolve(null));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

export interface LoopResult {
  total: number;
  /** Requests with no answer or an answer other than 200. */
  failed: number;
  /** How many 200 answers each body got. */
  bodies: Record<string, number>;
}

/**
 * A steady request loop (one request, then `intervalMs`) while `op` runs, and `afterMs` after it
 * when asked, bounded by `maxMs`. Returns the loop's count and op's result.
 */
export function duringRequests<T>(t: HttpsTarget, op: () => Promise<T>, opts: LoopOptions = {}): Promise<{ loop: LoopResult; result: T }> {
  return duringProbes(() => httpsGet(t, 2000), op, opts);
}

export interface LoopOptions {
  intervalMs?: number;
  afterMs?: number;
  maxMs?: number;
}

/** The loop of duringRequests with any request: `probe` answers a status and body, or null for no answer. */
export async function duringProbes<T>(probe: () => Promise<{ status: number; body: string } | null>, op: () => Promise<T>, opts: LoopOptions = {}): Promise<{ loop: LoopResult; result: T }> {
  const loop: LoopResult = { total: 0, failed: 0, bodies: {} };
  let done = false;
  const running = (async () => {
    const deadline = Date.now() + (opts.maxMs ?? 180_000);
    while (!done && Date.now() < deadline) {
      loop.total++;
      const a = await probe();
      if (a?.status === 200) loop.bodies[a.body] = (loop.bodies[a.body] ?? 0) + 1;
      else loop.failed++;
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 10));
    }
  })();
  try {
    const result = await op();
    // A deploy returns once the old release is stopped: a measurement window after it is optional.
    if (opts.afterMs) await new Promise((r) => setTimeout(r, opts.afterMs));
    return { loop, result };
  } finally {
    done = true;
    await running;
  }
}

/**
 * A deploy during the request loop, checked for what every zero-downtime switch must give: exit 0
 * with nothing on stderr, 0 failed requests, and answers from both the old and the new release.
 */
export async function deployWithoutFailures<T extends { code: number | null; stderr: string }>(t: HttpsTarget, deploy: () => Promise<T>, from: string, to: string): Promise<T> {
  const { expect } = await import('vitest');
  const { loop, result } = await duringRequests(t, deploy);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(loop.failed).toBe(0);
  expect(loop.bodies[from]).toBeGreaterThan(0);
  expect(loop.bodies[to]).toBeGreaterThan(0);
  return result;
}
