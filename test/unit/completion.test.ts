import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { bashCompletion, completionTree, zshCompletion } from '../../src/cli/completion.js';
import { watchUnit } from '../../src/render/systemd-unit.js';

const program = buildProgram({ out: () => undefined, err: () => undefined, signal: new AbortController().signal });
const script = bashCompletion(completionTree(program));

/** What bash offers for the words typed so far (the last one being completed), through the real script. */
function complete(...words: string[]): string[] {
  const line = ['otterstack', ...words];
  const driver = `${script}
COMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${line.length - 1}
_otterstack_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', driver], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
}

describe('shell completion from the command definitions', () => {
  it('completes commands, subcommands and each command’s own options', () => {
    expect(complete('pr')).toEqual(['project', 'proxy', 'prune']);
    expect(complete('project', '')).toEqual(['add', 'list', 'remove', 'set', 'show']);
    expect(complete('deploy', 'web', '--r')).toEqual(['--ref']);
    expect(complete('--data-dir', '/x', 'project', 'add', '--re')).toEqual(['--registry', '--repo']);
    expect(complete('config', 's')).toEqual(['set']);
    expect(complete('registry', '')).toEqual(['list', 'login', 'logout']);
    expect(complete('registry', 'login', 'h', '--p')).toEqual(['--password-stdin']);
    expect(complete('project', 'set', 'web', '--do')).toEqual(['--domain']);
    expect(complete('project', 'set', 'web', '--no-d')).toEqual(['--no-domain']);
    expect(complete('project', 'add', '--t')).toEqual(['--target', '--tls', '--traefik-routing']);
    expect(complete('project', 'add', '--ro')).toEqual(['--route']);
    expect(complete('proxy', '')).toEqual(['install', 'logs', 'remove', 'status']);
    expect(complete('proxy', 'install', '--ht')).toEqual(['--http-port', '--https-port']);
  });

  it('covers every command the CLI has, so it cannot drift', () => {
    const top = completionTree(program).find((n) => n.path === '')!.subcommands;
    expect(top).toEqual(program.commands.map((c) => c.name()));
    expect(top).toEqual(expect.arrayContaining(['deploy', 'rollback', 'watch', 'completion', 'registry']));
  });

  it('zsh gets the same table through bashcompinit', () => {
    const zsh = zshCompletion(completionTree(program));
    expect(zsh.split('\n')[0]).toBe('#compdef otterstack');
    expect(zsh).toContain('bashcompinit');
    expect(zsh).toContain("'project add') subs=''");
  });
});

describe('systemd unit for watch', () => {
  it('quotes every ExecStart word for systemd and carries the options given', () => {
    const unit = watchUnit({ node: '/usr/bin/node', script: '/opt/otter stack/otterstack.mjs', dataDir: '/var/lib/o%"x', gitops: true });
    expect(unit).toContain('ExecStart="/usr/bin/node" "/opt/otter stack/otterstack.mjs" "--data-dir" "/var/lib/o%%\\"x" "watch" "--gitops"');
    expect(unit).toMatch(/^After=docker\.service/m);
    expect(unit).toMatch(/^WantedBy=multi-user\.target$/m);
    expect(watchUnit({ node: 'n', script: 's', dataDir: 'd', gitops: false })).not.toContain('--gitops');
  });
});
