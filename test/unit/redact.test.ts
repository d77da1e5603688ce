import { describe, expect, it } from 'vitest';
import { maskSecrets, redact, rememberSecretEnv, rememberSecretValues, secretValuesInConfig, stripUrlUserinfo } from '../../src/services/redact.js';
import { redactDeep } from '../../src/cli/json.js';

describe('redaction', () => {
  it('strips userinfo from URLs anywhere in a text', () => {
    expect(stripUrlUserinfo('cloning https://bob:hunter2@git.example/x.git now')).toBe('cloning https://git.example/x.git now');
    expect(stripUrlUserinfo('ssh://git@host/repo')).toBe('ssh://git@host/repo');
    expect(stripUrlUserinfo('ssh://git:pw@host/repo')).toBe('ssh://host/repo');
    expect(stripUrlUserinfo('https://ghp_token@github.com/o/r')).toBe('https://github.com/o/r');
    expect(stripUrlUserinfo('https://host/a@b')).toBe('https://host/a@b');
  });
  it('masks *_KEY, *_SECRET, *_PASSWORD, *_TOKEN values', () => {
    expect(maskSecrets('DB_PASSWORD=hunter2 API_TOKEN: "abc def" PORT=80')).toBe('DB_PASSWORD=**** API_TOKEN: **** PORT=80');
    expect(maskSecrets('AWS_SECRET_ACCESS_KEY=xyz KEYBOARD=qwerty')).toBe('AWS_SECRET_ACCESS_KEY=**** KEYBOARD=qwerty');
  });
  it('redacts nested JSON output', () => {
    expect(redactDeep({ a: ['https://u:p@h/x'], b: { c: 'X_TOKEN=1' }, n: 3 })).toEqual({ a: ['https://h/x'], b: { c: 'X_TOKEN=****' }, n: 3 });
    expect(redact('https://u:p@h/x SECRET=1')).toBe('https://h/x SECRET=****');
  });

  it('leaves compose interpolation of a secret name alone: it is a reference, not a value', () => {
    expect(maskSecrets('required variable ${SECRET_TOKEN:?set SECRET_TOKEN} is missing')).toBe('required variable ${SECRET_TOKEN:?set SECRET_TOKEN} is missing');
  });
  it('masks known secret values wherever they appear, in any form, longest first', () => {
    rememberSecretEnv({ DB_PASS_KEY: 'correct-horse', PATH: '/usr/bin', SHORT_TOKEN: 'abc' });
    rememberSecretValues(secretValuesInConfig({ services: { web: { environment: { API_TOKEN: 's3cr3t-value', PORT: '8080' } }, v1: { environment: ['X_SECRET=s3cr3t-value-longer'] } } }));
    expect(redact('health check exit 1: token s3cr3t-value-longer / s3cr3t-value rejected; image correct-horse:latest')).toBe('health check exit 1: token **** / **** rejected; image ****:latest');
    // Not secret-named, or too short to mask without mangling everything: untouched.
    expect(redact('PATH is /usr/bin, port 8080, abc')).toBe('PATH is /usr/bin, port 8080, abc');
  });
});


describe('placeholders in help text are not values', () => {
  it('leaves KEY=…, TOKEN=VALUE and KEY=<value> readable, masks real values', () => {
    expect(maskSecrets('otterstack env set web KEY=… or API_TOKEN=VALUE or SECRET_KEY=<value>')).toBe('otterstack env set web KEY=… or API_TOKEN=VALUE or SECRET_KEY=<value>');
    expect(maskSecrets('API_TOKEN=abc123')).toBe('API_TOKEN=****');
  });
});
