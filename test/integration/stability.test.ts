import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runJson } from '../helpers/cli.js';
import { freePort, httpGet, purgeProject, TEST_IMAGE } from '../helpers/engine.js';
import { appCompose, git } from '../helpers/fixture-repo.js';
import { deployments } from '../helpers/state.js';

const suffix = crypto.randomBytes(3).toString('hex');
const project = `t-stable-${suffix}`;
let dataDir: string;
let port: number;

/** A service without a healthcheck that dies a moment after it starts. */
const crashesSoon = (port: number) => `services:
  web:
    image: ${TEST_IMAGE}
    init: true
    command: ["sh", "-c", "sleep 1; exit 3"]
    ports: ["127.0.0.1:${port}:8080"]
`;

/** A migration that runs once and exits 0 before the web service starts. */
const withMigration = (port: number) =>
  appCompose({ port, version: 'migrated' }).replace(
    'services:\n',
    `services:\n  migrate:\n    image: ${TEST_IMAGE}\n    command: ["sh", "-c", "echo migrating; sleep 1"]\n`,
  ).replace('    init: true\n', '    init: true\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\n');

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  port = await freePort();
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
  git(repo, ['init', '-q', '-b', 'main']);
  for (const [tag, text] of [['good', appCompose({ port, version: 'good' })], ['crash', crashesSoon(port)], ['migrated', withMigration(port)]] as const) {
    fs.writeFileSync(path.join(repo, 'compose.yaml'), text);
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-qm', tag]);
    git(repo, ['tag', tag]);
  }
  expect((await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo])).code).toBe(0);
  const first = await runCli(dataDir, ['deploy', project, '--ref', 'good']);
  expect(first.code, first.stderr).toBe(0);
});

afterAll(() => purgeProject(project));

describe('a release is healthy only when it stays up', () => {
  it('a service without a healthcheck that exits a second after start fails the deploy; the old release serves', async () => {
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'crash', '--timeout', '60s']);
    expect(res.code, res.stdout + res.stderr).toBe(6);
    expect(res.stderr).toMatch(/service web exited \(Exited \(3\)/);
    expect(deployments(dataDir, project).find((d) => d.git_ref === 'crash')?.status).toBe('failed');
    expect(await httpGet(port)).toBe('good');
  });

  it('a one-shot migration that exits 0 is done, not a crash: the release deploys and reads healthy', async () => {
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'migrated']);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(await httpGet(port)).toBe('migrated');
    const [status] = await runJson<{ health: string }[]>(dataDir, ['status', project]);
    expect(status!.health).toBe('healthy');
  });
});
