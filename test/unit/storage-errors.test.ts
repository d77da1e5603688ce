import { describe, expect, it } from 'vitest';
import { EXIT_CODES, toOtterError } from '../../src/services/errors.js';

const err = (message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), extra);

describe('storage failures become exit 5 with what to do', () => {
  it.each([
    [err('database is locked', { code: 'SQLITE_BUSY' }), /locked by another process.*then retry/],
    [err('database is locked', { code: 'ERR_SQLITE_ERROR', errcode: 5 }), /locked by another process/],
    [err('ENOSPC: no space left on device, write', { code: 'ENOSPC', path: '/d/x' }), /disk holding the data dir is full \(\/d\/x\): free space/],
    [err('database or disk is full', { code: 'SQLITE_FULL' }), /is full/],
    [err("EROFS: read-only file system, open '/d/locks/a.lock'", { code: 'EROFS', path: '/d/locks/a.lock' }), /read-only \(\/d\/locks\/a.lock\): remount it read-write/],
    [err('attempt to write a readonly database', { code: 'SQLITE_READONLY' }), /read-only/],
    [err('disk I/O error', { code: 'SQLITE_IOERR_WRITE' }), /disk I\/O error.*otterstack doctor/],
    [err('EACCES: permission denied', { code: 'EACCES', path: '/d' }), /permission denied \(\/d\): run otterstack as the data dir's owner/],
    [err('file is not a database', { code: 'SQLITE_NOTADB' }), /damaged: restore otterstack.db/],
  ])('%s', (raw, sentence) => {
    const e = toOtterError(raw);
    expect(EXIT_CODES[e.kind]).toBe(5);
    expect(e.message).toMatch(sentence);
  });

  it('anything else stays internal (exit 1) with its first line', () => {
    const e = toOtterError(new Error('boom\nstack'));
    expect([e.kind, e.message]).toEqual(['internal', 'boom']);
  });
});
