/**
 * The certificates the proxy serves, as a client sees them (#18): a TLS handshake with each domain
 * as SNI on the proxy's HTTPS port, reading the certificate's expiry. What a browser would get, so
 * it covers ACME and internal issuance alike, without reading Caddy's storage.
 */
import tls from 'node:tls';
import type { ServiceContext } from '../context.js';
import { allProxyRoutes } from '../proxy-routes.js';
import { readInstalledOptions } from './proxy-state.js';

/**
 * Renewal is failing once a certificate has this little left: Caddy renews when a third of the
 * lifetime remains (30 days of a 90-day ACME certificate), so 14 days left means two weeks of failed
 * renewals. A short-lived certificate (the internal CA's last 12 hours) is judged by the same
 * proportion, a sixth of its lifetime, not by 14 days it never had.
 */
export const EXPIRY_WARNING_DAYS = 14;

/** Whether a certificate valid from..to has so little left at `now` that renewal must be failing. */
export function renewalFailing(validFrom: number, validTo: number, now: number): boolean {
  const left = validTo - now;
  return left < Math.min(EXPIRY_WARNING_DAYS * 86_400_000, (validTo - validFrom) / 6);
}

export interface DomainCertificate {
  project: string;
  domain: string;
  /** ISO time the certificate stops being valid; null when none was served. */
  expiresAt: string | null;
  daysLeft: number | null;
  /** Renewal should have replaced it by now (renewalFailing). */
  expiring: boolean;
  issuer: string;
  /** Why no certificate was read ('' when one was). */
  error: string;
}

/** One handshake for `domain` on 127.0.0.1:`port` (any certificate accepted: this reads it, does not trust it). */
export function servedCertificate(port: number, domain: string, timeoutMs = 5000): Promise<{ validFrom: Date; validTo: Date; issuer: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: domain, rejectUnauthorized: false, timeout: timeoutMs }, () => {
      const cert = socket.getPeerCertificate();
      socket.destroy();
      if (!cert?.valid_to) return reject(new Error('no certificate served'));
      const issuer = [cert.issuer?.O, cert.issuer?.CN].flat().filter(Boolean).join(' / ');
      resolve({ validFrom: new Date(cert.valid_from), validTo: new Date(cert.valid_to), issuer });
    });
    socket.on('timeout', () => socket.destroy(new Error(`no handshake within ${timeoutMs} ms`)));
    socket.on('error', reject);
  });
}

/** Every proxy project's domains with the certificate the proxy serves for each ([] when the proxy is not installed). */
export async function domainCertificates(ctx: ServiceContext, now = Date.now()): Promise<DomainCertificate[]> {
  const options = readInstalledOptions(ctx.paths);
  if (!options) return [];
  const routes = await allProxyRoutes(ctx);
  const out: DomainCertificate[] = [];
  for (const r of routes) {
    for (const domain of r.domains) {
      try {
        const cert = await servedCertificate(options.httpsPort, domain);
        const to = cert.validTo.getTime();
        out.push({ project: r.project, domain, expiresAt: cert.validTo.toISOString(), daysLeft: Math.floor((to - now) / 86_400_000), expiring: renewalFailing(cert.validFrom.getTime(), to, now), issuer: cert.issuer, error: '' });
      } catch (err) {
        out.push({ project: r.project, domain, expiresAt: null, daysLeft: null, expiring: false, issuer: '', error: (err as Error).message });
      }
    }
  }
  return out;
}

/** Certificates renewal should have replaced by now. */
export function expiringSoon(certs: readonly DomainCertificate[]): DomainCertificate[] {
  return certs.filter((c) => c.expiring);
}

/** "expires in 89 days (2027-02-27)", "EXPIRED 2 days ago", or why none was read. */
export function describeExpiry(c: DomainCertificate): string {
  if (c.expiresAt === null || c.daysLeft === null) return `no certificate: ${c.error}`;
  const date = c.expiresAt.slice(0, 10);
  if (c.daysLeft < 0) return `EXPIRED ${-c.daysLeft} day(s) ago (${date})`;
  const when = c.daysLeft > 0 ? `in ${c.daysLeft} day(s)` : `at ${c.expiresAt.slice(11, 16)} UTC`;
  return `expires ${when} (${date})${c.expiring ? ': renewal is failing, see otterstack proxy logs' : ''}`;
}
