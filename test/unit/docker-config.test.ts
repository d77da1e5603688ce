import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { binaryIdentity } from '../../src/services/commands/compose.js';
import { mirrorEntries, operatorDockerConfigDir, OwnDockerConfig } from '../../src/services/docker-config.js';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-docker-config-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** An operator's HOME with a docker config dir holding a compose plugin and a selected context. */
function operatorHome(): { home: string; plugin: string } {
  const home = tmp();
  const plugins = path.join(home, '.docker', 'cli-plugins');
  fs.mkdirSync(plugins, { recursive: true });
  const plugin = path.join(plugins, 'docker-compose');
  fs.writeFileSync(plugin, '#!/bin/sh\n', { mode: 0o755 });
  fs.mkdirSync(path.join(home, '.docker', 'contexts', 'meta'), { recursive: true });
  fs.writeFileSync(path.join(home, '.docker', 'config.json'), '{"currentContext":"remote"}');
  return { home, plugin };
}

describe("OtterStack's own docker config dir", () => {
  it('changes nothing before the first login; then DOCKER_CONFIG, the operator’s context and plugins carry over', () => {
    const { home, plugin } = operatorHome();
    const own = new OwnDockerConfig(path.join(tmp(), 'docker'), { HOME: home });
    expect(own.env()).toEqual({});
    expect(fs.existsSync(own.dir)).toBe(false);

    own.prepare();
    expect(fs.statSync(own.dir).mode & 0o777).toBe(0o700);
    expect(own.env()).toEqual({});
    fs.writeFileSync(own.file, '{"auths":{}}', { mode: 0o600 });
    expect(own.env()).toEqual({ DOCKER_CONFIG: own.dir, DOCKER_CONTEXT: 'remote' });
    expect(fs.readlinkSync(path.join(own.dir, 'cli-plugins', 'docker-compose'))).toBe(plugin);
    expect(fs.readlinkSync(path.join(own.dir, 'contexts'))).toBe(path.join(home, '.docker', 'contexts'));
    // DOCKER_HOST or DOCKER_CONTEXT of the caller already decide the engine.
    expect(new OwnDockerConfig(own.dir, { HOME: home, DOCKER_HOST: 'unix:///x.sock' }).env()).toEqual({ DOCKER_CONFIG: own.dir });
  });

  it('compose detection finds the operator’s plugin through ours, so its cache key names the binary that runs', () => {
    const { home, plugin } = operatorHome();
    const own = new OwnDockerConfig(path.join(tmp(), 'docker'), { HOME: home });
    own.prepare();
    fs.writeFileSync(own.file, '{}');
    const identity = binaryIdentity(['docker', 'compose'], { HOME: home, ...own.env() });
    const st = fs.statSync(plugin);
    expect(identity).toBe(`${path.join(own.dir, 'cli-plugins', 'docker-compose')}:${st.size}:${st.mtimeMs}`);
    // A new plugin binary (upgrade) changes the key: detection asks again.
    fs.writeFileSync(plugin, '#!/bin/sh\n# v2.30\n');
    expect(binaryIdentity(['docker', 'compose'], { HOME: home, ...own.env() })).not.toBe(identity);
  });

  it('follows the operator’s DOCKER_CONFIG, and never links itself', () => {
    expect(operatorDockerConfigDir({ HOME: '/home/a' })).toBe('/home/a/.docker');
    expect(operatorDockerConfigDir({ HOME: '/home/a', DOCKER_CONFIG: '/etc/dc' })).toBe('/etc/dc');
    const dir = path.join(tmp(), 'docker');
    const own = new OwnDockerConfig(dir, { DOCKER_CONFIG: dir });
    own.prepare();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('keeps the links in step with the operator’s folder and leaves its own files alone', () => {
    const src = tmp();
    const dst = path.join(tmp(), 'cli-plugins');
    fs.writeFileSync(path.join(src, 'docker-compose'), 'v2');
    fs.writeFileSync(path.join(src, 'docker-buildx'), 'bx');
    mirrorEntries(src, dst);
    expect(fs.readdirSync(dst).sort()).toEqual(['docker-buildx', 'docker-compose']);
    fs.rmSync(path.join(src, 'docker-buildx'));
    fs.writeFileSync(path.join(src, 'docker-scan'), 's');
    fs.writeFileSync(path.join(dst, 'docker-mine'), 'a real file of ours');
    mirrorEntries(src, dst);
    expect(fs.readdirSync(dst).sort()).toEqual(['docker-compose', 'docker-mine', 'docker-scan']);
    expect(fs.readFileSync(path.join(src, 'docker-compose'), 'utf8')).toBe('v2');
    mirrorEntries(path.join(src, 'gone'), dst);
    expect(fs.readdirSync(dst)).toEqual(['docker-mine']);
  });
});
