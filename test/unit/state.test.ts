import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connection.js';
import { MIGRATIONS } from '../../src/db/migrations.js';
import { createStore } from '../../src/db/index.js';
import { resolveDataDir } from '../../src/services/paths.js';
import { parseSettingFlags } from '../../src/cli/context.js';
import { SettingsStore, envNameFor, parseSettingValue } from '../../src/services/settings.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'otter-state-'));

describe('state file', () => {
  it('is created 0600 with WAL and foreign keys, and migrates idempotently', async () => {
    const file = path.join(tmp(), 'otterstack.db');
    const a = await openDatabase(file);
    await a.close();
    const b = await openDatabase(file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const { sql } = await import('kysely');
    expect((await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(b.db)).rows[0]!.journal_mode).toBe('wal');
    expect((await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(b.db)).rows[0]!.foreign_keys).toBe(1);
    expect((await sql<{ n: number }>`SELECT count(*) AS n FROM schema_version`.execute(b.db)).rows[0]!.n).toBe(MIGRATIONS.length);
    await b.close();
  });

  it('allows at most one active deployment per project, enforced by the database', async () => {
    const { db, close } = await openDatabase(path.join(tmp(), 'otterstack.db'));
    const store = createStore(db);
    const p = await store.projects.insert({ name: 'p', repo_type: 'local', repo_path: '/r' });
    const row = (sha: string) => ({ project_id: p.id, git_sha: sha.repeat(40), git_ref: null, action: 'deploy' as const, compose_project: 'c', worktree_path: '/w', status: 'active' as const, pid: null, previous_deployment_id: null, started_at: Date.now() });
    const first = await store.deployments.insert(row('a'));
    await expect(store.deployments.insert(row('b'))).rejects.toThrow(/UNIQUE/);
    const second = await store.deployments.insert({ ...row('b'), status: 'deploying' });
    await store.deployments.finish(second.id, 'active');
    expect((await store.deployments.byId(first.id))!.status).toBe('inactive');
    expect((await store.deployments.active(p.id))!.id).toBe(second.id);
    await close();
  });
});

describe('blue-green generation', () => {
  it('is counted per project in the state file and starts again at 1 past the cap', async () => {
    const { nextGeneration, MAX_GENERATION } = await import('../../src/services/traefik-priority.js');
    const { db, close } = await openDatabase(path.join(tmp(), 'otterstack.db'));
    const store = createStore(db);
    const a = await store.projects.insert({ name: 'a', repo_type: 'local', repo_path: '/a' });
    const b = await store.projects.insert({ name: 'b', repo_type: 'local', repo_path: '/b' });
    expect(await store.projects.nextTraefikGeneration(a.id, nextGeneration)).toEqual({ generation: 1, renumber: false });
    expect(await store.projects.nextTraefikGeneration(a.id, nextGeneration)).toEqual({ generation: 2, renumber: false });
    expect(await store.projects.nextTraefikGeneration(b.id, nextGeneration)).toEqual({ generation: 1, renumber: false });
    await store.projects.update(a.id, { traefik_generation: MAX_GENERATION });
    expect(await store.projects.nextTraefikGeneration(a.id, nextGeneration)).toEqual({ generation: 1, renumber: true });
    expect((await store.projects.byName('a'))!.traefik_generation).toBe(1);
    await close();
  });
});

describe('data dir and settings', () => {
  it('parses --setting key=value flags into typed overrides', () => {
    expect(parseSettingFlags(['maxParallelDeploys=4', 'composeCommand=docker compose', 'keepPreviousContainers=false'])).toEqual({
      maxParallelDeploys: 4,
      composeCommand: 'docker compose',
      keepPreviousContainers: false,
    });
    expect(() => parseSettingFlags(['nope=1'])).toThrow(/invalid --setting/);
    expect(() => parseSettingFlags(['maxParallelDeploys'])).toThrow(/invalid --setting/);
  });

  it('resolves the data dir by precedence', () => {
    expect(resolveDataDir({ flag: '/x', env: { OTTERSTACK_DATA_DIR: '/y' }, uid: 0, home: '/h' })).toBe('/x');
    expect(resolveDataDir({ env: { OTTERSTACK_DATA_DIR: '/y' }, uid: 0, home: '/h' })).toBe('/y');
    expect(resolveDataDir({ env: {}, uid: 0, home: '/h' })).toBe('/var/lib/otterstack');
    expect(resolveDataDir({ env: { XDG_DATA_HOME: '/xdg' }, uid: 1000, home: '/h' })).toBe('/xdg/otterstack');
    expect(resolveDataDir({ env: {}, uid: 1000, home: '/h' })).toBe('/h/.local/share/otterstack');
  });

  it('bounds every numeric setting: no timer Node cannot hold, no zero that breaks every deploy', () => {
    expect(() => parseSettingValue('deployTimeoutSeconds', '9999999')).toThrow(/deployTimeoutSeconds: use a whole number from 1 to 2147483/);
    expect(() => parseSettingValue('healthTimeoutSeconds', '0')).toThrow(/from 1 to/);
    expect(() => parseSettingValue('historyRetention', '0')).toThrow(/from 1 to/);
    expect(() => parseSettingValue('worktreeRetention', '1.5')).toThrow(/whole number/);
    expect(() => parseSettingValue('fetchTimeoutSeconds', '')).toThrow(/invalid value ""/);
    expect(() => parseSettingValue('maxParallelDeploys', '0')).toThrow(/from 1 to 64/);
    expect(parseSettingValue('healthTimeoutSeconds', '1.5')).toBe(1.5);
    expect(parseSettingValue('drainSeconds', '0')).toBe(0);
    expect(parseSettingValue('deployTimeoutSeconds', '2147483')).toBe(2147483);
    // Every layer is checked up front, not when a deploy first reads the value.
    expect(() => new SettingsStore(tmp(), { OTTERSTACK_HEALTH_TIMEOUT_SECONDS: 'abc' }).validate()).toThrow(/healthTimeoutSeconds/);
    expect(() => new SettingsStore(tmp(), {}, { drainSeconds: 3 }).validate()).not.toThrow();
  });

  it('layers defaults < file < env < flags', async () => {
    const dir = tmp();
    expect(envNameFor('healthTimeoutSeconds')).toBe('OTTERSTACK_HEALTH_TIMEOUT_SECONDS');
    const file = new SettingsStore(dir, {});
    expect(file.get('maxParallelDeploys')).toBe(2);
    await file.set('maxParallelDeploys', '3');
    expect(fs.statSync(path.join(dir, 'settings.json')).mode & 0o777).toBe(0o600);
    expect(new SettingsStore(dir, {}).get('maxParallelDeploys')).toBe(3);
    expect(new SettingsStore(dir, { OTTERSTACK_MAX_PARALLEL_DEPLOYS: '5' }).get('maxParallelDeploys')).toBe(5);
    expect(new SettingsStore(dir, { OTTERSTACK_MAX_PARALLEL_DEPLOYS: '5' }, { maxParallelDeploys: 7 }).get('maxParallelDeploys')).toBe(7);
    await expect(file.set('maxParallelDeploys', 'lots')).rejects.toThrow(/invalid value/);
    fs.writeFileSync(path.join(dir, 'settings.json'), '{not json');
    expect(() => new SettingsStore(dir, {}).get('maxParallelDeploys')).toThrow(/settings\.json is not a JSON object of settings.*fix it or remove it/);
    expect(() => new SettingsStore(dir, { OTTERSTACK_KEEP_PREVIOUS_CONTAINERS: 'maybe' }).get('keepPreviousContainers')).toThrow(/true or false/);
  });
});
