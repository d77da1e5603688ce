import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { docker, freePort, httpGet, purgeProject, TEST_IMAGE } from '../helpers/engine.js';
import { holdExclusive } from '../helpers/exclusive.js';
import { git } from '../helpers/fixture-repo.js';
import { deployments, worktreeDirs } from '../helpers/state.js';

/**
 * Issue #14 on the real engine: a "database" that proves single-writer, shared services that are
 * never doubled, stateful services stopped first (recreate) or refused (blue-green), and release
 * hooks that run before the switch.
 *
 * The database: takes an exclusive lock in its named volume (an atomic mkdir; busybox has no
 * flock), released on SIGTERM; if it cannot get the lock it records contention and exits 3; while
 * it runs it appends "<hostname> <n>" once a second. Two copies on one volume show as contention;
 * a lost line shows as a gap in a hostname's numbering or as a file that is not a prefix of its
 * later self.
 */
const DB_SCRIPT = (rev: number) => `trap 'rm -rf /var/lib/db/lock; exit 0' TERM INT
        if ! mkdir /var/lib/db/lock 2>/dev/null; then echo "contended $$HOSTNAME" >> /var/lib/db/contention; exit 3; fi
        echo $$HOSTNAME > /var/lib/db/lock/owner
        httpd -p 8080 -h /var/lib/db
        i=0; while true; do i=$$((i+1)); echo "$$HOSTNAME $$i" >> /var/lib/db/data; sleep 1 & wait $$!; done
        # definition ${rev}`;

function dbService(rev = 1): string {
  return `  db:
    image: ${TEST_IMAGE}
    init: true
    command:
      - sh
      - -c
      - |
        ${DB_SCRIPT(rev)}
    volumes: ["dbdata:/var/lib/db"]
    healthcheck: { test: ["CMD", "test", "-f", "/var/lib/db/lock/owner"], interval: 1s, timeout: 3s, retries: 30 }
`;
}

interface AppSpec {
  version: string;
  /** null: no host port (blue-green runs two releases at once). */
  port: number | null;
  shared?: boolean;
  dbRev?: number;
  /** Lines of `hooks:` under x-otterstack (already indented by 4). */
  hooks?: string;
  /** web mounts the `marks` volume and appends "web <version>" to /marks/events when it starts. */
  marks?: boolean;
}

function appFile(s: AppSpec): string {
  const ext = s.shared || s.hooks ? `x-otterstack:\n${s.shared ? '  shared: [db]\n' : ''}${s.hooks ? `  hooks:\n${s.hooks}` : ''}` : '';
  const start = s.marks ? `echo web ${s.version} >> /marks/events && ` : '';
  return `${ext}services:
  web:
    image: ${TEST_IMAGE}
    init: true
    command: ["sh", "-c", "${start}mkdir -p /www && echo ${s.version} > /www/index.html && exec httpd -f -p 8080 -h /www"]
${s.port ? `    ports: ["127.0.0.1:${s.port}:8080"]\n` : ''}${s.marks ? '    volumes: ["marks:/marks"]\n' : ''}    depends_on: [db]
    labels:
      # A host of this file's own: its releases keep running after it lets go of the 'traefik' lock, and
      # a label proxy started by another file sees them (it reads every container, as Traefik does).
      - traefik.enable=true
      - traefik.http.routers.web.rule=Host(\`shared-${suffix}.test\`)
      - traefik.http.services.web.loadbalancer.server.port=8080
    healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"], interval: 1s, timeout: 3s, retries: 2 }
${dbService(s.dbRev)}volumes:
  dbdata: {}
${s.marks ? '  marks: {}\n' : ''}`;
}

function newRepo(): { dir: string; shas: Record<string, string>; commit(tag: string, text: string): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
  git(dir, ['init', '-q', '-b', 'main']);
  const shas: Record<string, string> = {};
  return {
    dir,
    shas,
    commit(tag, text) {
      fs.writeFileSync(path.join(dir, 'compose.yaml'), text);
      git(dir, ['add', '-A']);
      git(dir, ['commit', '-qm', tag]);
      git(dir, ['tag', tag]);
      shas[tag] = git(dir, ['rev-parse', 'HEAD']);
    },
  };
}

/** A file in a named volume, read through a throwaway container ('' when absent). */
function volumeFile(volume: string, file: string): string {
  return docker(['run', '--rm', '-v', `${volume}:/v`, TEST_IMAGE, 'sh', '-c', `cat /v/${file} 2>/dev/null || true`]);
}

function sharedDbIds(project: string): string[] {
  return docker(['ps', '-a', '--filter', `label=com.docker.compose.project=otterstack-${project}-shared`, '--format', '{{.ID}}']).split('\n').filter(Boolean);
}

/**
 * The single-writer proof on the data file: each writer's lines are numbered 1, 2, 3… without a gap,
 * writers follow each other in blocks (never interleaved), and the file only grew since `before`.
 */
function checkData(data: string, before: string): string[] {
  expect(data.startsWith(before), 'the data file only grows: no line lost').toBe(true);
  const lines = data.split('\n').filter(Boolean);
  const writers: string[] = [];
  const last = new Map<string, number>();
  for (const line of lines) {
    const [host, n] = line.split(' ') as [string, string];
    if (writers.at(-1) !== host) {
      expect(writers, `writer ${host} came back after another wrote: two at once`).not.toContain(host);
      writers.push(host);
    }
    expect(Number(n), `line ${line}: numbering continues`).toBe((last.get(host) ?? 0) + 1);
    last.set(host, Number(n));
  }
  return writers;
}

/** Requests the port every 50 ms until stopped; counts answers that are not `expected`. */
function requestLoop(port: number, expected: string): { stop(): Promise<{ ok: number; failures: number }> } {
  let running = true;
  let ok = 0;
  let failures = 0;
  const loop = (async () => {
    while (running) {
      const body = await httpGet(port, 1000);
      if (body === expected) ok++;
      else failures++;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { ok, failures };
    },
  };
}

const suffix = crypto.randomBytes(3).toString('hex');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
const projects: string[] = [];
afterAll(() => {
  projects.forEach(purgeProject);
  // The Traefik stand-ins' networks, once no release container is left on them.
  for (const net of [`traefik-stand-in-${suffix}-net`, `traefik-stand-in-${suffix}-b-net`]) {
    try {
      docker(['network', 'rm', net]);
    } catch {
      /* never created */
    }
  }
});

async function addProject(name: string, repo: string): Promise<void> {
  projects.push(name);
  const add = await runCli(dataDir, ['project', 'add', '--name', name, '--repo', repo]);
  expect(add.code, add.stderr).toBe(0);
}

async function ok(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const res = await runCli(dataDir, args, env);
  expect(res.code, `${args.join(' ')}: ${res.stdout}\n${res.stderr}`).toBe(0);
  return res;
}

describe('shared services: the database is never doubled', () => {
  const project = `t-shared-${suffix}`;
  const repo = newRepo();
  const volume = `otterstack-${project}_dbdata`;

  beforeAll(async () => {
    for (const v of ['a1', 'a2', 'a3', 'a4', 'a5']) repo.commit(v, appFile({ version: v, port: null, shared: true }));
    repo.commit('dbchange', appFile({ version: 'dbchange', port: null, shared: true, dbRev: 2 }));
    repo.commit('a6', appFile({ version: 'a6', port: null, shared: true, dbRev: 2 }));
    await addProject(project, repo.dir);
  });

  it('across deploys, rollbacks and a prune (recreate, then blue-green) the db container, its lock and its data hold', async () => {
    let data = '';
    let dbId = '';
    let writers = 1;
    const step = async (args: string[], env: Record<string, string> = {}) => {
      const res = await ok(args, env);
      const ids = sharedDbIds(project);
      expect(ids, `one shared db after ${args.join(' ')}`).toHaveLength(1);
      if (dbId) expect(ids[0], `db container unchanged after ${args.join(' ')}`).toBe(dbId);
      dbId = ids[0]!;
      expect(volumeFile(volume, 'contention'), 'lock never contended').toBe('');
      const now = volumeFile(volume, 'data');
      expect(checkData(now, data), 'one writer per db definition').toHaveLength(writers);
      data = now;
      return res;
    };

    const first = await step(['deploy', project, '--ref', 'a1']);
    expect(first.stdout).toMatch(/creating shared db \(otterstack-.*-shared\)/);
    // The release holds no db of its own: only web runs in it.
    expect(docker(['ps', '--filter', `label=com.docker.compose.project=otterstack-${project}-${repo.shas.a1!.slice(0, 7)}`, '--format', '{{.Label "com.docker.compose.service"}}'])).toBe('web');
    // ...on its own default network (where `web` is its own) and the project's shared one (the db), on v1 and v2 alike.
    const a1 = `otterstack-${project}-${repo.shas.a1!.slice(0, 7)}`;
    const webNets = docker(['inspect', '--format', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${a1}`])]).split(' ').filter(Boolean).sort();
    expect(webNets).toEqual([`${a1}_default`, `otterstack-${project}-net`].sort());
    const second = await step(['deploy', project, '--ref', 'a2']);
    expect(second.stdout).toMatch(/shared db unchanged and running: left alone/);
    await step(['deploy', project, '--ref', 'a3']);
    const back = await step(['rollback', project]);
    expect(back.stdout).toMatch(/rolled back|is active/);
    await step(['deploy', project, '--ref', 'a4']);
    await step(['rollback', project]);
    await step(['prune', project, '--keep', '1']);

    // Blue-green: both releases run during the switch; the db still exists once.
    const release = await holdExclusive('traefik');
    const traefik = `traefik-stand-in-${suffix}`;
    try {
      await ok(['project', 'set', project, '--traefik-routing']);
      // A stand-in, not Traefik (no Traefik image here): found as Traefik is, by --providers.docker on its
      // command line, and on a network of its own (the routed services join it).
      docker(['network', 'create', `${traefik}-net`]);
      docker(['run', '-d', '--name', traefik, '--network', `${traefik}-net`, TEST_IMAGE, 'sh', '-c', 'sleep 3600', '--providers.docker=true']);
      const bg = await step(['deploy', project, '--ref', 'a5']);
      expect(bg.stdout).toMatch(/blue-green via Traefik/);

      // A changed definition replaces it once: stopped before started, and said so.
      const change = await ok(['deploy', project, '--ref', 'dbchange']);
      expect(change.stdout).toMatch(/shared db changed: stopping .* before its new container starts/);
      expect(change.stdout).toMatch(/shared db replaced/);
      const replaced = sharedDbIds(project);
      expect(replaced, docker(['ps', '-a', '--filter', `label=com.docker.compose.project=otterstack-${project}-shared`, '--format', '{{.ID}} {{.Names}} {{.Status}} {{.Label "io.otterstack.shared-hash"}}'])).toHaveLength(1);
      expect(replaced[0]).not.toBe(dbId);
      dbId = replaced[0]!;
      expect(volumeFile(volume, 'contention')).toBe('');
      const after = volumeFile(volume, 'data');
      expect(checkData(after, data), 'the old writer, then the new one').toHaveLength(2);
      data = after;
      writers = 2;
      const history = await ok(['history', project]);
      expect(history.stdout).toMatch(/shared db replaced/);

      // And an app-only release after it leaves the new one alone. This stand-in has no API: the old
      // release stops no sooner than Traefik's throttle allows, even with drainSeconds 0 (#16 item 4).
      const last = await step(['deploy', project, '--ref', 'a6'], { OTTERSTACK_DRAIN_SECONDS: '0' });
      expect(last.stdout).toMatch(/waiting 3s \(at least Traefik's providersThrottleDuration 2s \+ 1s: without its API the switch cannot be confirmed\) before stopping/);
    } finally {
      docker(['rm', '-f', traefik]);
      release();
    }
  }, 600_000);

  it('status shows the shared service as its own row; project remove --cleanup all removes it and its network', async () => {
    const status = await ok(['status', project]);
    expect(status.stdout).toMatch(/db \(shared\)\s+otterstack-\S+-shared[-_]db[-_]1\s+● running/);
    await ok(['project', 'remove', project, '--cleanup', 'all', '--yes']);
    expect(sharedDbIds(project)).toEqual([]);
    expect(docker(['network', 'ls', '-q', '--filter', `name=otterstack-${project}-net`])).toBe('');
  }, 120_000);
});

describe('stateful services without shared:', () => {
  const project = `t-stateful-${suffix}`;
  const repo = newRepo();

  beforeAll(async () => {
    const port = await freePort();
    for (const v of ['b1', 'b2']) repo.commit(v, appFile({ version: v, port }));
    repo.commit('b3', appFile({ version: 'b3', port: null }));
    await addProject(project, repo.dir);
    await ok(['deploy', project, '--ref', 'b1']);
  });

  it('recreate: the previous db stops before the new one starts, never two at once (docker ps sampled)', async () => {
    const running = () => docker(['ps', '--filter', 'label=com.docker.compose.service=db', '--format', '{{.Label "com.docker.compose.project"}}']).split('\n').filter((cp) => cp.startsWith(`otterstack-${project}-`));
    let most = 0;
    let samples = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        most = Math.max(most, running().length);
        samples++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'b2']);
    sampling = false;
    await sampler;
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/stopping stateful db \(volume otterstack-\S+_dbdata\) of otterstack-\S+ before the new release starts its copy/);
    expect(samples).toBeGreaterThan(5);
    expect(most).toBe(1);
    expect(volumeFile(`otterstack-${project}_dbdata`, 'contention')).toBe('');
    expect(checkData(volumeFile(`otterstack-${project}_dbdata`, 'data'), '')).toHaveLength(2);
  }, 300_000);

  it('blue-green refuses it with the reason and what to do, and changes nothing; project set --shared then takes it over', async () => {
    const release = await holdExclusive('traefik');
    const traefik = `traefik-stand-in-${suffix}-b`;
    try {
      await ok(['project', 'set', project, '--traefik-routing']);
      // A stand-in, not Traefik (no Traefik image here): found as Traefik is, by --providers.docker on its
      // command line, and on a network of its own (the routed services join it).
      docker(['network', 'create', `${traefik}-net`]);
      docker(['run', '-d', '--name', traefik, '--network', `${traefik}-net`, TEST_IMAGE, 'sh', '-c', 'sleep 3600', '--providers.docker=true']);
      const before = deployments(dataDir, project).filter((d) => d.status === 'active');
      const res = await runCli(dataDir, ['deploy', project, '--ref', 'b3']);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/service db mounts volume dbdata and would run twice during the switch: list it under x-otterstack.shared/);
      expect(deployments(dataDir, project).filter((d) => d.status === 'active')).toEqual(before);
      expect(docker(['ps', '-a', '--filter', `label=com.docker.compose.project=otterstack-${project}-${repo.shas.b3!.slice(0, 7)}`, '-q'])).toBe('');

      // What the refusal says to do, done with the project setting: the release's own db stops
      // before the shared one starts on the same volume.
      const typo = await runCli(dataDir, ['project', 'set', project, '--shared', 'dbx']);
      expect(typo.code).toBe(2);
      expect(typo.stderr).toMatch(/--shared: dbx is not a service of the compose file at HEAD \(services: web, db\): give existing service names/);
      await ok(['project', 'set', project, '--shared', 'db']);
      const shared = await ok(['deploy', project, '--ref', 'b3']);
      expect(shared.stdout).toMatch(/db becomes shared: stopping its copy in otterstack-\S+ first/);
      expect(sharedDbIds(project)).toHaveLength(1);
      expect(volumeFile(`otterstack-${project}_dbdata`, 'contention')).toBe('');
      expect(checkData(volumeFile(`otterstack-${project}_dbdata`, 'data'), '')).toHaveLength(3);
    } finally {
      docker(['rm', '-f', traefik]);
      release();
    }
  }, 300_000);
});

describe('release hooks', () => {
  const project = `t-hooks-${suffix}`;
  const repo = newRepo();
  let port: number;
  const marks = `otterstack-${project}_marks`;
  const events = () => volumeFile(marks, 'events').split('\n').filter(Boolean);
  const pre = (v: string, extra = '') => `    pre_deploy: { service: web, command: ["sh", "-c", "echo pre ${v} >> /marks/events; echo migrating ${v}; wget -q -O /dev/null http://db:8080/lock/owner${extra}"], timeout: 2m }\n`;

  beforeAll(async () => {
    port = await freePort();
    const file = (v: string, hooks: string) => appFile({ version: v, port, shared: true, marks: true, hooks });
    repo.commit('c1', file('c1', pre('c1')));
    repo.commit('cfail', file('cfail', pre('cfail', '; echo about to fail; exit 3')));
    repo.commit('chang', file('chang', '    pre_deploy: { service: web, command: ["sleep", "600"], timeout: 2s }\n'));
    repo.commit('c2', file('c2', pre('c2')));
    repo.commit('cpost', file('cpost', `${pre('cpost')}    post_deploy: { service: web, command: ["sh", "-c", "echo warming failed; exit 4"] }\n`));
    repo.commit('c3', file('c3', pre('c3')));
    await addProject(project, repo.dir);
  });

  it('pre_deploy runs once per deploy, in the new release, before it starts (it reaches the shared db by name)', async () => {
    const res = await ok(['deploy', project, '--ref', 'c1']);
    expect(res.stdout).toMatch(/\[pre_deploy\] migrating c1/);
    expect(events()).toEqual(['pre c1', 'web c1']);
    expect(await httpGet(port)).toBe('c1');
  }, 180_000);

  it('a failing pre_deploy fails the deploy (exit 6) with its last output; the old release serves throughout; nothing of the new one is left', async () => {
    const loop = requestLoop(port, 'c1');
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'cfail']);
    const served = await loop.stop();
    expect(res.code, res.stdout + res.stderr).toBe(6);
    expect(res.stderr).toMatch(/pre_deploy \(web: .*\) failed with exit 3; last output: .*about to fail/);
    expect(res.stderr).not.toMatch(/Creating|Network/);
    expect(served.ok).toBeGreaterThan(10);
    expect(served.failures).toBe(0);
    const cp = `otterstack-${project}-${repo.shas.cfail!.slice(0, 7)}`;
    expect(docker(['ps', '-a', '--filter', `label=com.docker.compose.project=${cp}`, '-q'])).toBe('');
    expect(docker(['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${cp}`])).toBe('');
    expect(worktreeDirs(dataDir, project).some((w) => w.includes(repo.shas.cfail!.slice(0, 7)))).toBe(false);
    expect(events()).toEqual(['pre c1', 'web c1', 'pre cfail']);
  }, 180_000);

  it('a hanging pre_deploy is killed at its timeout with a clear error, its container removed', async () => {
    const started = Date.now();
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'chang']);
    expect(res.code).toBe(6);
    expect(res.stderr).toMatch(/pre_deploy \(web: sleep 600\) did not finish within 2s and was killed: fix the command or raise its timeout/);
    expect(Date.now() - started).toBeLessThan(90_000);
    expect(docker(['ps', '-a', '--filter', 'name=pre-deploy', '--format', '{{.Names}}']).split('\n').filter((n) => n.includes(project))).toEqual([]);
    expect(await httpGet(port)).toBe('c1');
  }, 180_000);

  it('a failing post_deploy is reported (exit 0, a warning, history) and does not undo the deploy', async () => {
    await ok(['deploy', project, '--ref', 'c2']);
    const res = await ok(['deploy', project, '--ref', 'cpost']);
    expect(res.stderr + res.stdout).toMatch(/the release serves, but post_deploy \(web: echo warming failed; exit 4\) failed with exit 4; last output: warming failed/);
    expect(await httpGet(port)).toBe('cpost');
    const history = JSON.parse((await ok(['history', project, '--json'])).stdout) as { git_ref: string; status: string; notes: string | null }[];
    expect(history[0]).toMatchObject({ git_ref: 'cpost', status: 'active' });
    expect(history[0]!.notes).toMatch(/post_deploy failed/);
    expect(events().slice(-4)).toEqual(['pre c2', 'web c2', 'pre cpost', 'web cpost']);
  }, 240_000);

  it('--skip-hooks runs none and history says so; a rollback runs none unless --run-hooks', async () => {
    const skipped = await ok(['deploy', project, '--ref', 'c3', '--skip-hooks']);
    expect(skipped.stdout + skipped.stderr).toMatch(/--skip-hooks: not running pre_deploy/);
    expect(events().at(-1)).toBe('web c3');
    expect((await ok(['history', project])).stdout).toMatch(/hooks skipped \(--skip-hooks\)/);

    const back = await ok(['rollback', project]);
    expect(back.stdout).toMatch(/a rollback runs no hooks \(not running pre_deploy, post_deploy\): pass --run-hooks to run them/);
    expect(events().at(-1)).toBe('web cpost');
    expect(await httpGet(port)).toBe('cpost');
    const again = await ok(['rollback', project, '--to', repo.shas.c3!.slice(0, 10), '--run-hooks']);
    expect(again.stdout).toMatch(/\[pre_deploy\] migrating c3/);
    expect(events().slice(-2)).toEqual(['pre c3', 'web c3']);
  }, 240_000);
});
