import { describe, expect, it } from 'vitest';
import { formatBytes, parseHumanSize, parseImageUsage } from '../../src/services/commands/image-usage.js';

describe('image usage from docker system df -v', () => {
  it('reads docker\'s sizes (decimal units) back into bytes', () => {
    expect(parseHumanSize('0B')).toBe(0);
    expect(parseHumanSize('300.1kB')).toBe(300_100);
    expect(parseHumanSize('106.3MB')).toBe(106_300_000);
    expect(parseHumanSize('1.5GB')).toBe(1_500_000_000);
    expect(parseHumanSize('lots')).toBeNaN();
  });

  it('keys tagged images by repository:tag and skips untagged ones', () => {
    const out = parseImageUsage(
      JSON.stringify([
        { ID: 'sha256:aa', Repository: 'otterstack/p-web', Tag: 'abc1234', UniqueSize: '300.1kB' },
        { ID: 'sha256:bb', Repository: '<none>', Tag: '<none>', UniqueSize: '1MB' },
        { ID: 'sha256:cc', Repository: 'x', Tag: 'y', UniqueSize: '?' },
      ]),
    );
    expect([...out.keys()]).toEqual(['otterstack/p-web:abc1234', 'x:y']);
    expect(out.get('otterstack/p-web:abc1234')).toEqual({ id: 'sha256:aa', uniqueBytes: 300_100 });
    expect(out.get('x:y')!.uniqueBytes).toBe(0);
    expect(parseImageUsage('not json').size).toBe(0);
  });

  it('prints bytes the way docker does', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(300_100)).toBe('300 kB');
    expect(formatBytes(1_234_000)).toBe('1.2 MB');
  });
});
