import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { freePort, httpGet, purgeProject, releasesOf } from '../helpers/engine.js';
import { createHealthyRepo, type FixtureRepo } from '../helpers/fixture-repo.js';
import { deployments, lockFiles, worktreeDirs } from '../helpers/state.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Kill a deploy at each stage and check that OtterStack ends consistent: with SIGKILL after
 * `cleanup`, with SIGINT by itself.
 */
const STAGES: [string, RegExp][] = [
  ['after lock', /resolve\s+resolving/],
  ['after worktree', /validate\s+validating compose file/],
  // v1 prints `Creating otterstack-…_web_1 ...`, v2 `Container otterstack-…-web-1  Creating`.
  ['during up', /\| .*\b(Creating|Starting|Recreating)\b/],
  ['during health wait', /health\s+waiting up to/],
];

const TAGS = ['base', 'k1', 'k2', 'k3', 'k4', 'i1', 'i2', 'i3', 'i4', 'final'];

function suite(signal: 'SIGKILL' | 'SIGINT', tags: string[]) {
  const project = `t-crash-${signal === 'SIGKILL' ? 'kill' : 'int'}-${crypto.randomBytes(3).toString('hex')}`;
  let dataDir: string;
  let repo: FixtureRepo;
  let port: number;

  /** Exactly the base release active and serving; nothing else left anywhere. */
  async function expectConsistent(): Promise<void> {
    const rows = deployments(dataDir, project);
    expect(rows.filter((r) => r.status === 'deploying')).toEqual([]);
    expect(rows.filter((r) => r.status === 'active').map((r) => r.git_ref)).toEqual(['base']);
    expect(await waitFor(() => httpGet(port), 'base serving', 60_000)).toBe('base');
    expect(releasesOf(project)).toEqual([`otterstack-${project}-${repo.shas.base!.slice(0, 7)}`]);
    expect(worktreeDirs(dataDir, project)).toEqual([repo.shas.base!.slice(0, 7)]);
    expect(lockFiles(dataDir).filter((f) => !f.endsWith('.tmp'))).toEqual([]);
  }

  describe(`${signal} during a deploy`, () => {
    beforeAll(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
      port = await freePort();
      repo = createHealthyRepo(port, ['base', ...tags, 'final']);
      expect((await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo.dir])).code).toBe(0);
      expect((await runCli(dataDir, ['deploy', project, '--ref', 'base'])).code).toBe(0);
    });
    afterAll(() => purgeProject(project));

    STAGES.forEach(([stage, marker], i) => {
      it(`${stage}: ends consistent${signal === 'SIGKILL' ? ' after cleanup' : ''}, old release serving`, async () => {
        const run = startCli(dataDir, ['deploy', project, '--ref', tags[i]!]);
        await run.waitForLine(marker);
        run.kill(signal);
        const res = await run.done;
        if (signal === 'SIGINT') {
          expect(res.code, res.stdout + res.stderr).toBe(130);
          expect(res.stderr).toMatch(/interrupted/);
          const row = deployments(dataDir, project).find((r) => r.git_ref === tags[i]);
          if (row) expect(row.status).toBe('interrupted');
        } else {
          expect(res.signal).toBe('SIGKILL');
          const clean = await runCli(dataDir, ['cleanup']);
          expect(clean.code, clean.stderr).toBe(0);
          const row = deployments(dataDir, project).find((r) => r.git_ref === tags[i]);
          if (row) expect(row).toMatchObject({ status: 'interrupted', error_message: expect.stringMatching(/process died/) });
        }
        await expectConsistent();
      });
    });

    it('a new deploy succeeds afterwards', async () => {
      const res = await runCli(dataDir, ['deploy', project, '--ref', 'final']);
      expect(res.code, res.stderr).toBe(0);
      expect(await httpGet(port)).toBe('final');
    });
  });
}

suite('SIGKILL', TAGS.slice(1, 5));
suite('SIGINT', TAGS.slice(5, 9));
