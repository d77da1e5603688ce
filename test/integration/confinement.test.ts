import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { freePort, purgeProject } from '../helpers/engine.js';
import { appCompose, git } from '../helpers/fixture-repo.js';
import { deployments } from '../helpers/state.js';

/** Every file under a folder, read as text, for "did this string land anywhere?" checks. */
function allText(dir: string): string {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'latin1'))
    .join('\n');
}

function repoWith(files: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
  git(dir, ['init', '-q', '-b', 'main']);
  files(dir);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-qm', 'release']);
  git(dir, ['tag', 'v1']);
  return dir;
}

/** Hostile repositories: what a committer puts in the tree never reaches outside the checkout. */
describe('a repository cannot reach outside its checkout', () => {
  const suffix = crypto.randomBytes(3).toString('hex');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  const projects: string[] = [];
  const add = async (name: string, repo: string, extra: string[] = []) => {
    projects.push(name);
    const res = await runCli(dataDir, ['project', 'add', '--name', name, '--repo', repo, ...extra]);
    expect(res.code, res.stderr).toBe(0);
  };
  afterAll(() => projects.forEach(purgeProject));

  it('a compose file that is a symlink to a host file is refused and its content never echoed or stored', async () => {
    const hostFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'otter-host-')), 'shadow');
    const marker = `root:HOSTSECRET${suffix}:20228:0:99999:7:::`;
    fs.writeFileSync(hostFile, `${marker}\n`);
    const repo = repoWith((dir) => fs.symlinkSync(hostFile, path.join(dir, 'compose.yaml')));
    const name = `t-conf-link-${suffix}`;
    await add(name, repo);
    for (const args of [['deploy', name, '--ref', 'v1'], ['validate', name, '--ref', 'v1']]) {
      const res = await runCli(dataDir, args);
      expect(res.code).toBe(2);
      expect(res.stderr.trim()).toMatch(/^otterstack: compose file compose\.yaml at v1 \(\w{7}\) resolves outside the repository checkout \(a symlink\?\): refusing to read it; commit the file itself$/);
      expect(res.stdout + res.stderr).not.toContain('HOSTSECRET');
    }
    expect(deployments(dataDir, name).map((d) => d.status)).toEqual(['failed']);
    expect(allText(dataDir)).not.toContain(`HOSTSECRET${suffix}`);
  });

  it('a folder on the compose file path that links out of the tree is refused; nothing is written there', async () => {
    const anywhere = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-anywhere-'));
    const port = await freePort();
    fs.writeFileSync(path.join(anywhere, 'compose.yaml'), appCompose({ port, version: 'v1' }));
    const repo = repoWith((dir) => fs.symlinkSync(anywhere, path.join(dir, 'deploy')));
    const name = `t-conf-dir-${suffix}`;
    await add(name, repo, ['--compose-file', 'deploy/compose.yaml']);
    const res = await runCli(dataDir, ['deploy', name, '--ref', 'v1']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/compose file deploy\/compose\.yaml .* resolves outside the repository checkout/);
    expect(fs.readdirSync(anywhere)).toEqual(['compose.yaml']);
  });

  it('symlinks that stay inside the tree are fine', async () => {
    const port = await freePort();
    const repo = repoWith((dir) => {
      fs.mkdirSync(path.join(dir, 'stack'));
      fs.writeFileSync(path.join(dir, 'stack', 'compose.yaml'), appCompose({ port, version: 'v1' }));
      fs.symlinkSync('stack/compose.yaml', path.join(dir, 'compose.yaml'));
    });
    const name = `t-conf-ok-${suffix}`;
    await add(name, repo);
    const res = await runCli(dataDir, ['validate', name, '--ref', 'v1']);
    expect(res.code, res.stderr).toBe(0);
  });

  it('a secret printed by a failing healthcheck is masked by value in the error, the database and the log', async () => {
    const port = await freePort();
    const value = `sv-${suffix}-hunter2`;
    const compose = appCompose({ port, version: 'v1' })
      .replace(/API_TOKEN=supersecret-v1/, `API_TOKEN=${value}`)
      .replace(/test: \[.*\]/, () => 'test: ["CMD", "sh", "-c", "echo using $$API_TOKEN; exit 1"]');
    const repo = repoWith((dir) => fs.writeFileSync(path.join(dir, 'compose.yaml'), compose));
    const name = `t-conf-mask-${suffix}`;
    await add(name, repo);
    const res = await runCli(dataDir, ['deploy', name, '--ref', 'v1', '--timeout', '60s']);
    expect(res.code, res.stderr).toBe(6);
    expect(res.stderr).toMatch(/health check exit 1: using \*\*\*\*/);
    expect(res.stdout + res.stderr).not.toContain(value);
    expect(deployments(dataDir, name)[0]!.error_message).toMatch(/using \*\*\*\*/);
    expect(allText(dataDir)).not.toContain(value);
  });

  it('an env_file or .env that leads out of the checkout is refused before compose reads it', async () => {
    const hostFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'otter-host-')), 'secrets.env');
    fs.writeFileSync(hostFile, `HOSTENV${suffix}=1\n`);
    const port = await freePort();
    const viaEnvFile = repoWith((dir) => {
      fs.writeFileSync(path.join(dir, 'compose.yaml'), appCompose({ port, version: 'v1' }).replace('    init: true\n', `    init: true\n    env_file: [${hostFile}]\n`));
    });
    const viaDotEnv = repoWith((dir) => {
      fs.writeFileSync(path.join(dir, 'compose.yaml'), appCompose({ port, version: 'v1' }));
      fs.symlinkSync(hostFile, path.join(dir, '.env'));
    });
    for (const [kind, repo, what] of [['envfile', viaEnvFile, /env_file of service web/], ['dotenv', viaDotEnv, /the \.env file \(\.env\)/]] as const) {
      const name = `t-conf-${kind}-${suffix}`;
      await add(name, repo);
      const res = await runCli(dataDir, ['validate', name, '--ref', 'v1']);
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toMatch(what);
      expect(res.stderr).toMatch(/resolves outside the repository checkout: refusing to let compose read it/);
    }
    expect(allText(dataDir)).not.toContain(`HOSTENV${suffix}`);
  });

  it('settings that hand a container the host are warned about in validate, never refused', async () => {
    const port = await freePort();
    const repo = repoWith((dir) =>
      fs.writeFileSync(path.join(dir, 'compose.yaml'), appCompose({ port, version: 'v1' }).replace('    init: true\n', '    init: true\n    privileged: true\n')),
    );
    const name = `t-conf-priv-${suffix}`;
    await add(name, repo);
    const res = await runCli(dataDir, ['validate', name, '--ref', 'v1']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/warning.*service web runs privileged: it has full access to the host/);
  });
});

