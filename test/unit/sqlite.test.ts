import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connection.js';
import { openSqlite, useBuiltinSqlite } from '../../src/db/sqlite.js';

describe('state file binding', () => {
  it('uses node:sqlite from Node 24 on (better-sqlite3 12 aborts there), better-sqlite3 before', () => {
    expect(useBuiltinSqlite('20.20.2')).toBe(false);
    expect(useBuiltinSqlite('22.23.2')).toBe(false);
    expect(useBuiltinSqlite('24.21.0')).toBe(true);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-sqlite-'));
    const db = openSqlite(path.join(dir, 'x.db'));
    expect(db.driver).toBe(useBuiltinSqlite() ? 'node:sqlite' : 'better-sqlite3');
    db.close();
  });

  it('serves kysely the same on either binding: migrations, inserts with RETURNING, updates, reads', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-sqlite-'));
    const file = path.join(dir, 'otterstack.db');
    const { db, close } = await openDatabase(file);
    const inserted = await db.insertInto('projects').values({ name: 'web', repo_type: 'local', repo_path: '/srv/web', created_at: 1, updated_at: 1 }).returningAll().executeTakeFirstOrThrow();
    expect(inserted).toMatchObject({ name: 'web', repo_path: '/srv/web' });
    const updated = await db.updateTable('projects').set({ repo_path: '/srv/web2' }).where('id', '=', inserted.id).executeTakeFirst();
    expect(Number(updated.numUpdatedRows)).toBe(1);
    expect((await db.selectFrom('projects').select('repo_path').execute()).map((r) => r.repo_path)).toEqual(['/srv/web2']);
    await close();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const raw = openSqlite(file, { readonly: true });
    expect(raw.all('PRAGMA journal_mode')[0]).toMatchObject({ journal_mode: 'wal' });
    expect(raw.all('SELECT name FROM projects WHERE id = ?', inserted.id).map((r) => ({ ...r }))).toEqual([{ name: 'web' }]);
    raw.close();
  });
});
