import type { NotificationKind } from '../../db/schema.js';
import { OtterError } from '../errors.js';

/** `--notify kind=target` as typed by an operator → a target row. Pure; unit-tested. */
export interface TargetSpec {
  kind: NotificationKind;
  url: string;
  secretEnv: string | null;
  emailFrom: string | null;
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export function parseNotifySpec(spec: string, opts: { secretEnv?: string; smtp?: string; from?: string } = {}): TargetSpec {
  const eq = spec.indexOf('=');
  const kind = spec.slice(0, eq) as NotificationKind;
  const value = spec.slice(eq + 1);
  const bad = (why: string) => new OtterError('usage', `invalid --notify ${JSON.stringify(maskTarget(spec))}: ${why}`);
  if (eq <= 0 || !['webhook', 'slack', 'discord', 'email'].includes(kind)) throw bad('use webhook=URL, slack=URL, discord=URL or email=ADDRESS');
  if (opts.secretEnv !== undefined && !ENV_NAME.test(opts.secretEnv)) throw bad('--secret-env takes the NAME of an environment variable');
  if (kind === 'email') {
    if (!/^[^@\s,]+@[^@\s,]+$/.test(value)) throw bad('email= takes one address');
    if (!opts.smtp) throw bad('email needs --smtp smtp://[user@]host:port (password from $OTTERSTACK_SMTP_PASSWORD or --secret-env)');
    let smtp: URL;
    try {
      smtp = new URL(opts.smtp);
    } catch {
      throw bad('--smtp must be a URL like smtp://mail.example.com:587');
    }
    if (smtp.protocol !== 'smtp:' && smtp.protocol !== 'smtps:') throw bad('--smtp must use smtp:// or smtps://');
    if (smtp.password) throw bad('no password in --smtp: put it in an environment variable (--secret-env)');
    smtp.searchParams.set('to', value);
    return { kind, url: smtp.toString(), secretEnv: opts.secretEnv ?? 'OTTERSTACK_SMTP_PASSWORD', emailFrom: opts.from ?? `otterstack@${smtp.hostname}` };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad(`${kind}= takes an http(s) URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw bad(`${kind}= takes an http(s) URL`);
  if (url.username || url.password) throw bad('no credentials in the URL');
  return { kind, url: url.toString(), secretEnv: opts.secretEnv ?? null, emailFrom: null };
}

/** Webhook URLs carry their secret in the path (Slack, Discord): show only scheme and host. */
export function maskTarget(url: string): string {
  const m = /^([a-z]+=)?([a-z]+:\/\/[^/?#]+)(.*)$/i.exec(url);
  if (!m) return url.replace(/=.*/, '=****');
  const to = /[?&]to=([^&]+)/.exec(m[3] ?? '')?.[1];
  return `${m[1] ?? ''}${m[2]}${m[3] ? '/****' : ''}${to ? ` to ${decodeURIComponent(to)}` : ''}`;
}
