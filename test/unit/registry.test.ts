import { describe, expect, it } from 'vitest';
import { parseRegistryLogins } from '../../src/services/registry.js';
import { displayRegistryHost, registryConfigKey, validateRegistryHost, validateRegistryUsername } from '../../src/services/registry-host.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('registry hosts and users', () => {
  it('accepts hosts as image references name them', () => {
    for (const host of ['registry.example.com', '127.0.0.1:5000', 'localhost:5000', 'ghcr.io', 'docker.io', '[::1]:5000', 'Registry-1.example.COM:443']) {
      expect(validateRegistryHost(host)).toBe(host);
    }
  });

  it('refuses options, URLs, paths, whitespace, shell syntax and bad ports with one line', () => {
    for (const host of ['', '-foo', '--config=/etc', 'https://r.example', 'r.example/path', 'r example', 'r.example\n', 'a;b', '$(id)', '`id`', 'r.example:0', 'r.example:65536', 'r.example:', '-r.example', 'r-.example', 'r..example', "r'example"]) {
      expect(() => validateRegistryHost(host), host).toThrow(/^invalid registry .*: give the host as in image names, e\.g\. registry\.example\.com or 127\.0\.0\.1:5000/);
    }
  });

  it("refuses user names docker cannot store (':'), empty ones, whitespace and control characters", () => {
    expect(validateRegistryUsername('otter')).toBe('otter');
    expect(validateRegistryUsername('ci@example.com')).toBe('ci@example.com');
    expect(validateRegistryUsername('_json_key')).toBe('_json_key');
    for (const user of [undefined, '', 'a:b', 'a b', 'a\tb', 'a\u001bb']) expect(() => validateRegistryUsername(user)).toThrow(/^invalid registry user .*: give --username NAME/);
  });

  it("maps Docker Hub's names to the key docker stores it under, and back", () => {
    expect(registryConfigKey('docker.io')).toBe('https://index.docker.io/v1/');
    expect(registryConfigKey('index.docker.io')).toBe('https://index.docker.io/v1/');
    expect(registryConfigKey('r.example:5000')).toBe('r.example:5000');
    expect(displayRegistryHost('https://index.docker.io/v1/')).toBe('docker.io');
  });
});

describe('listing the logins of a config.json', () => {
  it('gives hosts and user names, never the auth, sorted', () => {
    const config = JSON.stringify({
      auths: {
        'r.example:5000': { auth: b64('otter:s3cret:with:colons') },
        'https://index.docker.io/v1/': { auth: b64('hubuser:pw') },
        'helper.example': {},
      },
      credsStore: 'pass',
    });
    const logins = parseRegistryLogins(config);
    expect(logins).toEqual([
      { host: 'docker.io', username: 'hubuser' },
      { host: 'helper.example', username: '' },
      { host: 'r.example:5000', username: 'otter' },
    ]);
    expect(JSON.stringify(logins)).not.toMatch(/s3cret|pw|auth/);
  });

  it('is empty for no auths, an empty or damaged file', () => {
    expect(parseRegistryLogins('{}')).toEqual([]);
    expect(parseRegistryLogins('{"auths":{}}')).toEqual([]);
    expect(parseRegistryLogins('')).toEqual([]);
    expect(parseRegistryLogins('{"auths": [')).toEqual([]);
  });
});
