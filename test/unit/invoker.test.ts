import { describe, expect, it } from 'vitest';
import { invokerOf } from '../../src/services/invoker.js';

describe('who started an operation', () => {
  const none = () => '';
  it('is the operator behind sudo, else the login user, plus the SSH client address', () => {
    expect(invokerOf({ SUDO_USER: 'alice', USER: 'root', SSH_CONNECTION: '203.0.113.7 51234 10.0.0.1 22' }, none)).toBe('alice from 203.0.113.7');
    expect(invokerOf({ USER: 'bob' }, none)).toBe('bob');
    expect(invokerOf({ LOGNAME: 'carol', SSH_CONNECTION: '2001:db8::5 40000 2001:db8::1 22' }, none)).toBe('carol from 2001:db8::5');
    expect(invokerOf({}, () => 'deploy')).toBe('deploy');
    expect(invokerOf({}, none)).toBe('unknown');
  });

  it('keeps only name and address characters: the environment reaches terminals and webhooks', () => {
    expect(invokerOf({ USER: 'eve\x1b[31m{red}\n', SSH_CONNECTION: '1.2.3.4;rm -rf / 1 2 3' }, none)).toBe('eve31mred from 1.2.3.4');
    expect(invokerOf({ SUDO_USER: '\x07', USER: 'dave' }, none)).toBe('dave');
    expect(invokerOf({ USER: 'x'.repeat(200) }, none)).toHaveLength(64);
  });
});
