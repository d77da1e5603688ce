import crypto from 'node:crypto';
import type { NotificationTarget } from '../../db/schema.js';

/** What every backend receives. */
export interface NotificationPayload {
  event: string;
  project: string;
  severity: 'info' | 'warning' | 'error';
  message: string;
  at: string;
  ref?: string | null;
  sha?: string | null;
  service?: string;
  container?: string;
  /** Who started the operation ("alice from 203.0.113.7"). */
  by?: string;
}

export const SIGNATURE_HEADER = 'X-OtterStack-Signature';

export function hmacSignature(secret: string, body: string): string {
  return 'sha256=' + crypto.createHmac('sha256', secret).update(body).digest('hex');
}

export function summaryLine(p: NotificationPayload): string {
  return `[otterstack] ${p.project}: ${p.message}${p.by ? ` (by ${p.by})` : ''}`;
}

async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<void> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`HTTP ${res.status} from ${new URL(url).host}`);
}

/** Sends one notification; throws with a one-line reason on failure (the caller retries). */
export async function send(target: NotificationTarget, payload: NotificationPayload, env: NodeJS.ProcessEnv, timeoutMs = 10_000): Promise<void> {
  const secret = target.secret_env ? env[target.secret_env] : undefined;
  switch (target.kind) {
    case 'webhook': {
      const body = JSON.stringify(payload);
      return post(target.url, body, secret ? { [SIGNATURE_HEADER]: hmacSignature(secret, body) } : {}, timeoutMs);
    }
    case 'slack':
      return post(target.url, JSON.stringify({ text: summaryLine(payload) }), {}, timeoutMs);
    case 'discord':
      return post(target.url, JSON.stringify({ content: summaryLine(payload) }), {}, timeoutMs);
    case 'email':
      return sendEmail(target, payload, secret, timeoutMs);
  }
}

async function sendEmail(target: NotificationTarget, payload: NotificationPayload, password: string | undefined, timeoutMs: number): Promise<void> {
  const { createTransport } = await import('nodemailer');
  const url = new URL(target.url);
  const to = url.searchParams.get('to') ?? '';
  const transport = createTransport({
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
    secure: url.protocol === 'smtps:',
    // STARTTLS whenever the server offers it; `?tls=insecure` accepts a self-signed certificate.
    requireTLS: false,
    tls: url.searchParams.get('tls') === 'insecure' ? { rejectUnauthorized: false } : undefined,
    auth: url.username ? { user: decodeURIComponent(url.username), pass: password ?? '' } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    await transport.sendMail({
      from: target.email_from ?? 'otterstack@localhost',
      to,
      subject: `[otterstack] ${payload.project}: ${payload.event}`,
      text: `${payload.message}\n\nproject: ${payload.project}\nevent: ${payload.event}\nat: ${payload.at}${payload.ref ? `\nref: ${payload.ref}` : ''}${payload.sha ? `\nsha: ${payload.sha}` : ''}${payload.by ? `\nby: ${payload.by}` : ''}\n`,
    });
  } finally {
    transport.close();
  }
}
