import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TEST_IMAGE } from './engine.js';

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };

export function git(repo: string, args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export interface AppOptions {
  port: number;
  /** Text the app serves on / */
  version: string;
  healthy?: boolean;
}

/**
 * A small web app on the local busybox image: httpd serving `version`, a named volume at /data,
 * a healthcheck (failing when healthy=false) and init so httpd stops on SIGTERM.
 */
export function appCompose({ port, version, healthy = true }: AppOptions): string {
  const check = healthy ? '["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]' : '["CMD", "false"]';
  return `services:
  web:
    image: ${TEST_IMAGE}
    init: true
    command: ["sh", "-c", "mkdir -p /www && echo ${version} > /www/index.html && echo serving ${version} API_TOKEN=$$API_TOKEN && exec httpd -f -p 8080 -h /www"]
    environment: ["API_TOKEN=supersecret-${version}"]
    ports: ["127.0.0.1:${port}:8080"]
    volumes: ["data:/data"]
    healthcheck:
      test: ${check}
      interval: 1s
      timeout: 3s
      retries: 2
volumes:
  data: {}
`;
}

/** A repository whose tags are all healthy releases serving their own tag name. */
export function createHealthyRepo(port: number, tags: string[]): FixtureRepo {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
  git(dir, ['init', '-q', '-b', 'main']);
  const shas: Record<string, string> = {};
  for (const tag of tags) {
    fs.writeFileSync(path.join(dir, 'compose.yaml'), appCompose({ port, version: tag }));
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', tag]);
    git(dir, ['tag', tag]);
    shas[tag] = git(dir, ['rev-parse', 'HEAD']);
  }
  return { dir, shas };
}

export interface FixtureRepo {
  dir: string;
  shas: Record<string, string>;
}

/**
 * Tags v1 (healthy), v2 (failing healthcheck), v3 (no compose file), v4 (invalid YAML);
 * branch `feature` (healthy, serves "feature"); and an untagged healthy commit on main
 * (serves "v5") reachable only by its raw SHA.
 */
export function createFixtureRepo(port: number): FixtureRepo {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
  const write = (text: string) => fs.writeFileSync(path.join(dir, 'compose.yaml'), text);
  const commit = (msg: string) => {
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '--allow-empty', '-m', msg]);
    return git(dir, ['rev-parse', 'HEAD']);
  };
  git(dir, ['init', '-q', '-b', 'main']);
  const shas: Record<string, string> = {};
  write(appCompose({ port, version: 'v1' }));
  shas.v1 = commit('v1');
  git(dir, ['tag', 'v1']);
  write(appCompose({ port, version: 'v2', healthy: false }));
  shas.v2 = commit('v2: broken healthcheck');
  git(dir, ['tag', 'v2']);
  fs.rmSync(path.join(dir, 'compose.yaml'));
  shas.v3 = commit('v3: no compose file');
  git(dir, ['tag', 'v3']);
  write('services:\n  web:\n    image: [unclosed\n');
  shas.v4 = commit('v4: invalid yaml');
  git(dir, ['tag', 'v4']);
  write(appCompose({ port, version: 'v5' }));
  shas.v5 = commit('v5: untagged');
  git(dir, ['checkout', '-q', '-b', 'feature', shas.v1]);
  write(appCompose({ port, version: 'feature' }));
  shas.feature = commit('feature');
  git(dir, ['checkout', '-q', 'main']);
  return { dir, shas };
}

/** A web app without host ports (the proxy strategy reaches it on its network): httpd on 8080 serving `version`, healthy or never. */
export function proxiedAppCompose(version: string, healthy = true): string {
  return `services:
  web:
    image: ${TEST_IMAGE}
    init: true
    command: ["sh", "-c", "mkdir -p /www && echo ${version} > /www/index.html && exec httpd -f -p 8080 -h /www"]
    healthcheck:
      test: ${healthy ? '["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]' : '["CMD", "false"]'}
      interval: 1s
      timeout: 3s
      retries: 2
`;
}

/** A repository with one commit per [tag, compose text], each tagged; returns the SHAs by tag. */
export function createTaggedRepo(dir: string, releases: readonly (readonly [string, string])[]): Record<string, string> {
  git(dir, ['init', '-q', '-b', 'main']);
  const shas: Record<string, string> = {};
  for (const [tag, text] of releases) {
    fs.writeFileSync(path.join(dir, 'compose.yaml'), text);
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-qm', tag]);
    git(dir, ['tag', tag]);
    shas[tag] = git(dir, ['rev-parse', 'HEAD']);
  }
  return shas;
}
