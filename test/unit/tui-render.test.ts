import { describe, expect, it } from 'vitest';
import { compactPorts, containerRows, progressLines, projectRows, uptimeOf } from '../../src/render/tui-rows.js';
import { KEYMAP, helpLines } from '../../src/screens/keys.js';
import { terminalSetup } from '../../src/screens/terminal.js';
import type { ProjectStatus } from '../../src/services/status.js';

const plain = (_t: string, text: string) => text;
const tagged = (t: string, text: string) => `<${t}>${text}</${t}>`;

describe('terminalSetup', () => {
  it.each([
    [{ TERM: 'xterm-256color', LANG: 'en_US.UTF-8' }, { terminal: 'xterm-256color', forceUnicode: true, colors: 256 }],
    [{ TERM: 'tmux-256color', LANG: 'C.UTF-8' }, { terminal: 'xterm-256color', forceUnicode: true, colors: 256 }],
    [{ TERM: 'screen', LANG: 'C.UTF-8' }, { terminal: 'xterm', forceUnicode: true, colors: 8 }],
    [{ TERM: 'xterm-256color', LANG: 'C' }, { terminal: 'xterm-256color', forceUnicode: false, colors: 256 }],
    [{ TERM: 'xterm-256color', LANG: 'en_US.UTF-8', LC_ALL: 'C' }, { terminal: 'xterm-256color', forceUnicode: false, colors: 256 }],
    [{ TERM: 'xterm-256color', NO_COLOR: '1' }, { terminal: 'xterm-256color', forceUnicode: false, colors: 0 }],
    [{ TERM: 'xterm', COLORTERM: 'truecolor' }, { terminal: 'xterm-256color', forceUnicode: false, colors: 256 }],
  ])('%j', (env, expected) => expect(terminalSetup(env)).toEqual(expected));
});

describe('TUI rows', () => {
  const status = (name: string, health: ProjectStatus['health'], ref: string | null): ProjectStatus =>
    ({
      project: { name, repo_type: 'local', repo_path: '/srv/' + name, repo_url: null },
      active: ref ? { git_ref: ref, git_sha: 'abcdef0123', finished_at: 1_000 } : null,
      health,
      containers: [],
      otherReleases: [],
    }) as unknown as ProjectStatus;

  it('aligns columns and colours only the padded badge', () => {
    const r = projectRows([status('web', 'healthy', 'v1'), status('api', 'unhealthy', null)], 61_000, true, tagged);
    expect(r.header).toMatch(/^PROJECT\s+HEALTH\s+REF\s+SHA\s+DEPLOYED\s+SOURCE$/);
    expect(r.rows[0]).toBe('web      <good>● healthy  </good>  v1   abcdef0  1m ago    local:/srv/web');
    expect(r.rows[1]).toBe('api      <bad>✗ unhealthy</bad>  -    -        never     local:/srv/api');
  });

  it('shows a busy project as deploying', () => {
    expect(projectRows([status('web', 'healthy', 'v1')], 0, false, plain, new Set(['web'])).rows[0]).toMatch(/^web\s+~ deploying/);
  });

  it('shows a deploy another process runs as deploying, with its ref, pid and who started it', () => {
    const other = { ...status('web', 'stopped' as ProjectStatus['health'], 'v1'), deploying: { ref: 'v2', sha: 'f'.repeat(40), pid: 4242, by: 'alice from 203.0.113.7', startedAt: 0 } };
    const row = projectRows([other], 0, true, plain).rows[0]!;
    expect(row).toMatch(/^web\s+◐ deploying\s+→ v2 \(pid 4242, by alice\)/);
    expect(projectRows([other], 0, false, plain).rows[0]).toMatch(/-> v2 \(pid 4242, by alice\)/);
  });

  it('formats containers with uptime and compact ports', () => {
    const rows = containerRows(
      [{ id: '1', name: 'n', composeProject: 'p', service: 'web', image: 'i', state: 'running', health: 'healthy', status: 'Up 3 minutes (healthy)', ports: '0.0.0.0:8080->80/tcp, [::]:8080->80/tcp', createdAt: '' }],
      true,
      plain,
    );
    expect(rows.rows[0]).toMatch(/^web\s+● running\s+healthy\s+3 minutes\s+8080->80\/tcp$/);
    expect(uptimeOf('Exited (0) 2 hours ago')).toBe('-');
    expect(compactPorts('127.0.0.1:9000->80/tcp')).toBe('127.0.0.1:9000->80/tcp');
  });

  it('renders progress: stages with elapsed time, latest health per container', () => {
    const lines = progressLines(
      [
        { type: 'stage', stage: 'start', message: 'starting', at: 1_000 },
        { type: 'container', service: 'web', container: 'c', state: 'running', health: 'starting', at: 1_500 },
        { type: 'container', service: 'web', container: 'c', state: 'running', health: 'healthy', at: 2_500 },
      ],
      1_000,
      4_000,
      plain,
    );
    expect(lines).toEqual(['   0ms  start    starting', '        web: running/healthy', 'elapsed 3.0s']);
  });

  it("shows a hook's output live, escaped, and leaves compose's own output to the operation log", () => {
    const lines = progressLines(
      [
        { type: 'stage', stage: 'hook', message: 'running pre_deploy (web: ./manage.py migrate), timeout 10m', at: 1_000 },
        { type: 'output', text: 'Container x-web-1  Creating', at: 1_100 },
        { type: 'output', text: '[pre_deploy] Applying shop.0003 {red}\x1b[31m... OK', at: 1_200, source: 'hook' },
      ],
      1_000,
      2_000,
      plain,
    );
    expect(lines.slice(0, 2)).toEqual(['   0ms  hook     running pre_deploy (web: ./manage.py migrate), timeout 10m', ' 200ms           [pre_deploy] Applying shop.0003 {open}red{close}[31m... OK']);
    expect(lines.join('\n')).not.toMatch(/Creating/);
  });
});

describe('keymap', () => {
  it('binds every action the issue names, each listed in help', () => {
    const keys = KEYMAP.flatMap((k) => k.keys);
    for (const k of ['up', 'down', 'j', 'k', 'tab', 'enter', 'escape', 'd', 'r', 'p', 'a', 'x', 'l', '/', '?', 'q', 'C-c']) expect(keys).toContain(k);
    expect(new Set(keys).size).toBe(keys.length);
    const help = helpLines().join('\n');
    for (const k of KEYMAP) expect(help).toContain(k.help);
  });
});
