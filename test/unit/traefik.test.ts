import { describe, expect, it } from 'vitest';
import { checkBlueGreen, findTraefik, renameTraefikLabels } from '../../src/services/traefik.js';
import { rewriteComposeLabels } from '../../src/services/traefik-rewrite.js';

describe('per-release Traefik labels', () => {
  it('renames routers and services, follows service references, sets priority', () => {
    const { labels, routers } = renameTraefikLabels(
      {
        'traefik.enable': 'true',
        'traefik.http.routers.web.rule': 'Host(`a`)',
        'traefik.http.routers.web.service': 'api',
        'traefik.http.routers.web.priority': '5',
        'traefik.http.services.api.loadbalancer.server.port': '80',
        'traefik.http.routers.ext.service': 'other@file',
        'com.example': 'x',
      },
      'abc1234',
      1700000000000,
    );
    expect(routers.sort()).toEqual(['ext-abc1234', 'web-abc1234']);
    expect(labels).toEqual({
      'traefik.enable': 'true',
      'traefik.http.routers.web-abc1234.rule': 'Host(`a`)',
      'traefik.http.routers.web-abc1234.service': 'api-abc1234',
      'traefik.http.routers.web-abc1234.priority': '1700000000000',
      'traefik.http.services.api-abc1234.loadbalancer.server.port': '80',
      'traefik.http.routers.ext-abc1234.service': 'other@file',
      'traefik.http.routers.ext-abc1234.priority': '1700000000000',
      'com.example': 'x',
    });
  });

  it('rewrites list and map label syntax in the raw file, leaving the rest as written', () => {
    const raw = 'services:\n  a:\n    image: x\n    environment:\n      TOKEN: ${TOKEN}\n    labels:\n      - traefik.http.routers.r.rule=Host(`a`)\n  b:\n    image: y\n    labels:\n      traefik.http.routers.s.rule: Host(`b`)\n';
    const out = rewriteComposeLabels(raw, 'abc1234', 42);
    expect(out.routers.sort()).toEqual(['r-abc1234', 's-abc1234']);
    expect(out.text).toContain('TOKEN: ${TOKEN}');
    expect(out.text).toContain('traefik.http.routers.r-abc1234.rule: Host(`a`)');
    expect(out.text).toContain('traefik.http.routers.s-abc1234.priority: "42"');
    expect(out.text).not.toMatch(/routers\.r\.rule|routers\.s\.rule/);
  });

  it('refuses host ports and container_name, warns without healthcheck', () => {
    const r = checkBlueGreen({ services: { a: { ports: [{ target: 80, published: 8080 }] }, b: { container_name: 'x', healthcheck: {} }, c: { ports: ['80'], healthcheck: {} } } });
    expect(r.errors).toEqual([expect.stringMatching(/^service a publishes a host port/), expect.stringMatching(/^service b sets container_name/)]);
    expect(r.warnings).toEqual([expect.stringMatching(/^service a has no healthcheck/)]);
  });

  it('finds Traefik by container name or image', () => {
    expect(findTraefik([{ name: 'proxy', image: 'traefik:v3' }])).toBe('proxy');
    expect(findTraefik([{ name: 'my-traefik', image: 'custom' }])).toBe('my-traefik');
    expect(findTraefik([{ name: 'web', image: 'nginx' }])).toBeNull();
  });
});
