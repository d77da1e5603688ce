import { describe, expect, it } from 'vitest';
import { diffShapes, normalizePort, parseShape, releaseShape } from '../../src/services/release-shape.js';
import { publishedPorts } from '../../src/services/plan.js';
import { planLines } from '../../src/render/plan-lines.js';
import type { DeployPreview } from '../../src/services/refs.js';

describe('release shapes (#17 plan)', () => {
  it('reads ports the way v1 and v2 print them, and docker ps shows them, as one form', () => {
    expect(normalizePort('127.0.0.1:8080:80/tcp')).toBe('127.0.0.1:8080->80/tcp');
    expect(normalizePort('8080:80')).toBe('8080->80/tcp');
    expect(normalizePort({ target: 9000 })).toBe('*->9000/tcp');
    expect(normalizePort({ mode: 'ingress', host_ip: '127.0.0.1', target: 80, published: '8080', protocol: 'tcp' } as never)).toBe('127.0.0.1:8080->80/tcp');
    expect(normalizePort({ target: 53, published: 5353, protocol: 'udp' })).toBe('5353->53/udp');
    expect(publishedPorts('0.0.0.0:8080->80/tcp, :::8080->80/tcp, 9000/tcp')).toEqual(['8080->80/tcp']);
    expect(publishedPorts('127.0.0.1:18081->8080/tcp')).toEqual(['127.0.0.1:18081->8080/tcp']);
  });

  it('diffs services, ports, volumes, shared definitions and configuration names; built tags never count as a change', () => {
    const model = (extra: Record<string, unknown>) => ({ services: { web: { build: '.', image: 'otterstack/p-web:aaa', ports: ['8080:80'] }, db: { image: 'postgres:16' }, ...extra } });
    const from = releaseShape(model({}), { services: ['web'], shared: { db: 'h1' }, volumes: ['otterstack-p_data'], configKeys: ['A', 'OLD'] });
    const to = releaseShape(
      { services: { web: { build: '.', image: 'otterstack/p-web:bbb', ports: ['8080:80'] }, worker: { image: 'redis:7', ports: [{ target: 6379 }] }, db: { image: 'postgres:17' } } },
      { services: ['web', 'worker'], shared: { db: 'h2' }, volumes: ['otterstack-p_data', 'otterstack-p_cache'], configKeys: ['A', 'NEW'] },
    );
    expect(diffShapes(from, to)).toEqual({
      servicesAdded: ['worker'],
      servicesRemoved: [],
      imagesChanged: [],
      portsAdded: ['worker *->6379/tcp'],
      portsRemoved: [],
      sharedAdded: [],
      sharedRemoved: [],
      sharedChanged: ['db'],
      volumesAdded: ['otterstack-p_cache'],
      volumesRemoved: [],
      configAdded: ['NEW'],
      configRemoved: ['OLD'],
    });
    expect(diffShapes(null, to).servicesAdded).toEqual(['web', 'worker']);
    expect(parseShape(JSON.stringify(to))).toEqual(to);
    expect(parseShape('{"services":1}')).toBeNull();
  });

  it('plan lines: an empty volume is loud, configuration shows names only, commits last', () => {
    const pv = {
      ref: 'v2',
      sha: 'b'.repeat(40),
      active: { git_ref: 'v1', git_sha: 'a'.repeat(40) },
      ahead: [{ sha: 'c'.repeat(40), subject: 'add worker' }],
      behind: [],
      warnings: [],
      problem: null,
      release: {
        comparedWith: 'recorded',
        images: [{ service: 'worker', image: 'redis:7', action: 'pull', currentDigest: 'sha256:0123456789abcdef0123', why: '' }],
        emptyVolumes: ['otterstack-p_cache'],
        changes: { ...diffShapes(null, { services: {}, shared: {}, volumes: [], configKeys: [] }), servicesAdded: ['worker'], configAdded: ['TOKEN'] },
      },
    } as unknown as DeployPreview;
    const lines = planLines(pv);
    expect(lines.map((l) => l.text)).toEqual([
      'running now: v1 (aaaaaaa)',
      '+ service worker',
      'image pull worker: redis:7 (here: sha256:0123456789ab)',
      'WARNING: volume otterstack-p_cache does not exist and will be created EMPTY',
      '+ config TOKEN',
      '',
      '+ ccccccc add worker',
    ]);
    expect(lines.find((l) => l.text.startsWith('WARNING'))!.tone).toBe('bad');
  });
});
