import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectCompose } from '../../src/services/commands/compose.js';
import { exec, type Exec, type ExecResult } from '../../src/services/commands/exec.js';

const ok = (stdout: string): ExecResult => ({ exitCode: 0, stdout, stderr: '', killed: null });
const fail: ExecResult = { exitCode: 1, stdout: '', stderr: "docker: 'compose' is not a docker command.", killed: null };

/** A runner that answers per command line, recording what was asked. */
function runner(answers: Record<string, ExecResult>): { run: Exec; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run: async (argv) => {
      calls.push(argv.join(' '));
      return answers[argv.join(' ')] ?? fail;
    },
  };
}

describe('detectCompose', () => {
  it('prefers the v2 plugin when it answers', async () => {
    const r = runner({ 'docker compose version --short': ok('2.29.7\n'), 'docker-compose version --short': ok('1.29.2\n') });
    expect(await detectCompose(r.run)).toEqual({ kind: 'v2', argv: ['docker', 'compose'], version: '2.29.7' });
    expect(r.calls).toEqual(['docker compose version --short']);
  });
  it('falls back to docker-compose v1', async () => {
    const r = runner({ 'docker-compose version --short': ok('1.29.2\n') });
    expect(await detectCompose(r.run)).toEqual({ kind: 'v1', argv: ['docker-compose'], version: '1.29.2' });
  });
  it('classifies a standalone docker-compose v2 binary as v2', async () => {
    const r = runner({ 'docker-compose version --short': ok('v2.20.0\n') });
    expect((await detectCompose(r.run)).kind).toBe('v2');
  });
  it('honours an explicit override and checks that it answers', async () => {
    const r = runner({ 'docker-compose version --short': ok('1.29.2') });
    expect((await detectCompose(r.run, 'docker-compose')).argv).toEqual(['docker-compose']);
    await expect(detectCompose(r.run, 'docker compose')).rejects.toThrow(/tried 'docker compose'/);
  });
  it('says what to install when neither exists', async () => {
    await expect(detectCompose(runner({}).run)).rejects.toThrow(/no Docker Compose found .*install the compose plugin/);
  });
  it('selects v2 through a real PATH lookup when a `docker compose` plugin answers', async () => {
    // A stand-in `docker` that answers only `compose version`, found through PATH.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-fakebin-'));
    fs.writeFileSync(path.join(bin, 'docker'), '#!/bin/sh\n[ "$1 $2" = "compose version" ] && { echo 2.30.1; exit 0; }\nexit 1\n', { mode: 0o755 });
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    const run: Exec = (argv, o) => exec(argv, { ...o, env });
    expect(await detectCompose(run)).toMatchObject({ kind: 'v2', argv: ['docker', 'compose'], version: '2.30.1' });
  });
  it('finds the real docker-compose v1 on this machine when no plugin exists', async () => {
    const real = await exec(['docker', 'compose', 'version', '--short']);
    const cli = await detectCompose();
    expect(cli.kind).toBe(real.exitCode === 0 ? 'v2' : 'v1');
  });
});

describe('detection cache', () => {
  it('asks a candidate again only when its binary changed (path, size or mtime)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-cache-'));
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const compose = path.join(bin, 'docker-compose');
    fs.writeFileSync(compose, '#!/bin/sh\necho 1.29.2\n', { mode: 0o755 });
    const env = { PATH: bin, HOME: dir };
    const cacheFile = path.join(dir, 'compose-cli.json');
    const r = runner({ 'docker-compose version --short': ok('1.29.2\n') });
    expect(await detectCompose(r.run, 'docker-compose', cacheFile, env)).toEqual({ kind: 'v1', argv: ['docker-compose'], version: '1.29.2' });
    expect(await detectCompose(r.run, 'docker-compose', cacheFile, env)).toEqual({ kind: 'v1', argv: ['docker-compose'], version: '1.29.2' });
    expect(r.calls).toEqual(['docker-compose version --short']);
    // An upgrade (new binary) is noticed.
    fs.writeFileSync(compose, '#!/bin/sh\necho 2.26.1 # upgraded\n', { mode: 0o755 });
    const upgraded = runner({ 'docker-compose version --short': ok('2.26.1\n') });
    expect((await detectCompose(upgraded.run, 'docker-compose', cacheFile, env)).kind).toBe('v2');
    expect(upgraded.calls).toHaveLength(1);
    // A command that cannot be found on disk is never cached.
    const ghost = runner({ '/nowhere/docker-compose version --short': ok('2.26.1\n') });
    await detectCompose(ghost.run, '/nowhere/docker-compose', cacheFile, env);
    await detectCompose(ghost.run, '/nowhere/docker-compose', cacheFile, env);
    expect(ghost.calls.length).toBe(2);
  });
});
