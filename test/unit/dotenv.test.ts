import { describe, expect, it } from 'vitest';
import { formatDotenv, parseDotenv } from '../../src/services/dotenv.js';
import { describeChanges, maskValue } from '../../src/services/project-env.js';

describe('dotenv', () => {
  const text = [
    '# comment',
    '',
    'export PLAIN=value # trailing comment',
    "SINGLE='lit $HOME \\n #x'",
    'DOUBLE="a \\"quoted\\" \\\\ tab\\tend"',
    'MULTI="line one',
    'line two"',
    'EMPTY=',
    'URL=postgres://u:p@db:5432/app?sslmode=disable',
  ].join('\n');

  it('reads comments, export, quotes, escapes and multi-line values', () => {
    expect(parseDotenv(text)).toEqual([
      ['PLAIN', 'value'],
      ['SINGLE', 'lit $HOME \\n #x'],
      ['DOUBLE', 'a "quoted" \\ tab\tend'],
      ['MULTI', 'line one\nline two'],
      ['EMPTY', ''],
      ['URL', 'postgres://u:p@db:5432/app?sslmode=disable'],
    ]);
  });

  it('round-trips through formatDotenv', () => {
    const vars = parseDotenv(text);
    expect(parseDotenv(formatDotenv(vars))).toEqual(vars);
  });

  it.each([
    ['no equals sign', 'A=1\nJUSTTEXT\n', /^f line 2: expected KEY=VALUE$/],
    ['bad key', 'A=1\nB=2\n3X=1', /^f line 3: invalid key "3X"/],
    ['unterminated quote', 'A="open\nB=2', /^f line 1: unterminated double quote$/],
    ['text after quote', "A='x' y", /^f line 1: unexpected text after the closing quote$/],
  ])('%s names the line', (_, input, message) => {
    expect(() => parseDotenv(input, 'f')).toThrow(message);
  });
});

describe('project configuration display', () => {
  it('masks short values fully and long ones but their last 2 characters', () => {
    expect([maskValue(''), maskValue('short'), maskValue('12345678901'), maskValue('123456789012')]).toEqual(['****', '****', '****', '****12']);
  });
  it('describes changes by name only', () => {
    const v = (value: string) => ({ value, services: [], build: false });
    expect(describeChanges({ vars: { A: v('1'), B: v('2'), OLD: v('x') } }, { vars: { A: v('1'), B: v('3'), NEW: v('y') } })).toBe('~B +NEW -OLD');
  });
});
