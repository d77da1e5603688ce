import { describe, expect, it } from 'vitest';
import { buildOverride, parseMount } from '../../src/services/override.js';

const base = { project: 'web', composeProject: 'otterstack-web-abc1234', worktree: '/data/worktrees/web/abc1234', persistentPaths: [], sharedDir: '/data/shared/web', instanceId: 'i1' };
const label = { labels: { 'io.otterstack.instance': 'i1' } };

describe('buildOverride', () => {
  it('pins volumes without an explicit name to a project-scoped name (v1 and v2 config shapes)', () => {
    const r = buildOverride({
      ...base,
      config: {
        volumes: {
          data: {}, // v1: no name
          cache: { name: 'otterstack-web-abc1234_cache' }, // v2 fills in the release-scoped default
          shared: { name: 'team-shared' }, // explicit: left alone
          ext: { external: true },
          empty: null,
        },
      },
    });
    expect(r.pinnedVolumes).toEqual({ data: 'otterstack-web_data', cache: 'otterstack-web_cache', empty: 'otterstack-web_empty' });
    const external = (name: string) => ({ external: true, name });
    expect(r.override).toEqual({ volumes: { data: external('otterstack-web_data'), cache: external('otterstack-web_cache'), empty: external('otterstack-web_empty') } });
    expect(r.externalVolumes).toEqual(['otterstack-web_data', 'otterstack-web_cache', 'otterstack-web_empty']);
    expect(r.errors).toEqual([]);
  });

  it('keeps compose-created, name-only pinning for volumes with driver options; old formats get external: {name}', () => {
    const nfs = { driver: 'local', driver_opts: { type: 'nfs', device: ':/srv' } };
    const r = buildOverride({ ...base, config: { version: '3.2', volumes: { nfs, data: {} } } });
    expect(r.override.volumes).toEqual({ nfs: { name: 'otterstack-web_nfs' }, data: { external: { name: 'otterstack-web_data' } } });
    expect(r.externalVolumes).toEqual(['otterstack-web_data']);
  });

  it('refuses a writable bind mount inside the worktree, naming the fix', () => {
    const r = buildOverride({ ...base, config: { services: { app: { volumes: ['/data/worktrees/web/abc1234/data:/var/lib/app:rw'] } } } });
    expect(r.errors).toEqual([expect.stringMatching(/^service app mounts \.\/data from the release checkout.*--persistent \.\/data/)]);
  });

  it('allows read-only config mounts and binds outside the worktree', () => {
    const r = buildOverride({
      ...base,
      config: {
        services: {
          app: {
            volumes: [
              { type: 'bind', source: '/data/worktrees/web/abc1234/nginx.conf', target: '/etc/nginx.conf', read_only: true },
              '/srv/media:/media',
              'named:/x',
            ],
          },
        },
      },
    });
    expect(r.errors).toEqual([]);
    expect(r.override).toEqual({ services: { app: label } });
  });

  it('maps persistent paths to the shared dir, keeping the target and mode', () => {
    const r = buildOverride({
      ...base,
      persistentPaths: ['./data'],
      config: { version: '3.9', services: { app: { volumes: [{ type: 'bind', source: '/data/worktrees/web/abc1234/data/db', target: '/db' }] } } },
    });
    expect(r.errors).toEqual([]);
    expect(r.sharedDirs).toEqual(['/data/shared/web/data/db']);
    expect(r.override).toEqual({ version: '3.9', services: { app: { ...label, volumes: ['/data/shared/web/data/db:/db'] } } });
  });

  it('parses short and long mount syntax', () => {
    expect(parseMount('./x:/y:ro')).toEqual({ type: 'bind', source: './x', target: '/y', readOnly: true });
    expect(parseMount('vol:/y')).toEqual({ type: 'volume', source: 'vol', target: '/y', readOnly: false });
    expect(parseMount('/anon')).toEqual({ type: 'volume', source: '', target: '/anon', readOnly: false });
  });
});
