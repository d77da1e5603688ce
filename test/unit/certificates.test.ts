import { describe, expect, it } from 'vitest';
import { describeExpiry, expiringSoon, renewalFailing, type DomainCertificate } from '../../src/services/proxy/certificates.js';

const DAY = 86_400_000;
const now = Date.parse('2026-11-30T12:00:00Z');

describe('renewalFailing', () => {
  it('warns 14 days before a 90-day ACME certificate expires (Caddy renews it 30 days ahead)', () => {
    const from = now - 80 * DAY;
    expect(renewalFailing(from, now + 15 * DAY, now)).toBe(false);
    expect(renewalFailing(from, now + 13 * DAY, now)).toBe(true);
    expect(renewalFailing(from, now - DAY, now)).toBe(true);
  });

  it("judges a 12-hour internal certificate by its own lifetime, not by 14 days it never had", () => {
    const from = now - 6 * 3_600_000;
    expect(renewalFailing(from, from + 12 * 3_600_000, now)).toBe(false);
    expect(renewalFailing(from, now + 3_600_000, now)).toBe(true);
  });
});

describe('describeExpiry / expiringSoon', () => {
  const cert = (over: Partial<DomainCertificate>): DomainCertificate => ({ project: 'shop', domain: 'a.test', expiresAt: '2027-02-27T10:00:00.000Z', daysLeft: 89, expiring: false, issuer: 'Pebble', error: '', ...over });
  it('says when, and says renewal is failing only when it is', () => {
    expect(describeExpiry(cert({}))).toBe('expires in 89 day(s) (2027-02-27)');
    expect(describeExpiry(cert({ daysLeft: 10, expiring: true }))).toBe('expires in 10 day(s) (2027-02-27): renewal is failing, see otterstack proxy logs');
    expect(describeExpiry(cert({ daysLeft: 0, expiresAt: '2026-11-30T21:30:00.000Z' }))).toBe('expires at 21:30 UTC (2026-11-30)');
    expect(describeExpiry(cert({ daysLeft: -2, expiring: true }))).toMatch(/^EXPIRED 2 day\(s\) ago/);
    expect(describeExpiry(cert({ expiresAt: null, daysLeft: null, error: 'no certificate served' }))).toBe('no certificate: no certificate served');
    expect(expiringSoon([cert({}), cert({ domain: 'b.test', expiring: true })]).map((c) => c.domain)).toEqual(['b.test']);
  });
});
