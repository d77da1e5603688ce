import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** The shipped bundle's own paths that load lazily split chunks: version, settings writes, completion. */
describe('the built CLI', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));

  it('--version and -V print the package version', async () => {
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const res = await runCli(dataDir, [flag]);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout.trim()).toBe(pkg.version);
    }
  });

  it('config set writes settings.json (0600) that later commands read; a bad hand edit fails in one line', async () => {
    const set = await runCli(dataDir, ['config', 'set', 'healthTimeoutSeconds', '42']);
    expect(set.code, set.stderr).toBe(0);
    const file = path.join(dataDir, 'settings.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const list = JSON.parse((await runCli(dataDir, ['config', 'list', '--json'])).stdout) as Record<string, unknown>;
    expect(list.healthTimeoutSeconds).toBe(42);

    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), maxParallelDeploys: 'two' }));
    const bad = await runCli(dataDir, ['status']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/invalid maxParallelDeploys "two" in .*settings\.json: expected a number; fix it with otterstack config set/)]);
    // The one command that still runs is the one that fixes it.
    expect((await runCli(dataDir, ['config', 'set', 'maxParallelDeploys', '2'])).code).toBe(0);
    expect((await runCli(dataDir, ['project', 'list'])).code).toBe(0);
  });

  it('bad numbers and durations are bad input: exit 2 with one line, before anything runs', async () => {
    for (const args of [
      ['history', 'web', '--limit', '-1'],
      ['history', 'web', '--limit', 'abc'],
      ['logs', 'web', '--deployment', 'x'],
      ['logs', 'web', '--containers', '--tail', '-1'],
      ['prune', 'web', '--keep', '1.5'],
      ['prune', 'web', '--keep', 'abc'],
      ['deploy', 'web', '--ref', 'main', '--timeout', '9999999s'],
    ]) {
      const res = await runCli(dataDir, args);
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(2);
      expect(res.stderr.trim().split('\n')[0]).toMatch(/invalid (--limit|--deployment|--tail|--keep|--timeout)/);
    }
  });

  it('completion bash is valid bash naming every command', async () => {
    const res = await runCli(dataDir, ['completion', 'bash']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('complete -F _otterstack_complete otterstack');
    expect((await runCli(dataDir, ['completion', 'fish'])).stderr).toMatch(/no completion for shell "fish": use bash or zsh/);
  });
});

describe('text from outside cannot drive the terminal', () => {
  it('a compose file name with escape sequences is refused; a commit subject with them prints inert', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { encoding: 'utf8' });
    git('init', '-q', '-b', 'main');
    git('commit', '-q', '--allow-empty', '-m', 'subject \x1b]0;pwned\x07 \x1b[2J');
    const bad = await runCli(dataDir, ['project', 'add', '--name', 'esc', '--repo', repo, '--compose-file', 'x\x1b]0;pwn\x07.yaml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid compose file .*control characters/);
    expect(bad.stderr).not.toMatch(/\x1b|\x07/);
    expect((await runCli(dataDir, ['project', 'add', '--name', 'esc', '--repo', repo])).code).toBe(0);
    // deploy fails (no compose file), but its output names the ref and must stay inert.
    const res = await runCli(dataDir, ['deploy', 'esc', '--ref', 'main']);
    expect(res.stdout + res.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });
});
