import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Deployment } from '../../src/db/schema.js';
import { containerTable, containersWithShared, historyTable } from '../../src/render/rows.js';
import type { ContainerInfo } from '../../src/services/commands/engine.js';
import { hookOnSharedError, parseDuration, parseExtension, resolveShared } from '../../src/services/extension.js';
import { attachSharedNetwork, sharedDefinitionHash, sharedServiceProblems, withoutSharedServices } from '../../src/services/shared-release.js';
import { blueGreenStatefulError, statefulServices } from '../../src/services/stateful.js';

const wt = '/data/worktrees/shop/abc1234';

describe('parseDuration', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['10m', 600],
    ['1h', 3600],
    ['1m30s', 90],
    ['1h2m3s', 3723],
    [' 45s ', 45],
    [120, 120],
  ] as const)('%j → %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });
  it.each(['', '0', '0s', '0h0m', '1.5h', '10M', '-5', '5 min', '1s1m', 'soon', 0, -3, 1.5, null, undefined, true])('%j is not a duration', (value) => {
    expect(parseDuration(value)).toBeNull();
  });
});

describe('parseExtension', () => {
  const services = ['web', 'db', 'redis', 'migrate'];
  it('is empty without x-otterstack', () => {
    expect(parseExtension(undefined, services)).toEqual({ shared: null, hooks: {}, errors: [] });
    expect(parseExtension(null, services)).toEqual({ shared: null, hooks: {}, errors: [] });
  });

  it('reads shared services (once each) and both hooks; a string command runs through sh -c, timeout defaults to 10m', () => {
    const ext = parseExtension(
      {
        shared: ['db', 'redis', 'db'],
        oneshot: ['migrate'],
        hooks: {
          pre_deploy: { service: 'web', command: ['./manage.py', 'migrate'], timeout: '90s' },
          post_deploy: { service: 'web', command: './notify-cache-warm && echo done' },
        },
      },
      services,
    );
    expect(ext).toEqual({
      shared: ['db', 'redis'],
      hooks: {
        pre_deploy: { name: 'pre_deploy', service: 'web', command: ['./manage.py', 'migrate'], timeoutSeconds: 90 },
        post_deploy: { name: 'post_deploy', service: 'web', command: ['sh', '-c', './notify-cache-warm && echo done'], timeoutSeconds: 600 },
      },
      errors: [],
    });
  });

  it('says shared: [] explicitly (not the same as saying nothing)', () => {
    expect(parseExtension({ shared: [] }, services).shared).toEqual([]);
    expect(parseExtension({ hooks: {} }, services).shared).toBeNull();
  });

  it.each([
    [['db'], 'x-otterstack must be a mapping (shared:, hooks:, oneshot:)'],
    ['db', 'x-otterstack must be a mapping (shared:, hooks:, oneshot:)'],
    [{ share: ['db'] }, 'x-otterstack has unknown key "share": use shared, hooks, oneshot'],
    [{ shared: 'db' }, 'x-otterstack.shared must be a list of service names, e.g. [db, redis]'],
    [{ shared: ['db', 3] }, 'x-otterstack.shared must be a list of service names, e.g. [db, redis]'],
    [{ shared: ['postgres'] }, 'x-otterstack.shared names "postgres", which is not a service of this file (services: web, db, redis, migrate)'],
    [{ hooks: ['pre_deploy'] }, 'x-otterstack.hooks must be a mapping with pre_deploy: and/or post_deploy:'],
    [{ hooks: { 'pre-deploy': { service: 'web', command: 'x' } } }, 'x-otterstack.hooks has unknown hook "pre-deploy": use pre_deploy or post_deploy'],
    [{ hooks: { pre_deploy: './migrate' } }, 'x-otterstack.hooks.pre_deploy must be a mapping: { service: web, command: [...], timeout: 10m }'],
    [{ hooks: { pre_deploy: { service: 'web', command: 'x', timout: '1m' } } }, 'x-otterstack.hooks.pre_deploy has unknown key "timout": use service, command, timeout'],
    [{ hooks: { pre_deploy: { service: 'worker', command: 'x' } } }, 'x-otterstack.hooks.pre_deploy.service must name a service of this file (services: web, db, redis, migrate), got "worker"'],
    [{ hooks: { post_deploy: { command: 'x' } } }, 'x-otterstack.hooks.post_deploy.service must name a service of this file (services: web, db, redis, migrate), got null'],
    [{ shared: ['db'], hooks: { pre_deploy: { service: 'db', command: 'psql -c1' } } }, 'x-otterstack.hooks.pre_deploy.service db is shared: a hook runs in the new release, so name one of its own services'],
    [{ hooks: { pre_deploy: { service: 'web', command: 'x', timeout: 'soon' } } }, 'x-otterstack.hooks.pre_deploy.timeout must be a duration such as 90s, 10m or 1h, got "soon"'],
    [{ hooks: { pre_deploy: { service: 'web', command: 'x', timeout: 0 } } }, 'x-otterstack.hooks.pre_deploy.timeout must be a duration such as 90s, 10m or 1h, got 0'],
  ])('refuses %j', (extension, error) => {
    expect(parseExtension(extension, services).errors).toEqual([error]);
  });

  it.each([[''], ['   '], [[]], [[{ run: 'x' }]], [42], [null]])('refuses command %j', (command) => {
    const ext = parseExtension({ hooks: { pre_deploy: { service: 'web', command } } }, services);
    expect(ext.errors).toEqual(['x-otterstack.hooks.pre_deploy.command must be a non-empty list (["./manage.py", "migrate"]) or string']);
    expect(ext.hooks).toEqual({});
  });

  it('keeps a good hook beside a bad one, and the shared list beside a bad hook', () => {
    const ext = parseExtension({ shared: ['db'], hooks: { pre_deploy: { service: 'web', command: 'migrate' }, post_deploy: { service: 'web', command: [] } } }, services);
    expect(ext.shared).toEqual(['db']);
    expect(Object.keys(ext.hooks)).toEqual(['pre_deploy']);
    expect(ext.errors).toHaveLength(1);
  });
});

describe('hookOnSharedError (services shared by the project setting, not the file)', () => {
  const { hooks } = parseExtension({ hooks: { pre_deploy: { service: 'web', command: 'migrate' }, post_deploy: { service: 'db', command: 'vacuumdb' } } }, ['web', 'db']);
  it('names the hook that would run in a service the release no longer has', () => {
    expect(hookOnSharedError(hooks, ['db'])).toBe('x-otterstack.hooks.post_deploy.service db is shared: a hook runs in the new release, so name one of its own services');
  });
  it('is null when no hook names a shared service', () => {
    expect(hookOnSharedError(hooks, ['redis'])).toBeNull();
    expect(hookOnSharedError(hooks, [])).toBeNull();
  });
});

describe('resolveShared', () => {
  const services = ['web', 'db', 'redis'];
  it('takes the file’s list when it has one, even an empty one', () => {
    expect(resolveShared(['db'], ['redis'], services)).toEqual({ shared: ['db'], errors: [] });
    expect(resolveShared([], ['db'], services)).toEqual({ shared: [], errors: [] });
  });
  it('otherwise takes the project’s list, checked against the file', () => {
    expect(resolveShared(null, ['db', 'redis'], services)).toEqual({ shared: ['db', 'redis'], errors: [] });
    expect(resolveShared(null, [], services)).toEqual({ shared: [], errors: [] });
    expect(resolveShared(null, ['db', 'cache', 'queue'], services)).toEqual({
      shared: [],
      errors: ['the project\'s shared services name "cache", "queue", not in this compose file (services: web, db, redis): fix with otterstack project set <project> --shared <names>'],
    });
  });
});

describe('withoutSharedServices', () => {
  const raw = `# The shop and its database
version: "3.8"
services:
  db:
    image: postgres:16   # the database
    volumes:
      - pgdata:/var/lib/postgresql/data
  redis:
    image: redis:7
  web:
    image: example/shop:1  # the app
    depends_on:
      - db
      - redis
    links:
      - db:database
  worker:
    image: example/shop:1
    depends_on:
      db:
        condition: service_healthy
  cron:
    image: example/shop:1
    depends_on: [db]
    links: [db]
volumes:
  pgdata: {}
`;

  it('removes the shared service and what pointed at it (list and map depends_on, links), keeping the rest as written', () => {
    const r = withoutSharedServices(raw, ['db']);
    expect(r.errors).toEqual([]);
    expect(r.text).toBe(`# The shop and its database
version: "3.8"
services:
  redis:
    image: redis:7
  web:
    image: example/shop:1 # the app
    depends_on:
      - redis
  worker:
    image: example/shop:1
  cron:
    image: example/shop:1
volumes:
  pgdata: {}
`);
  });

  it('removes several shared services at once', () => {
    const doc = parseYaml(withoutSharedServices(raw, ['db', 'redis']).text);
    expect(Object.keys(doc.services)).toEqual(['web', 'worker', 'cron']);
    expect(doc.services.web).toEqual({ image: 'example/shop:1' });
  });

  it('keeps an alias to an anchor set inside a shared service, as a copy', () => {
    const text = `x-common: &common
  restart: unless-stopped
services:
  db:
    <<: *common
    image: postgres:16
    environment: &db-env
      POSTGRES_USER: shop
      POSTGRES_DB: shop
  web:
    <<: *common
    image: example/shop:1
    environment: *db-env
  worker:
    environment:
      <<: *db-env
      QUEUE: default
`;
    const r = withoutSharedServices(text, ['db']);
    expect(r.errors).toEqual([]);
    expect(parseYaml(r.text, { merge: true })).toEqual({
      'x-common': { restart: 'unless-stopped' },
      services: {
        web: { restart: 'unless-stopped', image: 'example/shop:1', environment: { POSTGRES_USER: 'shop', POSTGRES_DB: 'shop' } },
        worker: { environment: { POSTGRES_USER: 'shop', POSTGRES_DB: 'shop', QUEUE: 'default' } },
      },
    });
    expect(r.text).toContain('<<: *common'); // anchors outside the shared services stay anchors
  });

  it.each([
    ['network_mode: "service:db"', 'service web uses network_mode: service:db, which cannot reach a shared service: share web too, or drop network_mode'],
    ['pid: "container:db"', 'service web uses pid: container:db, which cannot reach a shared service: share web too, or drop pid'],
    ['volumes_from: ["db:ro"]', 'service web uses volumes_from a shared service: mount the same named volume instead'],
  ])('refuses %s', (line, error) => {
    const text = `services:\n  db:\n    image: postgres\n  web:\n    image: nginx\n    ${line}\n`;
    expect(withoutSharedServices(text, ['db']).errors).toEqual([error]);
  });

  it('allows network_mode and volumes_from of a service that is not shared', () => {
    const text = 'services:\n  db:\n    image: postgres\n  app:\n    image: a\n  web:\n    network_mode: "service:app"\n    volumes_from: [app]\n';
    expect(withoutSharedServices(text, ['db']).errors).toEqual([]);
  });

  it('refuses a shared service the file itself does not define', () => {
    expect(withoutSharedServices(raw, ['cache']).errors).toEqual([
      'shared service cache is not defined in the compose file itself (include:/extends: from another file): define it there to share it',
    ]);
  });
});

describe('attachSharedNetwork', () => {
  const labels = { 'io.otterstack.instance': 'i1' };
  const config = (version?: string) => ({
    ...(version ? { version } : {}),
    services: {
      web: { image: 'nginx' },
      api: { networks: ['front'] },
      worker: { networks: { back: { aliases: ['jobs'] } } },
      sidecar: { network_mode: 'service:web' },
      db: { image: 'postgres', networks: [] },
      bare: null,
    },
  });

  it('adds the external project network to every service; keeps its own networks, or default when it has none', () => {
    const override: Record<string, unknown> = { services: { web: { labels } }, networks: { other: { external: true, name: 'x' } } };
    attachSharedNetwork(override, config(), 'shop');
    expect(override).toEqual({
      services: {
        web: { labels, networks: { default: {}, 'otterstack-shared': {} } },
        api: { networks: { 'otterstack-shared': {} } },
        worker: { networks: { 'otterstack-shared': {} } },
        db: { networks: { default: {}, 'otterstack-shared': {} } },
        bare: { networks: { default: {}, 'otterstack-shared': {} } },
      },
      networks: { other: { external: true, name: 'x' }, 'otterstack-shared': { external: true, name: 'otterstack-shop-net' } },
    });
  });

  it.each(['2', '2.0', '3', '3.0', '3.4'])('file version %s (no external name yet) gets external: {name}', (version) => {
    const override: Record<string, unknown> = {};
    attachSharedNetwork(override, config(version), 'shop');
    expect((override.networks as Record<string, unknown>)['otterstack-shared']).toEqual({ external: { name: 'otterstack-shop-net' } });
  });

  it.each(['2.1', '2.4', '3.5', '3.8', undefined])('file version %s gets external: true with name', (version) => {
    const override: Record<string, unknown> = {};
    attachSharedNetwork(override, config(version), 'shop');
    expect((override.networks as Record<string, unknown>)['otterstack-shared']).toEqual({ external: true, name: 'otterstack-shop-net' });
  });
});

describe('sharedDefinitionHash', () => {
  const db = { image: 'postgres:16', command: ['postgres', '-c', 'max_connections=200'], environment: { POSTGRES_DB: 'shop', POSTGRES_USER: 'shop' } };
  const added = { labels: { 'io.otterstack.instance': 'i1' }, networks: { default: {}, 'otterstack-shared': {} } };

  it('is 16 hex digits, equal for equal definitions whatever the key order', () => {
    const h = sharedDefinitionHash(db, added, wt);
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    const reordered = { environment: { POSTGRES_USER: 'shop', POSTGRES_DB: 'shop' }, command: db.command, image: db.image };
    expect(sharedDefinitionHash(reordered, { networks: added.networks, labels: added.labels }, wt)).toBe(h);
  });

  it('does not depend on the release’s checkout path', () => {
    const at = (worktree: string) => ({ ...db, working_dir: '/srv', labels: { 'com.example.source': `${worktree}/compose.yaml` } });
    const other = '/data/worktrees/shop/def5678';
    expect(sharedDefinitionHash(at(other), added, other)).toBe(sharedDefinitionHash(at(wt), added, wt));
  });

  it('changes with the command, the image, the environment or what OtterStack adds', () => {
    const h = sharedDefinitionHash(db, added, wt);
    expect(sharedDefinitionHash({ ...db, command: ['postgres', '-c', 'max_connections=300'] }, added, wt)).not.toBe(h);
    expect(sharedDefinitionHash({ ...db, image: 'postgres:17' }, added, wt)).not.toBe(h);
    expect(sharedDefinitionHash({ ...db, environment: { ...db.environment, POSTGRES_DB: 'shop2' } }, added, wt)).not.toBe(h);
    expect(sharedDefinitionHash(db, { ...added, volumes: ['/data/shared/shop/pg:/var/lib/postgresql/data'] }, wt)).not.toBe(h);
  });
});

describe('sharedServiceProblems', () => {
  const config = {
    services: {
      db: {
        image: 'postgres:16',
        build: { context: wt },
        volumes: [
          `${wt}/init.sql:/docker-entrypoint-initdb.d/init.sql:ro`,
          `${wt}/pgdata:/var/lib/postgresql/data`,
          'pgdata:/var/lib/postgresql/wal',
          '/srv/backups:/backups',
          `${wt}-old/dump.sql:/dump.sql`,
          { type: 'bind', source: wt, target: '/code' },
        ],
        configs: ['pgconf', { source: 'hba', target: '/etc/hba.conf' }],
        secrets: [{ source: 'pgpass' }, 'sitekey'],
      },
      web: { build: { context: wt }, volumes: [`${wt}/app:/app`] },
    },
    configs: { pgconf: { file: `${wt}/postgresql.conf` }, hba: { file: '/etc/otterstack/hba.conf' } },
    secrets: { pgpass: { file: `${wt}/secrets/pgpass` }, sitekey: { environment: 'SITE_KEY' } },
  };

  it('lists what a shared service uses from the checkout; persistent paths moved out by the override are fine', () => {
    expect(sharedServiceProblems(config, ['db'], wt, { db: ['/data/shared/shop/pgdata:/var/lib/postgresql/data'] })).toEqual([
      'shared service db is built from the release (build:): a shared service runs a published image; give it image: instead',
      'shared service db mounts init.sql from the release checkout, which a prune deletes under it: use a named volume or a persistent path (project set --persistent)',
      'shared service db mounts . from the release checkout, which a prune deletes under it: use a named volume or a persistent path (project set --persistent)',
      'shared service db reads config pgconf from the release checkout, which a prune deletes under it: use a named volume or an environment variable',
      'shared service db reads secret pgpass from the release checkout, which a prune deletes under it: use a named volume or an environment variable',
    ]);
  });

  it('a bind of a data folder that the override did not move is a problem', () => {
    const problems = sharedServiceProblems(config, ['db'], wt, {});
    expect(problems).toContain(
      'shared service db mounts pgdata from the release checkout, which a prune deletes under it: use a named volume or a persistent path (project set --persistent)',
    );
  });

  it('a shared service with a published image, named volumes and outside files has none; other services are not its business', () => {
    const clean = { services: { db: { image: 'postgres:16', volumes: ['pgdata:/var/lib/postgresql/data', '/srv/backups:/backups:ro'] }, web: config.services.web } };
    expect(sharedServiceProblems(clean, ['db'], wt, {})).toEqual([]);
  });
});

describe('statefulServices', () => {
  const sharedRoot = '/data/shared/shop';
  const config = {
    services: {
      db: { image: 'postgres:16', volumes: ['pgdata:/var/lib/postgresql/data'] },
      redis: { volumes: [{ type: 'volume', source: 'redisdata', target: '/data' }] },
      tmp: { volumes: ['/var/cache/app'] }, // anonymous volume: goes with the container
      web: { volumes: [`${wt}/nginx.conf:/etc/nginx/nginx.conf:ro`, '/srv/media:/media:ro'] },
      uploads: { volumes: [`${wt}/uploads:/app/uploads`] },
      logs: { volumes: [`${wt}/var/log:/logs`] },
      lookalike: { volumes: [] },
      migrate: { volumes: ['pgdata:/var/lib/postgresql/data'] },
      empty: null,
    },
    volumes: { pgdata: {}, redisdata: null },
  };
  const labels = { 'io.otterstack.instance': 'i1' };
  const override = {
    services: {
      web: { labels },
      uploads: { labels, volumes: [`${sharedRoot}/uploads:/app/uploads`] },
      logs: { labels, volumes: [`${sharedRoot}/var/log:/logs:ro`] },
      lookalike: { labels, volumes: ['/data/shared/shopping/x:/x'] },
    },
  };

  it('finds services with a named volume or a persistent folder, skipping the excluded ones', () => {
    expect(statefulServices(config, override, { exclude: ['migrate'], sharedRoot })).toEqual([
      { service: 'db', what: 'volume pgdata' },
      { service: 'redis', what: 'volume redisdata' },
      { service: 'uploads', what: 'persistent ./uploads' },
      { service: 'logs', what: 'persistent ./var/log' },
    ]);
  });

  it('leaves out shared services (and one-shots) the caller excludes', () => {
    expect(statefulServices(config, override, { exclude: ['db', 'redis', 'migrate', 'uploads', 'logs'], sharedRoot })).toEqual([]);
    expect(statefulServices(config, override, { exclude: [], sharedRoot }).map((s) => s.service)).toContain('migrate');
  });

  it('blue-green refuses the first one in the issue’s words', () => {
    expect(blueGreenStatefulError({ service: 'db', what: 'volume pgdata' })).toBe(
      'service db mounts volume pgdata and would run twice during the switch: list it under x-otterstack.shared',
    );
    expect(blueGreenStatefulError({ service: 'uploads', what: 'persistent ./uploads' })).toBe(
      'service uploads mounts persistent ./uploads and would run twice during the switch: list it under x-otterstack.shared',
    );
  });
});

describe('shared services in the container and history tables', () => {
  const c = (service: string, composeProject: string): ContainerInfo => ({
    id: `id-${service}`,
    name: `${composeProject}-${service}-1`,
    composeProject,
    service,
    image: 'img',
    state: 'running',
    health: 'none',
    status: 'Up 3 minutes',
    ports: '',
    createdAt: '',
    oneshot: false,
    sharedHash: composeProject.endsWith('-shared') ? '0123456789abcdef' : '',
  });

  it('appends the shared services as their own rows, "db (shared)", without changing the originals', () => {
    const db = c('db', 'otterstack-shop-shared');
    const rows = containersWithShared({ containers: [c('web', 'otterstack-shop-abc1234')], shared: [db] });
    expect(rows.map((r) => [r.service, r.name])).toEqual([
      ['web', 'otterstack-shop-abc1234-web-1'],
      ['db (shared)', 'otterstack-shop-shared-db-1'],
    ]);
    expect(db.service).toBe('db');
    expect(containerTable(rows, false).split('\n')[2]).toMatch(/^db \(shared\)\s+otterstack-shop-shared-db-1\s/);
  });

  it('is the release alone when nothing is shared', () => {
    expect(containersWithShared({ containers: [c('web', 'p')], shared: [] }).map((r) => r.service)).toEqual(['web']);
  });

  const d = (id: number, notes: string | null): Deployment => ({
    id,
    project_id: 1,
    git_sha: 'abc1234def5678abc1234def5678abc1234def56',
    git_ref: 'main',
    action: 'deploy',
    compose_project: 'otterstack-shop-abc1234',
    worktree_path: wt,
    status: 'active',
    error_message: null,
    pid: null,
    previous_deployment_id: null,
    started_at: 1_700_000_000_000,
    finished_at: 1_700_000_012_000,
    config_version: null,
    notes,
  });

  it('shows a NOTES column only when some release has notes', () => {
    expect(historyTable([d(1, null), d(2, null)]).split('\n')[0]).not.toContain('NOTES');
    const lines = historyTable([d(2, 'shared db replaced; post_deploy failed: exit 1'), d(1, null)]).split('\n');
    expect(lines[0]).toMatch(/\sNOTES$/);
    expect(lines[1]).toMatch(/\sshared db replaced; post_deploy failed: exit 1$/);
    expect(lines[2]).not.toContain('shared');
  });
});
