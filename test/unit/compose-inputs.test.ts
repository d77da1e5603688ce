import { describe, expect, it } from 'vitest';
import { Compose } from '../../src/services/commands/compose.js';
import { enabledProfiles, flagList, mergeEnvFiles, mergeMappings, projectComposeInputs, renderEnvFile, validateEnvFiles, validateProfiles } from '../../src/services/compose-inputs.js';
import { parseDotenv } from '../../src/services/dotenv.js';
import { releaseOfWorktreeEntry } from '../../src/services/paths.js';
import { rewriteComposeFilesLabels } from '../../src/services/traefik-rewrite.js';
import { withoutSharedServices } from '../../src/services/shared-release.js';

describe('compose inputs (issue #17)', () => {
  it('merges env files in order: a later file wins, the checkout .env first', () => {
    const merged = mergeEnvFiles([
      { source: '.env', text: 'A=dotenv\nB=dotenv\n' },
      { source: 'common.env', text: 'B=common\nC=common\nCOMPOSE_PROJECT_NAME=hijack\n' },
      { source: 'prod.env', text: 'C=prod\n' },
    ]);
    expect([...merged]).toEqual([['A', 'dotenv'], ['B', 'common'], ['C', 'prod']]);
  });

  it('names the file and line of a bad env file', () => {
    expect(() => mergeEnvFiles([{ source: 'env/prod.env', text: 'OK=1\nnot a pair\n' }])).toThrow('env/prod.env line 2: expected KEY=VALUE');
  });

  it('renders values literally: single quotes keep $ as written, others read back exactly', () => {
    const vars = new Map([['PLAIN', 'x'], ['DOLLAR', 'a$HOME${B}'], ['QUOTE', "it's"], ['LINES', 'a\nb']]);
    const text = renderEnvFile(vars);
    expect(text).toContain("DOLLAR='a$HOME${B}'");
    expect(Object.fromEntries(parseDotenv(text))).toEqual({ PLAIN: 'x', DOLLAR: 'a$HOME${B}', QUOTE: "it's", LINES: 'a\nb' });
  });

  it('validates profiles and env files; a lone empty value clears the list', () => {
    expect(validateProfiles(['extra', 'workers.v2', 'extra'])).toEqual(['extra', 'workers.v2']);
    expect(() => validateProfiles(['--oops'])).toThrow(/invalid profile "--oops"/);
    expect(() => validateProfiles(['a b'])).toThrow(/invalid profile/);
    expect(flagList([''])).toEqual([]);
    expect(validateEnvFiles(['./env/prod.env'])).toEqual(['env/prod.env']);
    for (const bad of ['../x.env', '/etc/passwd', '-x.env', 'a\u001b.env']) expect(() => validateEnvFiles([bad])).toThrow(/invalid env file/);
  });

  it('reads an older row with one compose_file as a list of one', () => {
    expect(projectComposeInputs({ compose_file: 'apps/web/compose.yaml', compose_files: '[]', compose_profiles: '[]', env_files: '[]' })).toEqual({ files: ['apps/web/compose.yaml'], profiles: [], envFiles: [] });
  });

  it('--profile replaces COMPOSE_PROFILES, as compose does', () => {
    expect(enabledProfiles(['a', 'b'], 'c')).toBe('a,b');
    expect(enabledProfiles([], 'c')).toBe('c');
  });

  it('merges x-otterstack across files: mappings key by key, the later file wins otherwise', () => {
    expect(mergeMappings([{ shared: ['db'], hooks: { pre_deploy: { service: 'web', command: 'a' } } }, undefined, { hooks: { post_deploy: { service: 'web', command: 'b' } }, shared: ['redis'] }])).toEqual({
      shared: ['redis'],
      hooks: { pre_deploy: { service: 'web', command: 'a' }, post_deploy: { service: 'web', command: 'b' } },
    });
  });

  it('builds compose argv: one --env-file, files in order, then --profile per profile, before the command', () => {
    for (const kind of ['v1', 'v2'] as const) {
      const compose = new Compose({ kind, argv: kind === 'v2' ? ['docker', 'compose'] : ['docker-compose'], version: '1' });
      const argv = compose.argv({ project: 'otterstack-web-abc1234', files: ['/w/compose.yaml', '/w/compose.prod.yaml', '/d/abc1234.otterstack.yaml'], projectDir: '/w', envFile: '/d/abc1234.compose.env', profiles: ['extra', 'workers'] }, ['up', '--detach']);
      expect(argv.slice(kind === 'v2' ? 2 : 1)).toEqual([
        '--project-name', 'otterstack-web-abc1234', '--project-directory', '/w', '--env-file', '/d/abc1234.compose.env',
        '--file', '/w/compose.yaml', '--file', '/w/compose.prod.yaml', '--file', '/d/abc1234.otterstack.yaml',
        '--profile', 'extra', '--profile', 'workers', 'up', '--detach',
      ]);
    }
  });

  it('knows the generated files of a release (prune and cleanup remove them with it)', () => {
    expect(['abc1234.compose.env', 'abc1234-c2.release-2.yaml'].map(releaseOfWorktreeEntry)).toEqual([
      { sha7: 'abc1234', key: 'abc1234', worktree: false },
      { sha7: 'abc1234', key: 'abc1234-c2', worktree: false },
    ]);
  });

  it('shared services: a service the other file defines is not "undefined"; each file loses it', () => {
    const a = 'services:\n  web:\n    image: w\n    depends_on: [db]\n  db:\n    image: p\n';
    const b = 'services:\n  web:\n    depends_on: [db]\n    environment: [X=1]\n';
    const ra = withoutSharedServices(a, ['db'], ['db', 'web']);
    const rb = withoutSharedServices(b, ['db'], ['web', 'db']);
    expect(rb.text).toContain('X=1');
    expect([...ra.errors, ...rb.errors]).toEqual([]);
    expect(ra.text).not.toMatch(/db/);
    expect(rb.text).not.toMatch(/db/);
    expect(withoutSharedServices(b, ['cache'], ['web', 'db']).errors[0]).toMatch(/shared service cache is not defined/);
  });

  it('blue-green: a middleware defined in one file and used by a router in another is renamed in both', () => {
    const base = 'services:\n  web:\n    image: w\n    labels:\n      traefik.http.middlewares.hdr.headers.customresponseheaders.X: "1"\n';
    const prod = 'services:\n  web:\n    labels:\n      traefik.http.routers.shop.rule: Host(`a`)\n      traefik.http.routers.shop.middlewares: hdr\n';
    const resolved = { services: { web: { labels: { 'traefik.http.middlewares.hdr.headers.customresponseheaders.X': '1', 'traefik.http.routers.shop.rule': 'Host(`a`)', 'traefik.http.routers.shop.middlewares': 'hdr' } } } };
    const out = rewriteComposeFilesLabels([base, prod], { suffix: 'abc1234', generation: 1, resolved });
    expect(out.texts[0]).toContain('traefik.http.middlewares.hdr-abc1234.headers');
    expect(out.texts[1]).toContain('traefik.http.routers.shop-abc1234.middlewares: hdr-abc1234');
    expect(out.routers).toEqual(['shop-abc1234']);
  });
});
