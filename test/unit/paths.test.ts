import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensurePersistentDir, releaseOfWorktreeEntry, resolvesInside, writeGeneratedFile } from '../../src/services/paths.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'otter-paths-'));

describe('confinement helpers', () => {
  it('writeGeneratedFile replaces a planted symlink instead of writing through it', () => {
    const dir = tmp();
    const victim = path.join(tmp(), 'victim');
    fs.writeFileSync(victim, 'untouched');
    const target = path.join(dir, 'abc1234.otterstack.yaml');
    fs.symlinkSync(victim, target);
    writeGeneratedFile(target, 'generated');
    expect(fs.readFileSync(victim, 'utf8')).toBe('untouched');
    expect(fs.lstatSync(target).isSymbolicLink()).toBe(false);
    expect(fs.readFileSync(target, 'utf8')).toBe('generated');
    expect(fs.statSync(target).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(dir)).toEqual(['abc1234.otterstack.yaml']);
  });

  it('resolvesInside follows symlinks: inside stays allowed, out of the tree is refused', () => {
    const root = tmp();
    const outside = tmp();
    fs.writeFileSync(path.join(outside, 'shadow'), 'x');
    fs.mkdirSync(path.join(root, 'real'));
    fs.writeFileSync(path.join(root, 'real', 'compose.yaml'), 'x');
    fs.symlinkSync('real/compose.yaml', path.join(root, 'compose.yaml'));
    fs.symlinkSync(path.join(outside, 'shadow'), path.join(root, 'evil.yaml'));
    fs.symlinkSync(outside, path.join(root, 'deploy'));
    expect(resolvesInside(path.join(root, 'compose.yaml'), root)).toBe(true);
    expect(resolvesInside(path.join(root, 'evil.yaml'), root)).toBe(false);
    expect(resolvesInside(path.join(root, 'deploy', 'shadow'), root)).toBe(false);
    expect(resolvesInside(path.join(root, 'missing.yaml'), root)).toBe(false);
    expect(resolvesInside(path.join(root, '..x'), root)).toBe(false);
  });

  it('a persistent folder is created once; its mode is never reset afterwards', () => {
    const dir = path.join(tmp(), 'shared', 'data');
    ensurePersistentDir(dir);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o750);
    fs.chmodSync(dir, 0o777);
    ensurePersistentDir(dir);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o777);
  });

  it('knows which release each entry of a worktrees folder belongs to', () => {
    expect(['abc1234', 'abc1234.otterstack.yaml', 'abc1234-c3.release.yaml', '.dry-run-x', 'abc1234.yaml', 'abc1234-c3'].map(releaseOfWorktreeEntry)).toEqual([
      { sha7: 'abc1234', key: 'abc1234', worktree: true },
      { sha7: 'abc1234', key: 'abc1234', worktree: false },
      { sha7: 'abc1234', key: 'abc1234-c3', worktree: false },
      null,
      null,
      null, // worktrees are per commit: a folder never carries a config suffix
    ]);
  });
});
