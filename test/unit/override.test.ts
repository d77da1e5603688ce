import { describe, expect, it } from 'vitest';
import { buildOverride, parseMount } from '../../src/services/override.js';
import { TrackedPaths } from '../../src/services/tracked-paths.js';

/** The release tracks a config file, an app folder and a data folder kept only by a .gitkeep. */
const tracked = new TrackedPaths(['compose.yaml', 'nginx/default.conf', 'app/index.php', 'app/lib/.gitkeep', 'data/.gitkeep', 'logs/.gitignore']);
const base = { project: 'web', composeProject: 'otterstack-web-abc1234', worktree: '/data/worktrees/web/abc1234', persistentPaths: [], sharedDir: '/data/shared/web', instanceId: 'i1', tracked };
const wt = (rel: string) => `/data/worktrees/web/abc1234/${rel}`;
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

  it('a writable bind of a path not in the release (absent, or only placeholders) is data: refused with the command to run', () => {
    for (const rel of ['data', 'cache', 'logs']) {
      const r = buildOverride({ ...base, config: { services: { app: { volumes: [`${wt(rel)}:/var/lib/app:rw`] } } } });
      expect(r.errors).toEqual([`service app mounts ./${rel}, which is not in the release (not tracked in git), so it holds data that a prune would delete: run otterstack project set web --persistent ./${rel} (or --auto-persist), or use a named volume`]);
    }
  });

  it('a writable bind of tracked content (file, folder, the whole checkout) is the release: mounted from it, with a note', () => {
    const volumes = [`${wt('nginx/default.conf')}:/etc/nginx/conf.d/default.conf`, `${wt('app')}:/var/www/html`, '/data/worktrees/web/abc1234:/code'];
    const r = buildOverride({ ...base, config: { services: { app: { volumes } } } });
    expect(r.errors).toEqual([]);
    expect(r.override).toEqual({ services: { app: label } });
    expect(r.notes).toEqual([
      'service app mounts ./nginx/default.conf from the release (tracked in git): writes there stay with this release and go when it is pruned',
      'service app mounts ./app from the release (tracked in git): writes there stay with this release and go when it is pruned',
      'service app mounts the whole checkout (.) from the release (tracked in git): writes there stay with this release and go when it is pruned',
    ]);
  });

  it('--auto-persist maps data paths to persistent folders and says so; tracked paths stay release content', () => {
    const r = buildOverride({ ...base, autoPersist: true, config: { services: { app: { volumes: [`${wt('data')}:/d`, `${wt('app')}:/a`] } } } });
    expect(r.errors).toEqual([]);
    expect(r.override).toEqual({ services: { app: { ...label, volumes: ['/data/shared/web/data:/d'] } } });
    expect(r.notes[0]).toBe('service app mounts ./data, which is not in the release: kept as persistent data in /data/shared/web/data (--auto-persist)');
  });

  it('a tracked path listed persistent is mapped, with a warning that it stops following releases', () => {
    const r = buildOverride({ ...base, persistentPaths: ['./app'], config: { services: { app: { volumes: [`${wt('app')}:/a`] } } } });
    expect(r.override).toEqual({ services: { app: { ...label, volumes: ['/data/shared/web/app:/a'] } } });
    expect(r.warnings).toEqual(['service app mounts ./app, tracked in git but listed persistent: it keeps the content it was created with and no longer follows new releases']);
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
