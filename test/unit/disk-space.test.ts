import { describe, expect, it } from 'vitest';
import { gib, lowSpaces, lowSpaceWarnings } from '../../src/services/disk-space.js';
import { envNameFor, parseSettingValue } from '../../src/services/settings.js';

const GIB = 1024 ** 3;

describe('free disk space (minFreeDiskGiB)', () => {
  const spaces = [
    { what: 'data dir', path: '/var/lib/otterstack', freeBytes: 20 * GIB },
    { what: 'Docker root', path: '/var/lib/docker', freeBytes: 3.5 * GIB },
  ];

  it('names only the filesystems below the setting, with where and how much', () => {
    expect(lowSpaces(spaces, 5).map((s) => s.what)).toEqual(['Docker root']);
    expect(lowSpaceWarnings(spaces, 5)).toEqual(['only 3.5 GiB free on the Docker root (/var/lib/docker), less than minFreeDiskGiB 5: free space (otterstack prune, docker image prune) before it fills']);
    expect(lowSpaces(spaces, 0)).toEqual([]);
    expect(gib(1.25 * GIB)).toBe('1.3 GiB');
  });

  it('is a setting like the others: OTTERSTACK_MIN_FREE_DISK_GIB, fractions allowed, never negative', () => {
    expect(envNameFor('minFreeDiskGiB')).toBe('OTTERSTACK_MIN_FREE_DISK_GIB');
    expect(parseSettingValue('minFreeDiskGiB', '0.5')).toBe(0.5);
    expect(() => parseSettingValue('minFreeDiskGiB', '-1')).toThrow(/minFreeDiskGiB/);
  });
});
