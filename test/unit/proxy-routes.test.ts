import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connection.js';
import { createStore, type Database } from '../../src/db/index.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { migrate, MIGRATIONS } from '../../src/db/migrations.js';
import { allProxyRoutes, projectRoutes } from '../../src/services/proxy-routes.js';
import { refuseDomainsHeldElsewhere } from '../../src/services/domain-owners.js';

const made: string[] = [];
const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-proxy-'));
  made.push(dir);
  return dir;
};
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('projectRoutes', () => {
  const project = { name: 'shop', strategy: 'proxy' as const, proxy_tls: 'acme' as const };
  it('groups the domains by (service, port), sorted, one route each', () => {
    expect(
      projectRoutes(project, [
        { domain: 'www.shop.example', service: 'web', port: 8080 },
        { domain: 'api.shop.example', service: 'api', port: 3000 },
        { domain: 'shop.example', service: 'web', port: 8080 },
        { domain: 'admin.shop.example', service: 'web', port: 9000 },
      ]),
    ).toEqual([
      { project: 'shop', domains: ['api.shop.example'], service: 'api', port: 3000, tls: 'acme' },
      { project: 'shop', domains: ['shop.example', 'www.shop.example'], service: 'web', port: 8080, tls: 'acme' },
      { project: 'shop', domains: ['admin.shop.example'], service: 'web', port: 9000, tls: 'acme' },
    ]);
  });
  it('carries the project\'s TLS mode, and gives nothing for another strategy', () => {
    const rows = [{ domain: 'a.internal', service: 'web', port: 80 }];
    expect(projectRoutes({ ...project, proxy_tls: 'internal' }, rows)[0]!.tls).toBe('internal');
    expect(projectRoutes({ ...project, strategy: 'recreate' }, rows)).toEqual([]);
    expect(projectRoutes(project, [])).toEqual([]);
  });
});

describe('project domains in the state file (migration 13)', () => {
  it('allProxyRoutes reads every proxy project; a domain belongs to one project, enforced by the database', async () => {
    const { db, close } = await openDatabase(path.join(tmp(), 'otterstack.db'));
    const store = createStore(db);
    await store.projects.insert({ name: 'web', repo_type: 'local', repo_path: '/w', strategy: 'proxy' }, [
      { domain: 'www.example.com', service: 'web', port: 8080 },
      { domain: 'example.com', service: 'web', port: 8080 },
    ]);
    const api = await store.projects.insert({ name: 'api', repo_type: 'local', repo_path: '/a', strategy: 'proxy', proxy_tls: 'internal' }, [{ domain: 'api.internal', service: 'api', port: 3000 }]);
    await store.projects.insert({ name: 'plain', repo_type: 'local', repo_path: '/p' });
    expect(await allProxyRoutes({ store })).toEqual([
      { project: 'api', domains: ['api.internal'], service: 'api', port: 3000, tls: 'internal' },
      { project: 'web', domains: ['example.com', 'www.example.com'], service: 'web', port: 8080, tls: 'acme' },
    ]);
    // The service's check names the holder and the command that frees the domain; a project's own domains are not "held elsewhere".
    await expect(refuseDomainsHeldElsewhere({ store }, 'thief', ['new.example.com', 'www.example.com'])).rejects.toThrow(
      /^domain www\.example\.com is already used by project web: remove it there first \(otterstack project set web --domain example\.com\)$/,
    );
    await expect(refuseDomainsHeldElsewhere({ store }, 'web', ['www.example.com'])).resolves.toBeUndefined();
    // Another project cannot take a held domain, even past the service's own check; nothing of the failed write stays.
    await expect(store.projects.insert({ name: 'thief', repo_type: 'local', repo_path: '/t', strategy: 'proxy' }, [{ domain: 'example.com', service: 'web', port: 80 }])).rejects.toThrow(/UNIQUE constraint failed: project_domains\.domain/);
    expect(await store.projects.byName('thief')).toBeUndefined();
    await expect(store.projects.update(api.id, {}, [{ domain: 'www.example.com', service: 'api', port: 1 }])).rejects.toThrow(/UNIQUE/);
    expect(await store.projectDomains.forProject(api.id)).toEqual([{ domain: 'api.internal', service: 'api', port: 3000 }]);
    await expect(sql`INSERT INTO project_domains (project_id, domain, service, port) VALUES (${api.id}, 'UPPER.example', 'api', 80)`.execute(db)).rejects.toThrow(/CHECK/);
    await expect(sql`UPDATE projects SET strategy = 'bogus' WHERE id = ${api.id}`.execute(db)).rejects.toThrow(/CHECK/);
    // Removing a project frees its domains.
    await store.projects.delete(api.id);
    expect((await store.projectDomains.all()).map((d) => d.domain)).toEqual(['www.example.com', 'example.com']);
    await close();
  });

  it('migrates a version-12 file: strategies and every row kept (deployments too), proxy now allowed', async () => {
    const sqlite = openSqlite(path.join(tmp(), 'otterstack.db'));
    sqlite.exec('PRAGMA foreign_keys = ON;');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    await migrate(db, MIGRATIONS.filter((m) => m.version <= 12));
    await sql`INSERT INTO projects (name, repo_type, repo_path, strategy, created_at, updated_at) VALUES ('bg', 'local', '/b', 'blue-green', 1, 1), ('rc', 'local', '/r', 'recreate', 1, 1)`.execute(db);
    await sql`INSERT INTO deployments (project_id, git_sha, compose_project, worktree_path, status, started_at) VALUES (1, ${'a'.repeat(40)}, 'c', '/w', 'active', 1)`.execute(db);
    await expect(sql`UPDATE projects SET strategy = 'proxy'`.execute(db)).rejects.toThrow(/CHECK/);
    expect(await migrate(db)).toBe(MIGRATIONS.at(-1)!.version);
    const store = createStore(db);
    expect((await store.projects.all()).map((p) => [p.name, p.strategy, p.proxy_tls])).toEqual([['bg', 'blue-green', 'acme'], ['rc', 'recreate', 'acme']]);
    expect(await store.deployments.active(1)).toMatchObject({ git_sha: 'a'.repeat(40) });
    await store.projects.update(2, { strategy: 'proxy' }, [{ domain: 'rc.example.com', service: 'web', port: 80 }]);
    expect(await allProxyRoutes({ store })).toEqual([{ project: 'rc', domains: ['rc.example.com'], service: 'web', port: 80, tls: 'acme' }]);
    await db.destroy();
  });
});
