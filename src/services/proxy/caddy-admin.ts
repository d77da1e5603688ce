import http from 'node:http';
import { OtterError } from '../errors.js';

/** Connection failures of an admin server being restarted by Caddy (or not up yet). */
const TRANSIENT = new Set(['ECONNREFUSED', 'ENOENT', 'EPIPE', 'ECONNRESET']);

export interface AdminResponse {
  status: number;
  body: string;
}

/**
 * Caddy's admin API over its unix socket (never TCP: the proxy publishes no admin port). The Host
 * header is sent empty: Caddy 2.6 accepts only that on a unix socket, later versions accept any.
 */
export class CaddyAdmin {
  constructor(
    readonly socketPath: string,
    private readonly timeoutMs = 10_000,
    private readonly retryMs = 1500,
  ) {}

  /**
   * DESIGN: every config Caddy loads restarts its admin server (the old one closes, the socket is
   * made again), so a request just after a /load can meet a closing or missing socket. Such a
   * connection failure is retried for RETRY_MS: every request we make is idempotent (GET, a /load
   * of a whole config, a PATCH that sets a value). A proxy that is really down still says so quickly.
   */
  async request(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<AdminResponse> {
    const deadline = Date.now() + this.retryMs;
    for (let delay = 50; ; delay = Math.min(delay * 2, 400)) {
      try {
        return await this.once(method, path, body);
      } catch (err) {
        const code = (err as { cause?: { code?: string } }).cause?.code;
        if (!code || !TRANSIENT.has(code) || Date.now() + delay > deadline) throw err;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private once(method: string, path: string, body?: unknown): Promise<AdminResponse> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        {
          socketPath: this.socketPath,
          path,
          method,
          setHost: false,
          timeout: this.timeoutMs,
          headers: { Host: '', ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', (err) => reject(this.unreachable(err)));
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (err) => reject(this.unreachable(err)));
      req.end(payload);
    });
  }

  /** GET and parse JSON; an error status is an OtterError with Caddy's own message. */
  async getJson(path: string): Promise<unknown> {
    const res = await this.request('GET', path);
    this.check(res, `GET ${path}`);
    return JSON.parse(res.body) as unknown;
  }

  /** Throws an OtterError (`not_found` for Caddy's 404) naming what failed and Caddy's reason. */
  check(res: AdminResponse, what: string): void {
    if (res.status >= 200 && res.status < 300) return;
    let reason = res.body.trim();
    try {
      reason = (JSON.parse(res.body) as { error?: string }).error ?? reason;
    } catch {
      /* not JSON: the text as it is */
    }
    throw new OtterError(res.status === 404 ? 'not_found' : 'environment', `proxy admin API: ${what} answered ${res.status}: ${reason.split('\n')[0]}`);
  }

  private unreachable(err: Error & { code?: string }): OtterError {
    if (err.code === 'EACCES' || err.code === 'EPERM') {
      return new OtterError('environment', `proxy admin socket ${this.socketPath}: permission denied (the proxy runs as root and creates it root-owned: run otterstack as root)`);
    }
    const e = new OtterError('environment', `proxy admin API does not answer on ${this.socketPath} (${err.code ?? err.message}): is the proxy running? (otterstack proxy status)`);
    return Object.assign(e, { cause: err });
  }
}
