import { describe, expect, it } from 'vitest';
import { parseDurationSeconds, validateComposeFile, validateOwner, validateProjectName, validateRef } from '../../src/services/validation.js';

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
