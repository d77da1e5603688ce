import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataPaths } from '../../src/services/paths.js';
import { proxyNames } from '../../src/services/proxy/proxy-names.js';
import { DEFAULT_PROXY_OPTIONS, resolveProxyOptions } from '../../src/services/proxy/proxy-options.js';
import { proxyContainerSpec, proxyRunArgs, specHash } from '../../src/services/proxy/proxy-container.js';

const usage = (fn: () => unknown, message: RegExp) => {
  try {
    fn();
  } catch (err) {
    expect(err).toMatchObject({ kind: 'usage' });
    expect(String((err as Error).message)).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
    return;
  }
  throw new Error('expected a usage error');
};

describe('proxy install options', () => {
  it('defaults to caddy:2 on 80/443, and an absent flag keeps the installed value', () => {
    expect(resolveProxyOptions({})).toEqual(DEFAULT_PROXY_OPTIONS);
    const installed = { ...DEFAULT_PROXY_OPTIONS, httpPort: 8080, httpsPort: 8443, email: 'a@example.com' };
    expect(resolveProxyOptions({ email: 'b@example.com' }, installed)).toEqual({ ...installed, email: 'b@example.com' });
    expect(resolveProxyOptions({ email: '' }, installed).email).toBe('');
  });

  it('accepts what operators write', () => {
    expect(resolveProxyOptions({ image: 'otterstack/caddy:local', httpPort: '1', httpsPort: '65535', email: 'ops+tls@mail.example.com', acmeCa: 'http://127.0.0.1:14000/dir' })).toMatchObject({ httpPort: 1, httpsPort: 65535 });
    for (const image of ['caddy', 'caddy:2.8-alpine', 'registry.example.com:5000/team/caddy:2', `caddy@sha256:${'a'.repeat(64)}`, 'localhost/caddy']) expect(resolveProxyOptions({ image }).image).toBe(image);
  });

  it('refuses every bad flag with a one-line usage error', () => {
    for (const port of ['0', '65536', '-1', '80a', '', '1e3', ' 80']) usage(() => resolveProxyOptions({ httpPort: port }), /invalid --http-port/);
    usage(() => resolveProxyOptions({ httpsPort: '99999' }), /invalid --https-port/);
    usage(() => resolveProxyOptions({ httpPort: '8080', httpsPort: '8080' }), /both 8080/);
    for (const email of ['ops', 'ops@', '@example.com', 'ops@example', 'a b@example.com', 'ops@example.com\nx', 'ops@-x.com']) usage(() => resolveProxyOptions({ email }), /invalid --email/);
    for (const url of ['ftp://ca.example.com/dir', 'ca.example.com', 'https://', 'javascript:alert(1)', 'https://ca.example.com/ dir']) usage(() => resolveProxyOptions({ acmeCa: url }), /invalid --acme-ca/);
    for (const image of ['--privileged', 'Caddy:2', 'caddy:', 'caddy 2', 'caddy;rm -rf /', '', 'caddy:2\n']) usage(() => resolveProxyOptions({ image }), /invalid --image/);
    usage(() => resolveProxyOptions({ acmeCaRoot: '/nonexistent/root.pem' }), /--acme-ca-root "\/nonexistent\/root.pem": cannot read it \(ENOENT\)/);
  });

  it('keeps only the certificates of an --acme-ca-root file (a key beside them is never copied); a file of none is refused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-acmeroot-'));
    try {
      const cert = '-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----';
      fs.writeFileSync(path.join(dir, 'both.pem'), `-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----\n${cert}\n`);
      fs.writeFileSync(path.join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----\n');
      expect(resolveProxyOptions({ acmeCaRoot: path.join(dir, 'both.pem') }).acmeCaRoot).toBe(`${cert}\n`);
      usage(() => resolveProxyOptions({ acmeCaRoot: path.join(dir, 'key.pem') }), /holds no PEM certificate/);
      expect(resolveProxyOptions({ acmeCaRoot: '' }, { ...DEFAULT_PROXY_OPTIONS, acmeCaRoot: cert }).acmeCaRoot).toBe('');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('proxy container', () => {
  const paths = new DataPaths('/var/lib/otterstack');
  const names = proxyNames({});
  const spec = proxyContainerSpec(names, { ...DEFAULT_PROXY_OPTIONS, httpPort: 8080, httpsPort: 8443 }, paths);

  it('is named otterstack-proxy on the otterstack-proxy network with the otterstack-proxy-data volume; OTTERSTACK_PROXY_NAME renames all three', () => {
    expect(names).toEqual({ container: 'otterstack-proxy', network: 'otterstack-proxy', volume: 'otterstack-proxy-data' });
    expect(proxyNames({ OTTERSTACK_PROXY_NAME: 't-proxy-1' })).toEqual({ container: 't-proxy-1', network: 't-proxy-1', volume: 't-proxy-1-data' });
    expect(proxyNames({ OTTERSTACK_PROXY_NAME: '--rm' }).container).toBe('otterstack-proxy');
  });

  it('publishes only the http and https ports (same numbers inside), mounts the volume, the admin folder and the start config read-only', () => {
    const args = proxyRunArgs(spec);
    expect(args.filter((_, i) => args[i - 1] === '--publish')).toEqual(['8080:8080', '8443:8443']);
    expect(args.join(' ')).not.toMatch(/2019|--publish-all|-P\b|--privileged|--network host/);
    expect(args.filter((_, i) => args[i - 1] === '--mount')).toEqual([
      'type=volume,source=otterstack-proxy-data,target=/data',
      'type=bind,source=/var/lib/otterstack/proxy/admin,target=/run/otterstack-admin',
      'type=bind,source=/var/lib/otterstack/proxy/config,target=/etc/otterstack-proxy,readonly',
    ]);
    expect(args.slice(args.indexOf('--'))).toEqual(['--', 'caddy:2', 'caddy', 'run', '--config', '/etc/otterstack-proxy/caddy.json']);
    expect(args.slice(0, 4)).toEqual(['--restart', 'unless-stopped', '--network', 'otterstack-proxy']);
  });

  it('changes its spec hash (so install recreates it) only when an option or a name changes', () => {
    expect(specHash(spec)).toBe(specHash(proxyContainerSpec(names, { ...DEFAULT_PROXY_OPTIONS, httpPort: 8080, httpsPort: 8443 }, paths)));
    expect(specHash(spec)).not.toBe(specHash(proxyContainerSpec(names, { ...DEFAULT_PROXY_OPTIONS, httpPort: 8080, httpsPort: 8444 }, paths)));
    expect(specHash(spec)).not.toBe(specHash(proxyContainerSpec(names, { ...DEFAULT_PROXY_OPTIONS, httpPort: 8080, httpsPort: 8443, email: 'a@example.com' }, paths)));
  });

  it('refuses a data dir docker could not mount', () => {
    expect(() => proxyRunArgs(proxyContainerSpec(names, DEFAULT_PROXY_OPTIONS, new DataPaths('/srv/a,b')))).toThrow(/comma, quote or newline/);
  });
});
