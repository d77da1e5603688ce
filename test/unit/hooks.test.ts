import { describe, expect, it } from 'vitest';
import { describeHook, formatDuration, isComposeChatter } from '../../src/services/hooks.js';
import { parseExtension } from '../../src/services/extension.js';

describe('isComposeChatter', () => {
  it.each([
    // Compose v1 (compose/parallel.py pads the name, then " ... " and the status)
    'Creating otterstack-x-abc1234_web_run ... ',
    'Creating otterstack-x-abc1234_web_run ... done',
    'Starting otterstack-x-abc1234_redis_1 ... done',
    'Pulling web                            ... done',
    'Creating network "otterstack-x-abc1234_default" with the default driver',
    'Creating network "otterstack-x-abc1234_backend" with driver "bridge"',
    'Creating volume "otterstack-x_pgdata" with default driver',
    'Creating volume "otterstack-x_cache" with local driver',
    // Compose v2 (plain progress)
    ' Network otterstack-x-abc1234_default  Creating',
    ' Network otterstack-x-abc1234_default  Created',
    ' Container otterstack-x-abc1234-db-1  Started',
    ' Container otterstack-x-abc1234-db-1  Healthy',
    ' Volume "otterstack-x_pgdata"  Created',
  ])('hides compose output: %j', (line) => {
    expect(isComposeChatter(line)).toBe(true);
  });

  it.each([
    'migrating',
    '  Applying 0003_auto_20240101_1200... OK',
    'Running migrations:',
    // Django's migrate --run-syncdb: the hook's own words, with no space before the dots
    '  Creating tables...',
    'Starting worker...',
    'Creating otterstack-x-abc1234_web_run ... error',
    'Container started in 3s',
    ' Container otterstack-x-abc1234-db-1  Error',
  ])('keeps hook output: %j', (line) => {
    expect(isComposeChatter(line)).toBe(false);
  });
});

describe('describeHook', () => {
  const hooks = (spec: Record<string, unknown>) => parseExtension({ hooks: spec }, ['web', 'db']).hooks;
  it('shows a string command as written, not wrapped in sh -c', () => {
    expect(describeHook(hooks({ pre_deploy: { service: 'web', command: './manage.py migrate && echo ok' } }).pre_deploy!)).toBe(
      'pre_deploy (web: ./manage.py migrate && echo ok)',
    );
  });
  it('joins a list command with spaces', () => {
    expect(describeHook(hooks({ post_deploy: { service: 'web', command: ['bin/rails', 'cache:warm', 3] } }).post_deploy!)).toBe('post_deploy (web: bin/rails cache:warm 3)');
  });
});

describe('formatDuration', () => {
  it.each([
    [3600, '1h'],
    [7200, '2h'],
    [600, '10m'],
    [60, '1m'],
    [90, '90s'],
    [5430, '5430s'],
    [45, '45s'],
  ])('%i seconds → %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
