import { describe, expect, it } from 'vitest';
import { parseDurationSeconds, parsePort, validateComposeFile, validateDomain, validateOwner, validateProjectName, validateRef } from '../../src/services/validation.js';

describe('validateProjectName', () => {
  it.each(['web', 'a', 'my-app-2', '0x', 'a'.repeat(63)])('accepts %j', (n) => expect(validateProjectName(n)).toBe(n));
  it.each(['', 'A', 'a b', '../x', '-a', 'a/b', 'a_b', 'a.b', 'a'.repeat(64), 'é'])('rejects %j', (n) =>
    expect(() => validateProjectName(n)).toThrow(/invalid project name/),
  );
});

describe('validateRef', () => {
  it.each(['v1', 'v1.2.3', 'main', 'feature/x', 'release-1_2', 'main~1', 'v1^', 'a'.repeat(40), 'HEAD'])('accepts %j', (r) =>
    expect(validateRef(r)).toBe(r),
  );
  it.each([
    '',
    '--upload-pack=touch /tmp/x',
    '-h',
    '$(touch /tmp/y)',
    '`id`',
    '../../etc',
    'a..b',
    'v1;rm',
    'v1 v2',
    'a|b',
    'x\ny',
    'refs//x',
    'x/',
    'x.lock',
    '.hidden',
    'a'.repeat(256),
  ])('rejects %j', (r) => expect(() => validateRef(r)).toThrow(/invalid ref/));
});

describe('validateComposeFile', () => {
  it('accepts subfolder paths and normalises them', () => expect(validateComposeFile('./apps/web/compose.yaml')).toBe('apps/web/compose.yaml'));
  it.each(['/etc/passwd', '../x.yaml', 'a/../../x', '-f', ''])('rejects %j', (f) => expect(() => validateComposeFile(f)).toThrow(/invalid compose file/));
});

describe('parseDurationSeconds', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['5m', 300],
    ['1h', 3600],
    ['500ms', 0.5],
  ])('%s -> %d', (t, s) => expect(parseDurationSeconds(t, '--timeout')).toBe(s));
  it.each(['', 'abc', '-1s', '0', '5d'])('rejects %j', (t) => expect(() => parseDurationSeconds(t, '--timeout')).toThrow(/invalid --timeout/));
});

describe('validateOwner', () => {
  it('takes numeric uid:gid and refuses names, gaps and out-of-range ids', () => {
    expect(validateOwner('65534:65534')).toBe('65534:65534');
    expect(validateOwner('007:0')).toBe('7:0');
    for (const bad of ['nobody', '1:', ':1', '1:2:3', '-1:0', '4294967295:0', '1: 2', '1:2\n']) expect(() => validateOwner(bad), bad).toThrow(/invalid --owner/);
  });
});

describe('validateDomain', () => {
  it.each([
    ['app.example.com', 'app.example.com'],
    ['App.Example.COM', 'app.example.com'],
    ['app.example.com.', 'app.example.com'],
    ['web.localhost', 'web.localhost'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['a-b.c0.io', 'a-b.c0.io'],
    [`${'a'.repeat(63)}.example.com`, `${'a'.repeat(63)}.example.com`],
  ])('accepts %j as %j', (raw, name) => expect(validateDomain(raw)).toBe(name));

  it.each([
    ['*.example.com', /wildcard domains need an ACME DNS challenge/],
    ['app.*.com', /wildcard/],
    ['https://app.example.com', /host name only, without scheme, port or path/],
    ['app.example.com:8443', /without scheme, port or path/],
    ['app.example.com/x', /without scheme, port or path/],
    ['user@app.example.com', /without scheme, port or path/],
    ['a_b.example.com', /label "a_b" may hold only letters/],
    [`${'a'.repeat(64)}.example.com`, /longer than 63 characters/],
    [`${'a.'.repeat(127)}com`, /at most 253 characters/],
    ['-app.example.com', /starts or ends with '-'/],
    ['app-.example.com', /starts or ends with '-'/],
    ['app..example.com', /empty label/],
    ['.example.com', /empty label/],
    ['localhost', /full host name with a dot/],
    ['10.0.0.1', /not an IP address/],
    ['bücher.example', /punycode: xn--bcher-kva\.example/],
    ['app example.com', /may hold only letters/],
    ['', /--no-domain/],
  ])('refuses %j', (raw, why) => expect(() => validateDomain(raw)).toThrow(why));

  it('is bad input (exit 2), and never echoes a terminal control character', () => {
    expect(() => validateDomain('*.x.com')).toThrow(expect.objectContaining({ kind: 'usage' }));
    for (const raw of ['a\x1b[2J.com', 'a\x9b2J.com']) {
      let message = '';
      try {
        validateDomain(raw);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/^invalid --domain/);
      expect(message).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    }
  });
});

describe('parsePort', () => {
  it('takes 1-65535 in decimal digits only', () => {
    expect(parsePort('1')).toBe(1);
    expect(parsePort('65535')).toBe(65535);
    for (const bad of ['0', '65536', '-1', '80.0', '0x50', '', ' 80', '123456']) expect(parsePort(bad), bad).toBeNull();
  });
});
