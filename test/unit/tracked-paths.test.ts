import { describe, expect, it } from 'vitest';
import { TrackedPaths } from '../../src/services/tracked-paths.js';

describe('TrackedPaths', () => {
  const t = new TrackedPaths(['compose.yaml', 'nginx/default.conf', 'data/.gitkeep', 'mixed/.gitkeep', 'mixed/sub/seed.sql', 'empty/.gitignore', 'deep/a/b/.keep']);
  it.each([
    ['.', 'content'],
    ['nginx', 'content'],
    ['nginx/default.conf', 'content'],
    ['./nginx/', 'content'],
    ['data', 'placeholder'],
    ['empty', 'placeholder'],
    ['deep', 'placeholder'],
    ['deep/a/b', 'placeholder'],
    ['mixed', 'content'],
    ['data/db', 'absent'],
    ['uploads', 'absent'],
    ['nginx/default.con', 'absent'],
  ])('%s is %s', (rel, kind) => expect(t.kind(rel)).toBe(kind));
});
