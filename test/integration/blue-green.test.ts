import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { containersOf, docker, httpGet, purgeProject, TEST_IMAGE } from '../helpers/engine.js';
import { startLabelProxy, type LabelProxy } from '../helpers/label-proxy.js';
import { git } from '../helpers/fixture-repo.js';
import { holdExclusive } from '../helpers/exclusive.js';
import { deployments } from '../helpers/state.js';
import { waitFor } from '../helpers/wait.js';

const suffix = crypto.randomBytes(3).toString('hex');
const project = `t-bg-${suffix}`;
const traefikName = `traefik-stand-in-${suffix}`;
/** The stand-in's own network, as Traefik in its own compose project has: no release is on it by itself. */
const proxyNet = `t-proxy-${suffix}`;
let dataDir: string;
let repo: string;
let releaseExclusive = () => {};
/** The label proxy (a stand-in for Traefik, bench/stand-in): in its container on proxyNet, with Traefik's API shape. */
let proxy: LabelProxy | null = null;
/**
 * This file's own host name. The label proxy, like Traefik, sees every container on the engine: a
 * router for the same Host left running by another file (shared-hooks' releases, generation 3) would
 * outrank ours and take its requests, as it would on a real server.
 */
const host = `bg-${suffix}.test`;
/** What the app answers through the proxy for this file's host (null: no 200). */
const served = () => httpGet(proxy!.port, 2000, host);
const shas: Record<string, string> = {};

/** A Traefik-routed app: no host ports, a router and a service in labels, a healthcheck. */
function compose(version: string, healthy = true, extra = ''): string {
  return `services:
  web:
    image: ${TEST_IMAGE}
    init: true
    command: ["sh", "-c", "mkdir -p /www && echo ${version} > /www/index.html && exec httpd -f -p 8080 -h /www"]
    labels:
      - traefik.enable=true
      - traefik.http.routers.web.rule=Host(\`${host}\`)
      - traefik.http.routers.web.service=web
      - traefik.http.services.web.loadbalancer.server.port=8080
    healthcheck:
      test: ${healthy ? '["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]' : '["CMD", "false"]'}
      interval: 1s
      timeout: 3s
      retries: 2
${extra}`;
}

function commit(tag: string, text: string): void {
  fs.writeFileSync(path.join(repo, 'compose.yaml'), text);
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-qm', tag]);
  git(repo, ['tag', tag]);
  shas[tag] = git(repo, ['rev-parse', 'HEAD']);
}

const cp = (tag: string) => `otterstack-${project}-${shas[tag]!.slice(0, 7)}`;
const inspect = (id: string) =>
  JSON.parse(docker(['inspect', '--format', '{{json .}}', id])) as { Id: string; RestartCount: number; State: { Running: boolean; StartedAt: string }; Config: { Labels: Record<string, string> }; NetworkSettings: { Networks: Record<string, unknown> } };

beforeAll(async () => {
  // "Is a Traefik running?" is engine-wide: the twin file of the other compose version must not run now.
  releaseExclusive = await holdExclusive('traefik');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
  git(repo, ['init', '-q', '-b', 'main']);
  commit('v1', compose('v1'));
  commit('v2', compose('v2', false));
  commit('v3', compose('v3'));
  commit('ports', compose('ports').replace('    init: true', '    init: true\n    ports: ["127.0.0.1:18999:8080"]'));
  commit('named', compose('named').replace('    init: true', '    init: true\n    container_name: fixed-name'));
  // Healthy, but its router names a middleware nobody defines: Traefik disables the router.
  commit('nomw', compose('nomw').replace('      - traefik.http.routers.web.service=web', '      - traefik.http.routers.web.service=web\n      - traefik.http.routers.web.middlewares=missing'));
  const add = await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo, '--traefik-routing']);
  expect(add.code, add.stderr).toBe(0);
  // Waiting for the other compose version's Traefik tests (shared-hooks holds the lock for minutes) is by design.
}, 660_000);

afterAll(() => {
  purgeProject(project);
  try {
    proxy?.stop();
    docker(['rm', '-f', traefikName]);
    docker(['network', 'rm', proxyNet]);
  } catch {
    /* not started */
  } finally {
    releaseExclusive();
  }
});

describe('blue-green with Traefik priority routing (real engine)', () => {
  it('without a running Traefik: warns and falls back to recreate', async () => {
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'v1']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/warning\s+blue-green requested but no running container enables Traefik's docker provider \(--providers\.docker\): falling back to recreate/);
    expect(Object.keys(inspect(containersOf(cp('v1'))[0]!.id).Config.Labels)).toContain('traefik.http.routers.web.rule');
    // Start over for the blue-green cases.
    purgeProject(project);
    await runCli(dataDir, ['project', 'remove', project, '--yes', '--cleanup', 'all']);
    expect((await runCli(dataDir, ['project', 'add', '--name', project, '--repo', repo])).code).toBe(0);
    expect((await runCli(dataDir, ['project', 'set', project, '--traefik-routing'])).code).toBe(0);
    // A stand-in, not Traefik (no Traefik image here), recognised as Traefik is, by its command line (the
    // docker provider), not by its name: it carries the option as sh's $0. First on the default bridge only:
    // no release can join that network, so blue-green is refused, naming the networks, and nothing starts.
    docker(['run', '-d', '--name', traefikName, TEST_IMAGE, 'sh', '-c', 'sleep 3600', '--providers.docker=true']);
    const refused = await runCli(dataDir, ['deploy', project, '--ref', 'v1']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`Traefik \\(${traefikName}\\) is on no network a release can join \\(its networks: bridge\\)`));
    expect(containersOf(cp('v1'))).toEqual([]);
    // Then on a network of its own, as Traefik in its own compose project is.
    docker(['rm', '-f', traefikName]);
    docker(['network', 'create', proxyNet]);
    proxy = await startLabelProxy({ network: proxyNet });
  });

  it('labels the release with per-release router names and priority = generation × 100000 + rule length, on Traefik\'s network', async () => {
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'v1']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`blue-green via Traefik \\(${proxy!.name}\\)`));
    const labels = inspect(containersOf(cp('v1'))[0]!.id).Config.Labels;
    const sha7 = shas.v1!.slice(0, 7);
    expect(labels[`traefik.http.routers.web-${sha7}.rule`]).toBe(`Host(\`${host}\`)`);
    expect(labels[`traefik.http.routers.web-${sha7}.service`]).toBe(`web-${sha7}`);
    expect(labels[`traefik.http.services.web-${sha7}.loadbalancer.server.port`]).toBe('8080');
    // Generation 2 (docs/blue-green.md): the refused attempt above had taken 1 (a generation is only ever used once).
    expect(labels[`traefik.http.routers.web-${sha7}.priority`]).toBe(String(200_000 + `Host(\`${host}\`)`.length));
    expect(Object.keys(labels).filter((k) => /^traefik\.http\.(routers|services)\.web\./.test(k))).toEqual([]);
    // On Traefik's network (so Traefik can reach it) and told to be dialled there; its own network kept.
    expect(labels['traefik.docker.network']).toBe(proxyNet);
    const nets = inspect(containersOf(cp('v1'))[0]!.id).NetworkSettings.Networks as Record<string, { Aliases: string[] | null }>;
    expect(Object.keys(nets).sort()).toEqual([proxyNet, `${cp('v1')}_default`].sort());
    // Item 8: on the shared network the release answers only to its own name, so `web` never reaches another release.
    expect(nets[proxyNet]!.Aliases).toContain(`web-${sha7}`);
    expect(nets[proxyNet]!.Aliases).not.toContain('web');
    expect(nets[`${cp('v1')}_default`]!.Aliases).toContain('web');
    const lookup = (name: string) => spawnSync('docker', ['exec', proxy!.name, 'busybox', 'nslookup', name], { encoding: 'utf8' }).status;
    expect(lookup(`web-${sha7}`)).toBe(0);
    expect(lookup('web')).not.toBe(0);
    expect(res.stdout).not.toMatch(/shares no network/);
    // The rewritten compose file lives beside the worktree in the data dir, never in the checkout.
    // The label proxy routes the host to it over that network (throttled like Traefik: waited for).
    await waitFor(async () => (await served()) === 'v1', 'the proxy to serve v1', 30_000);
    const worktrees = path.join(dataDir, 'worktrees', project);
    expect(fs.readdirSync(path.join(worktrees, sha7)).filter((f) => f.includes('otterstack'))).toEqual([]);
    expect(fs.readFileSync(path.join(worktrees, `${sha7}.release.yaml`), 'utf8')).toContain(`traefik.http.routers.web-${sha7}.rule`);
  });

  it('the old release runs untouched until the new one is healthy, then is stopped', async () => {
    const old = inspect(containersOf(cp('v1'))[0]!.id);
    const run = startCli(dataDir, ['deploy', project, '--ref', 'v3'], { OTTERSTACK_DRAIN_SECONDS: '1' });
    const samples: ReturnType<typeof inspect>[] = [];
    let retiring = false;
    void run.waitForLine(/retire\s+/, 120_000).then(() => (retiring = true), () => undefined);
    const answers: (string | null)[] = [];
    while (!retiring) {
      samples.push(inspect(old.Id));
      answers.push(await served());
      if (run.pid && (await Promise.race([run.done.then(() => true), new Promise((r) => setTimeout(() => r(false), 100))]))) break;
    }
    const res = await run.done;
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.indexOf('web: running, healthy')).toBeLessThan(res.stdout.indexOf('retire'));
    expect(samples.length).toBeGreaterThan(3);
    for (const s of samples) expect(s).toMatchObject({ Id: old.Id, RestartCount: 0, State: { Running: true, StartedAt: old.State.StartedAt } });
    const after = inspect(old.Id);
    expect(after.State.Running).toBe(false);
    expect(after.RestartCount).toBe(0);
    expect(inspect(containersOf(cp('v3'))[0]!.id).State.Running).toBe(true);
    // Item 4: the old release stopped only after the proxy's API showed the new router enabled with the
    // new release's address, so the moment the deploy returns the proxy serves v3; v1 answered until then.
    expect(res.stdout).toMatch(new RegExp(`confirming with Traefik's API \\(http://[0-9.]+:8080\\) that web-${shas.v3!.slice(0, 7)} route to it`));
    expect(res.stdout).toMatch(new RegExp(`Traefik routes to ${cp('v3')}; draining 1s before stopping ${cp('v1')}`));
    expect(await served()).toBe('v3');
    expect(answers.filter((a) => a !== 'v1' && a !== 'v3')).toEqual([]);
    // The previous release's routers have the same rule at a lower priority: nothing to warn about.
    expect(res.stdout).not.toMatch(/has the same rule/);
  });

  it('a router Traefik reports disabled fails the deploy with its words; the new release is removed, the old one serves on', async () => {
    const current = inspect(containersOf(cp('v3'))[0]!.id);
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'nomw']);
    expect(res.code, res.stdout).toBe(6);
    expect(res.stderr).toMatch(new RegExp(`Traefik reports router web-${shas.nomw!.slice(0, 7)} disabled: middleware "missing@docker" does not exist; the old release keeps serving`));
    expect(containersOf(cp('nomw'))).toEqual([]);
    expect(inspect(current.Id)).toMatchObject({ Id: current.Id, RestartCount: 0, State: { Running: true, StartedAt: current.State.StartedAt } });
    expect(await served()).toBe('v3');
  });

  it('a failing release is removed and the old one keeps running with zero restarts', async () => {
    const current = inspect(containersOf(cp('v3'))[0]!.id);
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'v2', '--timeout', '60s']);
    expect(res.code).toBe(6);
    expect(containersOf(cp('v2'))).toEqual([]);
    expect(inspect(current.Id)).toMatchObject({ Id: current.Id, RestartCount: 0, State: { Running: true, StartedAt: current.State.StartedAt } });
    expect(deployments(dataDir, project).filter((d) => d.status === 'active').map((d) => d.git_ref)).toEqual(['v3']);
  });

  it('rollback uses the same flow: the target starts next to the current, which stops only afterwards, with fresh priorities', async () => {
    const current = inspect(containersOf(cp('v3'))[0]!.id);
    const kept = containersOf(cp('v1'))[0]!.id;
    const priority = (labels: Record<string, string>) => Number(Object.entries(labels).find(([k]) => /^traefik\.http\.routers\.web-.*\.priority$/.test(k))![1]);
    const res = await runCli(dataDir, ['rollback', project], { OTTERSTACK_DRAIN_SECONDS: '0' });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/blue-green via Traefik/);
    expect(res.stdout).toMatch(new RegExp(`Traefik routes to ${cp('v1')} before stopping ${cp('v3')}`));
    expect(await served()).toBe('v1');
    const back = inspect(containersOf(cp('v1'))[0]!.id);
    expect(back.State.Running).toBe(true);
    // Item 5: the kept release is recreated with this run's generation, so it outranks the release it replaces.
    expect(back.Id.startsWith(kept)).toBe(false);
    expect(priority(back.Config.Labels)).toBeGreaterThan(priority(current.Config.Labels));
    expect(Object.keys(back.NetworkSettings.Networks)).toContain(proxyNet);
    const after = inspect(current.Id);
    expect(after.State.Running).toBe(false);
    expect(after.RestartCount).toBe(0);
  });

  it('a configured traefikApiUrl that does not answer stops the deploy before anything starts', async () => {
    const active = inspect(containersOf(cp('v1'))[0]!.id);
    const res = await runCli(dataDir, ['deploy', project, '--ref', 'v3'], { OTTERSTACK_TRAEFIK_API_URL: 'http://127.0.0.1:9' });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/blue-green: Traefik's API at http:\/\/127\.0\.0\.1:9 \(traefikApiUrl\) does not answer: .*; fix the setting, or clear it/);
    expect(containersOf(cp('v3')).every((c) => c.state !== 'running')).toBe(true);
    expect(inspect(active.Id)).toMatchObject({ RestartCount: 0, State: { Running: true, StartedAt: active.State.StartedAt } });
    expect(deployments(dataDir, project).filter((d) => d.status === 'deploying')).toEqual([]);
  });

  it('a router of something else with the same rule and a higher priority is named in a warning: Traefik sends the requests there', async () => {
    // What made this file fail once in CI: another file's release routing the same host, a newer generation.
    const rogue = `t-bg-rogue-${suffix}`;
    try {
      docker(['run', '-d', '--name', rogue, '--network', proxyNet, '-l', 'traefik.enable=true', '-l', `traefik.http.routers.rogue-${suffix}.rule=Host(\`${host}\`)`, '-l', `traefik.http.routers.rogue-${suffix}.priority=99000000`, '-l', `traefik.http.routers.rogue-${suffix}.service=rogue-${suffix}`, '-l', `traefik.http.services.rogue-${suffix}.loadbalancer.server.port=8080`, '-l', `traefik.docker.network=${proxyNet}`, TEST_IMAGE, 'sh', '-c', 'mkdir -p /www && echo rogue > /www/index.html && exec httpd -f -p 8080 -h /www']);
      await waitFor(async () => (await served()) === 'rogue', 'the proxy to prefer the higher-priority router', 30_000);
      const res = await runCli(dataDir, ['deploy', project, '--ref', 'v3'], { OTTERSTACK_DRAIN_SECONDS: '0' });
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(new RegExp(`warning +Traefik router rogue-${suffix}@docker has the same rule Host\\(\`${host.replace(/\./g, '\\.')}\`\\) with priority 99000000 \\(this release's web-${shas.v3!.slice(0, 7)}@docker: \\d+\\): Traefik sends those requests to rogue-${suffix}, not to this release`));
    } finally {
      docker(['rm', '-f', rogue]);
    }
    await waitFor(async () => (await served()) === 'v3', 'the release to be served once the other router is gone', 30_000);
  });

  it.each([
    ['ports', /service web publishes a host port/],
    ['named', /service web sets container_name/],
  ])('refuses %s with a clear error, nothing started', async (tag, message) => {
    const res = await runCli(dataDir, ['deploy', project, '--ref', tag]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(containersOf(cp(tag))).toEqual([]);
  });
});
