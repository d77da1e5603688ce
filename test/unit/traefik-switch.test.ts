import { describe, expect, it } from 'vitest';
import type { ContainerProcess } from '../../src/services/traefik-detect.js';
import { confirmSwitch, outrankedBy, parseDuration, throttleMs, traefikApiUrl, type Fetch } from '../../src/services/traefik-switch.js';

const traefik = (args: string[], more: Partial<ContainerProcess> = {}): ContainerProcess => ({ name: 'edge', image: 'traefik:v3.1', args, env: {}, labels: {}, networks: ['proxy'], ips: { proxy: '172.30.0.2' }, ...more });

describe("Traefik's throttle and API address (#16 item 4)", () => {
  it('reads Go durations as Traefik does; 2 s when unset or unreadable', () => {
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('3')).toBe(3000);
    expect(parseDuration('soon')).toBeNull();
    expect(throttleMs(traefik(['--providers.docker']))).toBe(2000);
    expect(throttleMs(traefik(['--providers.docker', '--providers.providersThrottleDuration=10s']))).toBe(10_000);
    expect(throttleMs(traefik(['--providers.docker', '--providers.providersthrottleduration=x']))).toBe(2000);
  });

  it('the setting wins; else --api.insecure on its address in its network (port from the traefik entry point); else none', () => {
    expect(traefikApiUrl(traefik(['--providers.docker']), 'http://10.0.0.1:9000')).toEqual({ url: 'http://10.0.0.1:9000', configured: true });
    expect(traefikApiUrl(traefik(['--providers.docker']), '')).toBeNull();
    expect(traefikApiUrl(traefik(['--providers.docker', '--api.insecure=true']), '')).toEqual({ url: 'http://172.30.0.2:8080', configured: false });
    expect(traefikApiUrl(traefik(['--providers.docker', '--api.insecure', '--entrypoints.traefik.address=:9090']), '')?.url).toBe('http://172.30.0.2:9090');
    expect(traefikApiUrl(traefik(['--providers.docker', '--api.insecure=true'], { ips: {} }), '')).toBeNull();
  });
});

/** A fake API answering from a table that changes with each poll (the real one: test/integration, the label proxy). */
function api(pages: Record<string, unknown>[]): { fetch: Fetch; polls: () => number } {
  let poll = 0;
  const fetchFn: Fetch = async (url) => {
    const key = decodeURIComponent(new URL(url).pathname);
    // A router request starts the next page; the service request after it reads the same page.
    if (key.startsWith('/api/http/routers/')) poll++;
    const page = pages[Math.min(poll - 1, pages.length - 1)]!;
    return key in page ? { status: 200, json: async () => page[key] } : { status: 404, json: async () => ({ message: 'not found' }) };
  };
  return { fetch: fetchFn, polls: () => poll };
}

const base = { api: 'http://t:8080', routers: ['web-bbbbbbb'], releaseIps: new Set(['172.30.0.9', '172.31.0.9']), reachableIps: new Set(['172.30.0.9']), timeoutMs: 5000, sleep: async () => undefined };
const enabled = { '/api/http/routers/web-bbbbbbb@docker': { status: 'enabled', service: 'web-bbbbbbb' } };
const servers = (...ips: string[]) => ({ '/api/http/services/web-bbbbbbb@docker': { loadBalancer: { servers: ips.map((ip) => ({ url: `http://${ip}:8080` })) } } });

describe('confirmSwitch', () => {
  it('waits until the router exists, is enabled, and its servers are the new release\'s', async () => {
    const a = api([{}, { ...enabled, ...servers('172.30.0.5') }, { ...enabled, ...servers('172.30.0.9') }]);
    await confirmSwitch({ ...base, fetch: a.fetch });
    expect(a.polls()).toBe(3);
  });

  it('fails at once, with Traefik\'s words, when the router is disabled', async () => {
    const a = api([{ '/api/http/routers/web-bbbbbbb@docker': { status: 'disabled', service: 'web-bbbbbbb', error: ['middleware "auth-bbbbbbb@docker" does not exist'] } }]);
    await expect(confirmSwitch({ ...base, fetch: a.fetch })).rejects.toThrow(/Traefik reports router web-bbbbbbb disabled: middleware "auth-bbbbbbb@docker" does not exist; the old release keeps serving/);
  });

  it('fails when Traefik would dial an address on a network it is not on (defect 1)', async () => {
    const a = api([{ ...enabled, ...servers('172.31.0.9') }]);
    await expect(confirmSwitch({ ...base, fetch: a.fetch })).rejects.toThrow(/would send router web-bbbbbbb's requests to 172\.31\.0\.9, an address on a network Traefik is not on/);
  });

  it('gives up after the bound, saying what it last saw', async () => {
    let t = 0;
    const a = api([{ ...enabled, ...servers('172.30.0.5') }]);
    await expect(confirmSwitch({ ...base, fetch: a.fetch, now: () => (t += 1000) })).rejects.toThrow(/did not switch to the new release within 5s \(router web-bbbbbbb: service web-bbbbbbb still lists 172\.30\.0\.5\)/);
  });

  it('a router whose service is another provider\'s (api@internal) only needs to be enabled', async () => {
    const a = api([{ '/api/http/routers/web-bbbbbbb@docker': { status: 'enabled', service: 'api@internal' } }]);
    await confirmSwitch({ ...base, fetch: a.fetch });
  });
});

describe('outrankedBy: another router with the same rule that Traefik prefers', () => {
  const ours = { name: 'web-bbbbbbb@docker', status: 'enabled', service: 'web-bbbbbbb', rule: 'Host(`app.test`)', priority: 200_017 };
  it("names an enabled router of anything else with the same rule and a priority at least as high; the release's own and lower ones are fine", () => {
    const other = { name: 'web-ccccccc@docker', status: 'enabled', service: 'web-ccccccc', rule: 'Host(`app.test`)', priority: 300_017 };
    const list = [ours, other, { ...other, name: 'old@docker', priority: 100_017 }, { ...other, name: 'off@docker', status: 'disabled' }, { ...other, name: 'api@docker', rule: 'Host(`api.test`)' }];
    expect(outrankedBy(list, ['web-bbbbbbb'])).toEqual([
      'Traefik router web-ccccccc@docker has the same rule Host(`app.test`) with priority 300017 (this release\'s web-bbbbbbb@docker: 200017): Traefik sends those requests to web-ccccccc, not to this release; is another project routing the same host?',
    ]);
    expect(outrankedBy([ours, { ...other, priority: 200_017 }], ['web-bbbbbbb'])).toHaveLength(1);
    // No explicit priority: Traefik's default, the rule's length.
    expect(outrankedBy([{ ...ours, priority: 5 }, { ...other, priority: undefined }], ['web-bbbbbbb'])).toHaveLength(1);
    expect(outrankedBy([ours, { ...other, priority: undefined }], ['web-bbbbbbb'])).toEqual([]);
  });

  it('confirmSwitch returns it once the switch is confirmed', async () => {
    const a = api([{ ...enabled, ...servers('172.30.0.9'), '/api/http/routers': [ours, { ...ours, name: 'web-ccccccc@docker', service: 'web-ccccccc', priority: 300_017 }] }]);
    expect(await confirmSwitch({ ...base, fetch: a.fetch })).toEqual([expect.stringMatching(/^Traefik router web-ccccccc@docker has the same rule/)]);
    expect(await confirmSwitch({ ...base, fetch: api([{ ...enabled, ...servers('172.30.0.9') }]).fetch })).toEqual([]);
  });
});
