import { describe, expect, it } from 'vitest';
import { explainGitFailure, isRemoteUrl, parseRemoteUrl } from '../../src/services/remote.js';

describe('remote URLs', () => {
  it.each([
    ['https://github.com/o/r.git', 'https://github.com/o/r.git', 'https'],
    ['https://bob:pw@host/o/r.git', 'https://host/o/r.git', 'https'],
    ['ssh://git@host:2222/o/r.git', 'ssh://git@host:2222/o/r.git', 'ssh'],
    ['git@github.com:o/r.git', 'git@github.com:o/r.git', 'ssh'],
    ['git://127.0.0.1:9418/r.git', 'git://127.0.0.1:9418/r.git', 'git'],
  ])('%s', (raw, sanitized, kind) => expect(parseRemoteUrl(raw)).toMatchObject({ sanitized, kind }));

  it('keeps http(s) userinfo only as transient credentials', () => {
    expect(parseRemoteUrl('https://bob:p%40ss@host/r.git').credentials).toEqual({ username: 'bob', password: 'p@ss' });
  });

  it.each(['-uhttps://x', 'file:///etc', 'ext::sh -c touch', 'https://', 'ssh://u:pw@host/r', 'git@host:../../etc', 'ssh://-oProxyCommand=touch%20x/r', 'ssh://-oProxyCommand=x@host/r', '-oProxyCommand=x@host:r.git'])('rejects %j without echoing secrets', (raw) => {
    expect(() => parseRemoteUrl(raw)).toThrow(/invalid repository URL/);
  });

  it('tells URLs from local paths', () => {
    expect(isRemoteUrl('/srv/app')).toBe(false);
    expect(isRemoteUrl('./app')).toBe(false);
    expect(isRemoteUrl('git@host:o/r.git')).toBe(true);
    expect(isRemoteUrl('https://h/r')).toBe(true);
  });

  it('explains git failures in one actionable line, without credentials', () => {
    expect(explainGitFailure('git@host: Permission denied (publickey).\nfatal: Could not read from remote repository.', 'ssh://git@host/r', false, 60)).toMatch(/^SSH key rejected/);
    expect(explainGitFailure('fatal: could not read Username for', 'https://u:p@h/r', false, 60)).toBe(
      'authentication required by https://h/r: configure a git credential helper (git config --global credential.helper ...) or use an SSH URL',
    );
    expect(explainGitFailure('', 'git://h/r', true, 5)).toMatch(/did not answer within 5s/);
  });
});
