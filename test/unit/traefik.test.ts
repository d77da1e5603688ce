import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkBlueGreen, labelProblems, renameTraefikLabels, type LabelEntries } from '../../src/services/traefik.js';
import { rewriteComposeLabels } from '../../src/services/traefik-rewrite.js';
import { GENERATION_SPAN, MAX_GENERATION, PRIORITY_CAP, nextGeneration, releasePriority } from '../../src/services/traefik-priority.js';
import { enablesDockerProvider, findTraefik, networkProblems, traefikProblems, traefikVersion, type ContainerProcess } from '../../src/services/traefik-detect.js';
import { parseInspectProcesses } from '../../src/services/commands/engine.js';
import { OtterError } from '../../src/services/errors.js';
import { parseSettingValue } from '../../src/services/settings.js';

const MAX_INT32 = 2_147_483_647;

describe('blue-green router priorities', () => {
  it('keep the app order inside a release: a longer rule or explicit priority still wins', () => {
    const g = 7;
    const api = releasePriority(g, null, 'Host(`x`) && PathPrefix(`/api`)');
    const site = releasePriority(g, null, 'Host(`x`)');
    expect(api).toBeGreaterThan(site);
    expect(site).toBe(7 * GENERATION_SPAN + 'Host(`x`)'.length);
    // An explicit priority is the app's own choice: kept (within the generation), not overwritten.
    expect(releasePriority(g, '5', 'Host(`x`) && PathPrefix(`/api`)')).toBe(7 * GENERATION_SPAN + 5);
    expect(releasePriority(g, '5', 'Host(`x`)')).toBeLessThan(site);
    // 0 means "not set" to Traefik: the rule length applies.
    expect(releasePriority(g, '0', 'Host(`x`)')).toBe(site);
    // A TCP catch-all stays behind the release's other TCP routers, as Traefik's -1 default keeps it.
    expect(releasePriority(g, null, 'HostSNI(`*`)', 'tcp')).toBe(7 * GENERATION_SPAN);
    expect(releasePriority(g, null, 'HostSNI(`a`)', 'tcp')).toBeGreaterThan(releasePriority(g, null, 'HostSNI(`*`)', 'tcp'));
    // Bytes, like Go's len().
    expect(releasePriority(g, null, 'Host(`é`)')).toBe(7 * GENERATION_SPAN + 10);
  });

  it('a newer generation outranks every router of an older one, and never reaches MaxInt32 - 1000', () => {
    expect(releasePriority(2, null, 'Host(`x`)')).toBeGreaterThan(releasePriority(1, '999999999', 'Host(`x`) && PathPrefix(`/a/very/long/path`)'));
    const top = releasePriority(MAX_GENERATION, '9999999999', null);
    expect(top).toBeLessThanOrEqual(PRIORITY_CAP);
    expect(PRIORITY_CAP).toBe(MAX_INT32 - 1000);
    expect(top).toBeLessThan(2_147_482_647);
    expect(() => releasePriority(MAX_GENERATION + 1, null, 'x')).toThrow(RangeError);
    expect(() => releasePriority(0, null, 'x')).toThrow(RangeError);
  });

  it('the generation counts up and starts again at 1, asking for renumbering, past the cap', () => {
    expect(nextGeneration(0)).toEqual({ generation: 1, renumber: false });
    expect(nextGeneration(41)).toEqual({ generation: 42, renumber: false });
    expect(nextGeneration(MAX_GENERATION - 1)).toEqual({ generation: MAX_GENERATION, renumber: false });
    expect(nextGeneration(MAX_GENERATION)).toEqual({ generation: 1, renumber: true });
  });
});

describe('per-release Traefik names', () => {
  const opts = { suffix: 'abc1234', generation: 3 };

  it('renames routers, services and middlewares across every service of the release and follows references', () => {
    const { services, routers } = renameTraefikLabels(
      {
        web: [
          ['traefik.enable', 'true'],
          ['traefik.http.routers.web.rule', 'Host(`a`)'],
          ['traefik.http.routers.web.Service', 'api@docker'],
          ['traefik.http.routers.web.middlewares', 'strip, auth@file,redirect@docker'],
          ['com.example', 'x'],
        ],
        api: [
          ['traefik.http.services.api.loadbalancer.server.port', '80'],
          ['traefik.http.middlewares.strip.stripprefix.prefixes', '/api'],
          ['traefik.http.middlewares.redirect.redirectscheme.scheme', 'https'],
          ['traefik.http.middlewares.both.chain.middlewares', 'strip,redirect'],
          ['traefik.http.routers.ext.rule', 'Host(`b`)'],
          ['traefik.http.routers.ext.service', 'other@file'],
          ['traefik.http.routers.ext.middlewares', 'both,unknown'],
        ],
      },
      opts,
    );
    expect(routers.sort()).toEqual(['ext-abc1234', 'web-abc1234']);
    expect(services.web).toEqual([
      ['traefik.enable', 'true'],
      ['traefik.http.routers.web-abc1234.rule', 'Host(`a`)'],
      ['traefik.http.routers.web-abc1234.Service', 'api-abc1234@docker'],
      ['traefik.http.routers.web-abc1234.middlewares', 'strip-abc1234, auth@file,redirect-abc1234@docker'],
      ['com.example', 'x'],
      ['traefik.http.routers.web-abc1234.priority', String(3 * GENERATION_SPAN + 9)],
    ]);
    expect(services.api).toEqual([
      ['traefik.http.services.api-abc1234.loadbalancer.server.port', '80'],
      ['traefik.http.middlewares.strip-abc1234.stripprefix.prefixes', '/api'],
      ['traefik.http.middlewares.redirect-abc1234.redirectscheme.scheme', 'https'],
      ['traefik.http.middlewares.both-abc1234.chain.middlewares', 'strip-abc1234,redirect-abc1234'],
      ['traefik.http.routers.ext-abc1234.rule', 'Host(`b`)'],
      ['traefik.http.routers.ext-abc1234.service', 'other@file'],
      ['traefik.http.routers.ext-abc1234.middlewares', 'both-abc1234,unknown'],
      ['traefik.http.routers.ext-abc1234.priority', String(3 * GENERATION_SPAN + 9)],
    ]);
  });

  it('matches label keys case-insensitively and replaces an explicit priority where it was', () => {
    const { services } = renameTraefikLabels(
      {
        web: [
          ['Traefik.HTTP.Routers.Web.Rule', 'Host(`a`) && PathPrefix(`/api`)'],
          ['traefik.http.routers.Web.Priority', '12'],
          ['traefik.http.routers.Web.service', 'svc'],
          ['traefik.http.services.svc.loadbalancer.server.port', '80'],
        ],
      },
      opts,
    );
    expect(services.web).toEqual([
      ['Traefik.HTTP.Routers.Web-abc1234.Rule', 'Host(`a`) && PathPrefix(`/api`)'],
      ['traefik.http.routers.Web-abc1234.Priority', String(3 * GENERATION_SPAN + 12)],
      ['traefik.http.routers.Web-abc1234.service', 'svc-abc1234'],
      ['traefik.http.services.svc-abc1234.loadbalancer.server.port', '80'],
    ]);
  });

  it('a config-only release of the same commit gets names of its own', () => {
    const labels: Record<string, LabelEntries> = { web: [['traefik.http.routers.web.rule', 'Host(`a`)']] };
    const first = renameTraefikLabels(labels, { suffix: 'abc1234', generation: 1 });
    const second = renameTraefikLabels(labels, { suffix: 'abc1234-c2', generation: 2 });
    expect(first.routers).not.toEqual(second.routers);
    expect(second.routers).toEqual(['web-abc1234-c2']);
  });

  it('reads rule lengths and explicit priorities from the resolved (interpolated) labels', () => {
    const { services } = renameTraefikLabels(
      { web: [['traefik.http.routers.web.rule', 'Host(`${HOST}`)'], ['traefik.tcp.routers.db.rule', 'HostSNI(`*`)'], ['traefik.tcp.routers.db.priority', '${P}'], ['traefik.udp.routers.u.service', 'x']] },
      { ...opts, resolved: { web: { 'traefik.http.routers.web.rule': 'Host(`example.com`)', 'traefik.tcp.routers.db.priority': '40' } } },
    );
    expect(services.web).toContainEqual(['traefik.http.routers.web-abc1234.priority', String(3 * GENERATION_SPAN + 'Host(`example.com`)'.length)]);
    expect(services.web).toContainEqual(['traefik.tcp.routers.db-abc1234.priority', String(3 * GENERATION_SPAN + 40)]);
    // UDP routers have no priority.
    expect(services.web!.some(([k]) => k.startsWith('traefik.udp.routers.u-abc1234.priority'))).toBe(false);
  });

  it('refuses traefik.docker.allownonrunning on a routed service', () => {
    expect(labelProblems({ web: [['traefik.http.routers.r.rule', 'Host(`a`)'], ['traefik.docker.allowNonRunning', 'true']], other: [['traefik.docker.allownonrunning', 'true']] })).toEqual([
      expect.stringMatching(/^service web sets traefik.docker.allowNonRunning=true/),
    ]);
  });
});

describe('rewriting the compose file', () => {
  const opts = { suffix: 'abc1234', generation: 2 };
  const labelsOf = (text: string, svc: string) => (parse(text) as { services: Record<string, { labels: unknown }> }).services[svc]!.labels;

  it('rewrites list and map label syntax in the raw file, leaving the rest as written', () => {
    const raw = 'services:\n  a:\n    image: x\n    environment:\n      TOKEN: ${TOKEN}\n    labels:\n      - traefik.http.routers.r.rule=Host(`a`)\n  b:\n    image: y\n    labels:\n      traefik.http.routers.s.rule: Host(`b`)\n      traefik.http.routers.s.service: s\n      traefik.http.services.s.loadbalancer.server.port: 80\n      traefik.enable:\n';
    const out = rewriteComposeLabels(raw, opts);
    expect(out.routers.sort()).toEqual(['r-abc1234', 's-abc1234']);
    expect(out.text).toContain('TOKEN: ${TOKEN}');
    expect(labelsOf(out.text, 'a')).toEqual(['traefik.http.routers.r-abc1234.rule=Host(`a`)', `traefik.http.routers.r-abc1234.priority=${2 * GENERATION_SPAN + 9}`]);
    expect(labelsOf(out.text, 'b')).toEqual({
      'traefik.http.routers.s-abc1234.rule': 'Host(`b`)',
      'traefik.http.routers.s-abc1234.service': 's-abc1234',
      // Untouched values keep their type; null stays null.
      'traefik.http.services.s-abc1234.loadbalancer.server.port': 80,
      'traefik.enable': null,
      'traefik.http.routers.s-abc1234.priority': String(2 * GENERATION_SPAN + 9),
    });
  });

  it('follows merge keys and aliases, and a shared anchor does not break', () => {
    const raw = [
      'x-base: &base',
      '  traefik.enable: "true"',
      '  traefik.http.routers.web.rule: Host(`a`)',
      'x-svc: &outside',
      '  image: h',
      '  labels: [traefik.http.routers.h.rule=Host(`h`)]',
      'x-list: &list',
      '  - traefik.http.routers.l.rule=Host(`l`)',
      'services:',
      '  a:',
      '    image: x',
      '    labels:',
      '      <<: *base',
      '      traefik.http.routers.web.middlewares: m',
      '      traefik.http.middlewares.m.headers.customrequestheaders.X: "1"',
      '      traefik.http.routers.web.tls:',
      '  b:',
      '    image: y',
      '    labels: *list',
      '  c:',
      '    image: z',
      '    labels: &shared',
      '      traefik.http.routers.c.rule: Host(`c`)',
      '  d:',
      '    image: z',
      '    labels: *shared',
      '  e: &svc',
      '    image: e',
      '    labels:',
      '      traefik.http.routers.e.rule: Host(`e`)',
      '  f: *svc',
      '  g:',
      '    <<: *svc',
      '    image: g',
      '  h: *outside',
      '',
    ].join('\n');
    const out = rewriteComposeLabels(raw, opts);
    expect(labelsOf(out.text, 'a')).toEqual({
      'traefik.enable': 'true',
      'traefik.http.routers.web-abc1234.rule': 'Host(`a`)',
      'traefik.http.routers.web-abc1234.middlewares': 'm-abc1234',
      'traefik.http.middlewares.m-abc1234.headers.customrequestheaders.X': '1',
      'traefik.http.routers.web-abc1234.tls': null,
      'traefik.http.routers.web-abc1234.priority': String(2 * GENERATION_SPAN + 9),
    });
    expect(labelsOf(out.text, 'b')).toEqual(['traefik.http.routers.l-abc1234.rule=Host(`l`)', `traefik.http.routers.l-abc1234.priority=${2 * GENERATION_SPAN + 9}`]);
    for (const svc of ['c', 'd']) expect(Object.keys(labelsOf(out.text, svc) as object)).toEqual(['traefik.http.routers.c-abc1234.rule', 'traefik.http.routers.c-abc1234.priority']);
    for (const svc of ['e', 'f', 'g']) expect(Object.keys(labelsOf(out.text, svc) as object)).toEqual(['traefik.http.routers.e-abc1234.rule', 'traefik.http.routers.e-abc1234.priority']);
    expect(labelsOf(out.text, 'h')).toEqual(['traefik.http.routers.h-abc1234.rule=Host(`h`)', `traefik.http.routers.h-abc1234.priority=${2 * GENERATION_SPAN + 9}`]);
    // Nothing is renamed twice and the file still parses (no unresolved alias).
    expect(out.text).not.toContain('abc1234-abc1234');
  });

  it('never splits on ":" and keeps ${VAR:-default} in keys and values', () => {
    const raw = 'services:\n  a:\n    image: x\n    labels:\n      - "traefik.http.routers.${NAME:-app}.rule=Host(`${HOST:-a.example}`)"\n';
    const out = rewriteComposeLabels(raw, { ...opts, resolved: { services: { a: { labels: { 'traefik.http.routers.app.rule': 'Host(`a.example`)' } } } } });
    // A key with a variable cannot be matched to its resolved form: the raw rule's length is used.
    expect(labelsOf(out.text, 'a')).toEqual(['traefik.http.routers.${NAME:-app}-abc1234.rule=Host(`${HOST:-a.example}`)', `traefik.http.routers.\${NAME:-app}-abc1234.priority=${2 * GENERATION_SPAN + 'Host(`${HOST:-a.example}`)'.length}`]);
    const map = rewriteComposeLabels('services:\n  a:\n    image: x\n    labels:\n      traefik.http.routers.${NAME:-app}.rule: Host(`a`)\n', opts);
    expect(Object.keys(labelsOf(map.text, 'a') as object)).toEqual(['traefik.http.routers.${NAME:-app}-abc1234.rule', 'traefik.http.routers.${NAME:-app}-abc1234.priority']);
  });

  it('refuses Traefik labels that come from extends of another file, include or label_file', () => {
    const resolvedWith = (svc: string) => ({ services: { [svc]: { labels: { 'traefik.http.routers.r.rule': 'Host(`a`)' } } } });
    const cases: [string, string, RegExp][] = [
      ['services:\n  a:\n    extends: { file: base.yml, service: web }\n', 'a', /service a gets Traefik labels from extends/],
      ['services:\n  a:\n    image: x\n    label_file: ./labels\n', 'a', /service a gets Traefik labels from label_file/],
      ['include:\n  - other.yml\nservices:\n  a:\n    image: x\n', 'b', /service b gets Traefik labels from an include/],
    ];
    for (const [raw, svc, message] of cases) {
      const run = () => rewriteComposeLabels(raw, { ...opts, resolved: resolvedWith(svc) });
      expect(run).toThrow(OtterError);
      expect(run).toThrow(message);
    }
    // A shared service (taken out of the release's text, still in the resolved config) is not refused.
    expect(rewriteComposeLabels('services:\n  a:\n    image: x\n', { ...opts, resolved: resolvedWith('db') }).routers).toEqual([]);
    // extends within the file: the base service's labels are renamed in place, which compose then merges.
    const same = 'services:\n  base:\n    image: x\n    labels: [traefik.http.routers.r.rule=Host(`a`)]\n  a:\n    extends: base\n';
    expect(rewriteComposeLabels(same, { ...opts, resolved: { services: { a: { labels: { 'traefik.http.routers.r.rule': 'Host(`a`)' } } } } }).routers).toEqual(['r-abc1234']);
  });

  it('refuses traefik.docker.allownonrunning, reports TCP routers', () => {
    expect(() => rewriteComposeLabels('services:\n  a:\n    labels:\n      traefik.http.routers.r.rule: Host(`a`)\n      traefik.docker.allownonrunning: true\n', opts)).toThrow(/allownonrunning=true/);
    expect(rewriteComposeLabels('services:\n  a:\n    labels:\n      traefik.tcp.routers.db.rule: HostSNI(`*`)\n', opts).tcpRouters).toBe(true);
  });
});

describe('checkBlueGreen', () => {
  it('refuses host ports and container_name, warns without healthcheck', () => {
    const r = checkBlueGreen({ services: { a: { ports: [{ target: 80, published: 8080 }] }, b: { container_name: 'x', healthcheck: {} }, c: { ports: ['80'], healthcheck: {} } } });
    expect(r.errors).toEqual([expect.stringMatching(/^service a publishes a host port/), expect.stringMatching(/^service b sets container_name/)]);
    expect(r.warnings).toEqual([expect.stringMatching(/^service a has no healthcheck/)]);
  });
});

describe('finding Traefik', () => {
  const c = (name: string, args: string[], more: Partial<ContainerProcess> = {}): ContainerProcess => ({ name, image: 'traefik:v3.1', args, env: {}, labels: {}, networks: ['proxy'], ips: {}, ...more });

  it('by the docker provider on its command line, not by a name or image mentioning traefik', () => {
    expect(enablesDockerProvider(c('p', ['--providers.docker']))).toBe(true);
    expect(enablesDockerProvider(c('p', ['--api.insecure=true', '--providers.docker=true']))).toBe(true);
    expect(enablesDockerProvider(c('p', ['--Providers.Docker.ExposedByDefault=false']))).toBe(true);
    expect(enablesDockerProvider(c('p', ['--providers.docker=false']))).toBe(false);
    expect(enablesDockerProvider(c('p', [], { env: { TRAEFIK_PROVIDERS_DOCKER: 'true' } }))).toBe(true);
    // One source of static configuration: with options on the command line, TRAEFIK_* variables are ignored.
    expect(enablesDockerProvider(c('p', ['--providers.file.directory=/d'], { env: { TRAEFIK_PROVIDERS_DOCKER: 'true' } }))).toBe(false);
    expect(enablesDockerProvider(c('p', [], { env: { TRAEFIK_PROVIDERS_DOCKER_ENDPOINT: 'unix:///var/run/docker.sock' } }))).toBe(true);
    const running = [
      c('traefik-forward-auth', ['--providers.file.filename=/x'], { image: 'thomseddon/traefik-forward-auth' }),
      c('otterstack-traefik-demo-abc1234-web-1', ['serve'], { image: 'traefik-demo' }),
      c('edge', ['--entrypoints.web.address=:80', '--providers.docker.network=proxy']),
    ];
    expect(findTraefik(running, '')).toEqual({ container: running[2] });
    expect(findTraefik(running.slice(0, 2), '')).toBeNull();
  });

  it('the traefikContainer setting names it (a static file is out of reach of detection)', () => {
    const running = [c('proxy', ['--configFile=/etc/traefik.yml'])];
    expect(findTraefik(running, 'proxy')).toEqual({ container: running[0] });
    expect(findTraefik(running, 'edge')).toEqual({ error: expect.stringMatching(/^traefikContainer is "edge" but no running container has that name/) });
    expect(parseSettingValue('traefikContainer', '')).toBe('');
    expect(parseSettingValue('traefikContainer', '/proxy')).toBe('proxy');
    expect(() => parseSettingValue('traefikContainer', 'bad name;rm')).toThrow(OtterError);
  });

  it('refuses setups that cannot switch safely', () => {
    expect(traefikProblems(c('t', ['--providers.docker']), { tcpRouters: true })).toEqual([]);
    expect(traefikProblems(c('t', ['--providers.docker', '--providers.docker.allowEmptyServices=true']), { tcpRouters: false })).toEqual([expect.stringMatching(/allowEmptyServices=true/)]);
    expect(traefikProblems(c('t', ['--providers.docker.swarmMode=true']), { tcpRouters: false })).toEqual([expect.stringMatching(/Swarm mode/)]);
    expect(traefikProblems(c('t', ['--providers.swarm.endpoint=unix:///var/run/docker.sock']), { tcpRouters: false })).toEqual([expect.stringMatching(/only the Swarm provider/)]);
    expect(traefikProblems(c('t', ['--providers.swarm=false', '--configFile=/etc/traefik.yml']), { tcpRouters: false })).toEqual([]);
    expect(traefikProblems(c('t', ['--providers.docker'], { image: 'traefik:v2.6.7' }), { tcpRouters: true })).toEqual([expect.stringMatching(/v2\.6\.7: TCP routers have no priority before v2\.7/)]);
    expect(traefikProblems(c('t', ['--providers.docker'], { image: 'traefik:v2.6.7' }), { tcpRouters: false })).toEqual([]);
  });

  it('reads the version from the OCI label or the tag', () => {
    expect(traefikVersion({ image: 'traefik:latest', labels: { 'org.opencontainers.image.version': 'v2.11.0' } })).toEqual([2, 11, 0]);
    expect(traefikVersion({ image: 'registry:5000/traefik:2.7', labels: {} })).toEqual([2, 7, 0]);
    expect(traefikVersion({ image: 'traefik', labels: {} })).toBeNull();
  });

  it('parses docker inspect output: argv as given, only TRAEFIK_* variables kept', () => {
    const line = [JSON.stringify('/edge'), JSON.stringify('traefik:v3.1'), JSON.stringify(['--providers.docker=true', '--entrypoints.web.address=:80']), JSON.stringify(['PATH=/bin', 'SECRET=x', 'TRAEFIK_LOG_LEVEL=DEBUG']), JSON.stringify({ a: 'b' }), JSON.stringify({ proxy: { IPAddress: '172.30.0.2' }, bridge: {} }), JSON.stringify('bridge')].join('\t');
    expect(parseInspectProcesses(`${line}\n`)).toEqual([{ name: 'edge', image: 'traefik:v3.1', args: ['--providers.docker=true', '--entrypoints.web.address=:80'], env: { TRAEFIK_LOG_LEVEL: 'DEBUG' }, labels: { a: 'b' }, networks: ['proxy', 'bridge'], ips: { proxy: '172.30.0.2' } }]);
    expect(parseInspectProcesses(`${line.replace(/"bridge"$/, '"host"')}\n`)[0]!.networks).toEqual(['host']);
  });

  it('warns when Traefik cannot reach a routed service', () => {
    const traefik = c('edge', ['--providers.docker']);
    const routed = { 'traefik.http.routers.r.rule': 'Host(`a`)' };
    const config = (svc: Record<string, unknown>) => ({ services: { web: { labels: routed, ...svc }, worker: {} }, networks: { default: { name: 'otterstack-p-abc1234_default' }, proxy: { name: 'proxy', external: true }, back: { name: 'otterstack-p-abc1234_back' } } });
    const cp = 'otterstack-p-abc1234';
    expect(networkProblems(config({ networks: { default: null } }), traefik, cp)).toEqual([expect.stringMatching(/^Traefik \(edge\) shares no network with service web/)]);
    expect(networkProblems(config({}), traefik, cp)).toEqual([expect.stringMatching(/shares no network with service web/)]);
    expect(networkProblems(config({ networks: { proxy: null } }), traefik, cp)).toEqual([]);
    expect(networkProblems(config({ networks: { proxy: null, back: null } }), traefik, cp)).toEqual([expect.stringMatching(/^service web is on several networks .* traefik.docker.network=proxy$/)]);
    expect(networkProblems(config({ networks: { proxy: null, back: null }, labels: { ...routed, 'traefik.docker.network': 'proxy' } }), traefik, cp)).toEqual([]);
    expect(networkProblems(config({ networks: { back: null }, labels: { ...routed, 'traefik.docker.network': 'proxy' } }), traefik, cp)).toEqual([expect.stringMatching(/^service web is not on network proxy/)]);
    expect(networkProblems(config({ networks: { proxy: null } }), c('edge', ['--providers.docker.network=other']), cp)).toEqual([expect.stringMatching(/^service web is not on network other/)]);
    expect(networkProblems(config({}), c('edge', ['--providers.docker'], { networks: ['host'] }), cp)).toEqual([]);
    expect(networkProblems(config({ network_mode: 'host' }), traefik, cp)).toEqual([]);
  });
});

describe("routed services join Traefik's network (#16 items 1 and 8)", async () => {
  const { attachTraefikNetwork, releaseAlias } = await import('../../src/services/traefik-network.js');
  const edge = (networks: string[], args = ['--providers.docker=true']): ContainerProcess => ({ name: 'edge', image: 'traefik:v3.1', args, env: {}, labels: {}, networks, ips: {} });
  const routed = { labels: { 'traefik.http.routers.web.rule': 'Host(`a`)' } };
  const cp = 'otterstack-shop-abc1234';

  it("plans Traefik's network for the routed service and labels traefik.docker.network; compose's networks are left alone", () => {
    for (const web of [routed, { ...routed, networks: { default: null } }]) {
      const override: Record<string, unknown> = { services: { web: { labels: { 'io.otterstack.instance': 'x' } } } };
      const attached = attachTraefikNetwork(override, { services: { web, db: {} } }, edge(['proxy']), cp);
      expect(attached).toEqual({ network: 'proxy', services: ['web'] });
      // No `networks:` in the override: compose would give the service its name as an alias there (item 8).
      expect(override).toEqual({ services: { web: { labels: { 'io.otterstack.instance': 'x', 'traefik.docker.network': 'proxy' } } } });
    }
  });

  it('--providers.docker.network picks among several; the alias on it is the release\'s own', () => {
    const override: Record<string, unknown> = {};
    const attached = attachTraefikNetwork(override, { services: { web: { ...routed, networks: { back: null } } } }, edge(['a', 'b'], ['--providers.docker', '--providers.docker.network=b']), cp);
    expect(attached).toEqual({ network: 'b', services: ['web'] });
    expect(releaseAlias('web', 'abc1234')).toBe('web-abc1234');
  });

  it('leaves services Traefik already reaches, that name their network, are not routed, or Traefik on the host network', () => {
    const override: Record<string, unknown> = {};
    const config = {
      networks: { proxy: { name: 'proxy', external: true } },
      services: {
        shared: { ...routed, networks: { proxy: null } },
        named: { labels: { ...routed.labels, 'traefik.docker.network': 'elsewhere' } },
        off: { labels: { ...routed.labels, 'traefik.enable': 'false' } },
        plain: {},
      },
    };
    expect(attachTraefikNetwork(override, config, edge(['proxy']), cp)).toBeNull();
    expect(attachTraefikNetwork(override, { services: { web: routed } }, edge(['host']), cp)).toBeNull();
    expect(override).toEqual({});
  });

  it('refuses, naming the networks, when Traefik is only on the default bridge', () => {
    expect(() => attachTraefikNetwork({}, { services: { web: routed } }, edge(['bridge']), cp)).toThrow(/Traefik \(edge\) is on no network a release can join \(its networks: bridge\), so it could not reach service web/);
  });
});
