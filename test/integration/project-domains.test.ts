import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runJson } from '../helpers/cli.js';

/**
 * `project add|set --domain/--route/--tls` (issue #18, the settings part): recorded in the state
 * file through the built CLI, no engine needed. Deploys through the proxy come in a later part.
 */
interface Shown {
  project: { strategy: string; proxy_tls: string };
  domains: { domain: string; service: string; port: number }[];
  routes: { domains: string[]; service: string; port: number; tls: string }[];
}

function emptyRepo(): string {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-repo-'));
  execFileSync('git', ['-C', repo, 'init', '-q', '-b', 'main']);
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'x']);
  return repo;
}

const newDataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'otter-data-'));
const show = (dataDir: string, name: string) => runJson<Shown>(dataDir, ['project', 'show', name]);
const oneLine = (stderr: string) => stderr.trim().split('\n');

describe('project domains (proxy strategy settings)', () => {
  const repo = emptyRepo();

  it('add --domain --route records the domains and switches to proxy; show and list print them', async () => {
    const dataDir = newDataDir();
    const add = await runCli(dataDir, ['project', 'add', '--name', 'web', '--repo', repo, '--domain', 'App.Example.com', '--domain', 'www.example.com', '--route', 'web:8080']);
    expect(add.code, add.stderr).toBe(0);
    const shown = await show(dataDir, 'web');
    expect(shown.project).toMatchObject({ strategy: 'proxy', proxy_tls: 'acme' });
    expect(shown.domains).toEqual([
      { domain: 'app.example.com', service: 'web', port: 8080 },
      { domain: 'www.example.com', service: 'web', port: 8080 },
    ]);
    expect(shown.routes).toEqual([{ project: 'web', domains: ['app.example.com', 'www.example.com'], service: 'web', port: 8080, tls: 'acme' }]);
    const text = await runCli(dataDir, ['project', 'show', 'web']);
    expect(text.stdout).toMatch(/strategy: +proxy\ndomains: +app\.example\.com, www\.example\.com -> web:8080 \(acme TLS\)/);
    expect((await runCli(dataDir, ['project', 'list'])).stdout).toMatch(/DOMAINS[\s\S]*proxy +app\.example\.com, www\.example\.com/);
    const listed = await runJson<{ name: string; domains: string[] }[]>(dataDir, ['project', 'list']);
    expect(listed).toEqual([expect.objectContaining({ name: 'web', domains: ['app.example.com', 'www.example.com'] })]);

    // Several services: one route per host, and --tls internal.
    const multi = await runCli(dataDir, ['project', 'add', '--name', 'shop', '--repo', repo, '--domain', 'shop.internal', '--domain', 'api.shop.internal', '--route', 'shop.internal=front:80', '--route', 'api.shop.internal=api:3000', '--tls', 'internal']);
    expect(multi.code, multi.stderr).toBe(0);
    expect((await show(dataDir, 'shop')).routes).toEqual([
      { project: 'shop', domains: ['api.shop.internal'], service: 'api', port: 3000, tls: 'internal' },
      { project: 'shop', domains: ['shop.internal'], service: 'front', port: 80, tls: 'internal' },
    ]);
  });

  it('a domain belongs to one project: a second project is refused (exit 4) with who holds it and how to free it', async () => {
    const dataDir = newDataDir();
    expect((await runCli(dataDir, ['project', 'add', '--name', 'shop', '--repo', repo, '--domain', 'app.example.com', '--domain', 'shop.example.com', '--route', 'web:80'])).code).toBe(0);
    const add = await runCli(dataDir, ['project', 'add', '--name', 'web', '--repo', repo, '--domain', 'APP.example.com', '--route', 'web:8080']);
    expect(add.code).toBe(4);
    expect(oneLine(add.stderr)).toEqual([expect.stringMatching(/domain app\.example\.com is already used by project shop: remove it there first \(otterstack project set shop --domain shop\.example\.com\)$/)]);
    expect((await runCli(dataDir, ['project', 'show', 'web'])).code).toBe(3); // no project half-added

    expect((await runCli(dataDir, ['project', 'add', '--name', 'web', '--repo', repo])).code).toBe(0);
    const set = await runCli(dataDir, ['project', 'set', 'web', '--domain', 'app.example.com', '--route', 'web:8080']);
    expect(set.code).toBe(4);
    expect(oneLine(set.stderr)).toHaveLength(1);
    expect((await show(dataDir, 'web')).project.strategy).toBe('recreate');
    // Freed there, it can be used here.
    expect((await runCli(dataDir, ['project', 'set', 'shop', '--domain', 'shop.example.com'])).code).toBe(0);
    expect((await runCli(dataDir, ['project', 'set', 'web', '--domain', 'app.example.com', '--route', 'web:8080'])).code).toBe(0);
    expect((await show(dataDir, 'shop')).domains.map((d) => d.domain)).toEqual(['shop.example.com']);
  });

  it('--domain with --traefik-routing is refused; setting one strategy clears the other', async () => {
    const dataDir = newDataDir();
    const both = await runCli(dataDir, ['project', 'add', '--name', 'web', '--repo', repo, '--domain', 'app.example.com', '--route', 'web:80', '--traefik-routing']);
    expect(both.code).toBe(2);
    expect(oneLine(both.stderr)).toEqual([expect.stringMatching(/--traefik-routing and --domain choose two strategies/)]);
    expect((await runCli(dataDir, ['project', 'show', 'web'])).code).toBe(3);

    expect((await runCli(dataDir, ['project', 'add', '--name', 'web', '--repo', repo, '--traefik-routing'])).code).toBe(0);
    expect((await runCli(dataDir, ['project', 'set', 'web', '--domain', 'app.example.com', '--route', 'web:80', '--traefik-routing'])).code).toBe(2);
    expect((await show(dataDir, 'web')).project.strategy).toBe('blue-green');

    expect((await runCli(dataDir, ['project', 'set', 'web', '--domain', 'app.example.com', '--route', 'web:80', '--tls', 'internal'])).code).toBe(0);
    expect(await show(dataDir, 'web')).toMatchObject({ project: { strategy: 'proxy', proxy_tls: 'internal' }, domains: [{ domain: 'app.example.com' }] });

    expect((await runCli(dataDir, ['project', 'set', 'web', '--traefik-routing'])).code).toBe(0);
    expect(await show(dataDir, 'web')).toMatchObject({ project: { strategy: 'blue-green', proxy_tls: 'acme' }, domains: [], routes: [] });

    expect((await runCli(dataDir, ['project', 'set', 'web', '--domain', 'app.example.com', '--route', 'web:80'])).code).toBe(0);
    expect((await runCli(dataDir, ['project', 'set', 'web', '--no-domain'])).code).toBe(0);
    expect(await show(dataDir, 'web')).toMatchObject({ project: { strategy: 'recreate' }, domains: [] });
    // A cleared domain is free for another project.
    expect((await runCli(dataDir, ['project', 'add', '--name', 'other', '--repo', repo, '--domain', 'app.example.com', '--route', 'web:80'])).code).toBe(0);
  });

  it('invalid domains and routes are refused with one line, and nothing changes', async () => {
    const dataDir = newDataDir();
    expect((await runCli(dataDir, ['project', 'add', '--name', 'web', '--repo', repo, '--domain', 'app.example.com', '--route', 'web:8080'])).code).toBe(0);
    const before = await show(dataDir, 'web');
    for (const [args, why] of [
      [['--domain', '*.example.com', '--route', 'web:80'], /invalid --domain "\*\.example\.com": wildcard domains need an ACME DNS challenge/],
      [['--domain', 'a_b.example.com', '--route', 'web:80'], /invalid --domain "a_b\.example\.com": label "a_b" may hold only letters/],
      [['--domain', `${'a'.repeat(64)}.example.com`, '--route', 'web:80'], /longer than 63 characters/],
      [['--domain', 'https://app.example.com', '--route', 'web:80'], /without scheme, port or path/],
      [['--domain', 'b.example.com', '--domain', 'b.example.com', '--route', 'web:80'], /given twice/],
      [['--domain', 'b.example.com', '--route', 'web:99999'], /invalid --route "web:99999"/],
      [['--domain', 'b.example.com', '--route', 'c.example.com=web:80'], /c\.example\.com is not one of the project's domains/],
      [['--domain', 'b.example.com', '--tls', 'letsencrypt'], /invalid --tls "letsencrypt"/],
      // Checked before the notification target is written: a refused command adds nothing.
      [['--domain', '*.example.com', '--notify', 'webhook=http://127.0.0.1:9/x'], /wildcard/],
    ] as [string[], RegExp][]) {
      const res = await runCli(dataDir, ['project', 'set', 'web', ...args]);
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(2);
      expect(oneLine(res.stderr), args.join(' ')).toEqual([expect.stringMatching(why)]);
    }
    expect(await show(dataDir, 'web')).toEqual(before);
    expect((await runCli(dataDir, ['notify', 'list'])).stdout).not.toMatch(/127\.0\.0\.1:9/);
    const bad = await runCli(dataDir, ['project', 'add', '--name', 'x', '--repo', repo, '--route', 'web:80']);
    expect(bad.code).toBe(2);
    expect(oneLine(bad.stderr)).toEqual([expect.stringMatching(/--route and --tls apply to the project's domains, and it has none: add --domain/)]);
  });
});
