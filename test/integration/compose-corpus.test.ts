import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { git } from '../helpers/fixture-repo.js';

/**
 * Issue #12: real public compose files (test/fixtures/compose-corpus/SOURCES.md) validate as
 * written. Images cannot be pulled here, so `validate` is the bar: compose config, bind-mount
 * rules, confinement. Each sample becomes its own git repository, committed as its authors ship it.
 */
const CORPUS = path.resolve('test/fixtures/compose-corpus/awesome-compose');
const samples = fs.readdirSync(CORPUS).filter((f) => fs.statSync(path.join(CORPUS, f)).isDirectory()).sort();
const v1 = process.env.OTTERSTACK_TEST_COMPOSE_VERSION === 'v1';
/** Files written for Compose v2 only; v1 must say so plainly, never "wrong Compose file version". */
const NEEDS_V2: Record<string, string> = { 'react-rust-postgres': 'top-level name:' };

async function inPool<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
    }),
  );
  return out;
}

describe('a corpus of real public compose files validates as written', () => {
  const suffix = crypto.randomBytes(3).toString('hex');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  const results = new Map<string, CliResult>();

  beforeAll(async () => {
    await inPool(samples, 4, async (sample) => {
      const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-corpus-'));
      fs.cpSync(path.join(CORPUS, sample), repo, { recursive: true });
      git(repo, ['init', '-q', '-b', 'main']);
      git(repo, ['add', '-A']);
      git(repo, ['commit', '-q', '-m', sample]);
      const name = `t-corpus-${sample.toLowerCase().slice(0, 40)}-${suffix}`;
      const add = await runCli(dataDir, ['project', 'add', '--name', name, '--repo', repo]);
      results.set(sample, add.code === 0 ? await runCli(dataDir, ['validate', name, '--ref', 'main']) : add);
    });
  }, 600_000);

  it('has at least 30 files', () => expect(samples.length).toBeGreaterThanOrEqual(30));

  it.each(samples)('%s', (sample) => {
    const res = results.get(sample)!;
    if (v1 && NEEDS_V2[sample]) {
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(new RegExp(`needs Compose v2 \\(it uses ${NEEDS_V2[sample]}\\): install the docker compose plugin, or set composeCommand`));
      expect(res.stderr).not.toMatch(/wrong Compose file version/);
    } else {
      expect(res.code, res.stdout + res.stderr).toBe(0);
    }
  });
});
