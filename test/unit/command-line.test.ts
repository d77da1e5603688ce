import { describe, expect, it } from 'vitest';
import { completeCommand, completionProject, parseCommand, type CommandContext } from '../../src/screens/model/command-line.js';

const ctx: CommandContext = { projects: ['web', 'api', 'api-admin', 'cafe'], selected: 'web' };

describe('parseCommand', () => {
  it('acts on the selected project unless one is named', () => {
    expect(parseCommand(':deploy v1.2', ctx)).toEqual({ command: { verb: 'deploy', project: 'web', ref: 'v1.2' } });
    expect(parseCommand('deploy', ctx)).toEqual({ command: { verb: 'deploy', project: 'web', ref: null } });
    expect(parseCommand('deploy api main', ctx)).toEqual({ command: { verb: 'deploy', project: 'api', ref: 'main' } });
    // One word is a ref even when a project has that name: the selected project gets it.
    expect(parseCommand('deploy api', ctx)).toEqual({ command: { verb: 'deploy', project: 'web', ref: 'api' } });
    expect(parseCommand('  logs  ', ctx)).toEqual({ command: { verb: 'logs', project: 'web' } });
    expect(parseCommand('remove api', ctx)).toEqual({ command: { verb: 'remove', project: 'api' } });
  });

  it('rollback takes a project, a SHA, or both; a name that is both is refused', () => {
    expect(parseCommand('rollback', ctx)).toEqual({ command: { verb: 'rollback', project: 'web', sha: null } });
    expect(parseCommand('rollback abc1234', ctx)).toEqual({ command: { verb: 'rollback', project: 'web', sha: 'abc1234' } });
    expect(parseCommand('rollback api', ctx)).toEqual({ command: { verb: 'rollback', project: 'api', sha: null } });
    expect(parseCommand('rollback api abc1234', ctx)).toEqual({ command: { verb: 'rollback', project: 'api', sha: 'abc1234' } });
    expect(parseCommand('rollback cafe', ctx)).toMatchObject({ error: expect.stringMatching(/both a project and a SHA/) });
    expect(parseCommand('rollback v1', ctx)).toMatchObject({ error: expect.stringMatching(/not a project or a commit SHA/) });
  });

  it('prune takes a count, a project, or both', () => {
    expect(parseCommand('prune 3', ctx)).toEqual({ command: { verb: 'prune', project: 'web', keep: 3 } });
    expect(parseCommand('prune', ctx)).toEqual({ command: { verb: 'prune', project: 'web', keep: null } });
    expect(parseCommand('prune api 2', ctx)).toEqual({ command: { verb: 'prune', project: 'api', keep: 2 } });
    expect(parseCommand('prune 0', ctx)).toMatchObject({ error: expect.stringMatching(/at least 1/) });
    expect(parseCommand('prune api x', ctx)).toMatchObject({ error: expect.stringMatching(/at least 1/) });
  });

  it('says what is valid for an unknown verb, an unknown project, extra words, or no selection', () => {
    const unknown = parseCommand('depoly v1', ctx);
    expect(unknown).toMatchObject({ error: expect.stringMatching(/unknown command "depoly": valid are deploy, rollback, prune, logs, remove, help, q, quit/) });
    expect(parseCommand('deploy nope v1', ctx)).toMatchObject({ error: 'unknown project "nope"' });
    expect(parseCommand('logs web api', ctx)).toMatchObject({ error: expect.stringMatching(/too many arguments/) });
    expect(parseCommand('q now', ctx)).toMatchObject({ error: expect.stringMatching(/too many arguments/) });
    expect(parseCommand('deploy v1', { projects: [], selected: null })).toMatchObject({ error: expect.stringMatching(/no project selected/) });
  });

  it('help and quit; nothing typed is nothing to do', () => {
    expect(parseCommand(':q', ctx)).toEqual({ command: { verb: 'quit' } });
    expect(parseCommand('quit', ctx)).toEqual({ command: { verb: 'quit' } });
    expect(parseCommand('help', ctx)).toEqual({ command: { verb: 'help' } });
    expect(parseCommand('   ', ctx)).toBeNull();
  });
});

describe('completeCommand', () => {
  const refs = ['v1', 'v2', 'main'];
  it('completes verbs, to the only match or the shared prefix', () => {
    expect(completeCommand('dep', ctx, refs)).toEqual({ text: 'deploy ', candidates: [] });
    expect(completeCommand(':ro', ctx, refs)).toEqual({ text: ':rollback ', candidates: [] });
    expect(completeCommand('q', ctx, refs)).toEqual({ text: 'q', candidates: ['q', 'quit'] });
    expect(completeCommand('zz', ctx, refs)).toEqual({ text: 'zz', candidates: [] });
  });

  it('completes refs and projects after deploy, refs of the named project after it', () => {
    expect(completeCommand('deploy v', ctx, refs)).toEqual({ text: 'deploy v', candidates: ['v1', 'v2'] });
    expect(completeCommand('deploy ma', ctx, refs)).toEqual({ text: 'deploy main ', candidates: [] });
    expect(completeCommand('deploy ap', ctx, refs)).toEqual({ text: 'deploy api', candidates: ['api', 'api-admin'] });
    expect(completeCommand('deploy api v2', ctx, refs)).toEqual({ text: 'deploy api v2 ', candidates: [] });
    expect(completionProject('deploy api ', ctx)).toBe('api');
    expect(completionProject('deploy api', ctx)).toBe('web');
    expect(completionProject('logs', ctx)).toBe('web');
  });

  it('completes projects for the other verbs, nothing past their arguments', () => {
    expect(completeCommand('logs c', ctx, refs)).toEqual({ text: 'logs cafe ', candidates: [] });
    expect(completeCommand('remove ', ctx, refs)).toEqual({ text: 'remove ', candidates: ['web', 'api', 'api-admin', 'cafe'] });
    expect(completeCommand('logs cafe x', ctx, refs)).toEqual({ text: 'logs cafe x', candidates: [] });
  });
});
