import { describe, expect, it } from 'vitest';
import { healthFromStatus, parsePsOutput, type ContainerInfo } from '../../src/services/commands/engine.js';
import { evaluateRelease, exitCodeOf, summarizeHealth } from '../../src/services/health.js';

const c = (service: string, state: string, health: ContainerInfo['health'] = 'none'): ContainerInfo => ({
  id: service + state,
  name: `x_${service}_1`,
  composeProject: 'otterstack-x-abcdef0',
  service,
  image: 'img',
  state,
  health,
  status: '',
  ports: '',
  createdAt: '',
  oneshot: false,
  sharedHash: '',
});

describe('evaluateRelease', () => {
  it('is healthy when every expected service runs and checks pass', () => {
    expect(evaluateRelease([c('web', 'running', 'healthy'), c('db', 'running')], ['web', 'db'])).toEqual({ state: 'healthy' });
  });
  it('waits for missing services and starting health checks', () => {
    expect(evaluateRelease([c('web', 'running', 'starting')], ['web', 'db'])).toEqual({ state: 'pending', waitingFor: ['web', 'db (no container yet)'] });
    expect(evaluateRelease([c('web', 'created')], ['web']).state).toBe('pending');
  });
  it.each([
    ['unhealthy', c('web', 'running', 'unhealthy'), /unhealthy/],
    ['exited', c('web', 'exited'), /exited/],
    ['restarting', c('web', 'restarting'), /restarting/],
    ['dead', c('web', 'dead'), /dead/],
  ])('fails at once on %s', (_n, container, reason) => {
    const v = evaluateRelease([container, c('db', 'running', 'starting')], ['web', 'db']);
    expect(v.state).toBe('failed');
    expect(v.state === 'failed' && v.reason).toMatch(reason);
  });
});

describe('summarizeHealth', () => {
  it.each([
    [[], false, 'not_deployed'],
    [[], true, 'missing'],
    [[c('a', 'exited')], true, 'down'],
    [[c('a', 'exited'), c('b', 'created')], true, 'down'],
    [[c('a', 'running', 'healthy'), c('b', 'exited')], true, 'degraded'],
    [[c('a', 'running', 'starting')], true, 'starting'],
    [[c('a', 'running', 'unhealthy')], true, 'unhealthy'],
    [[c('a', 'running', 'healthy'), c('b', 'running')], true, 'healthy'],
  ] as const)('%# -> %s', (containers, deployed, expected) => expect(summarizeHealth([...containers], deployed)).toBe(expected));
});

describe('docker ps parsing', () => {
  it('reads health from the status text', () => {
    expect(healthFromStatus('Up 3 seconds (health: starting)')).toBe('starting');
    expect(healthFromStatus('Up 3 minutes (healthy)')).toBe('healthy');
    expect(healthFromStatus('Up 3 minutes (unhealthy)')).toBe('unhealthy');
    expect(healthFromStatus('Exited (0) 2 minutes ago')).toBe('none');
  });
  it('parses one JSON object per line, labels included', () => {
    const line = JSON.stringify({ id: 'abc', name: 'n', image: 'i', state: 'running', status: 'Up 1 second (healthy)', ports: '', createdAt: '', composeProject: 'otterstack-a-1234567', service: 'web' });
    expect(parsePsOutput(`${line}\n\n`)).toEqual([expect.objectContaining({ id: 'abc', service: 'web', health: 'healthy' })]);
  });
});

describe('stability window and one-shots', () => {
  const at = (id: string, ms: number) => new Map([[id, ms]]);
  it('a service without a healthcheck is healthy only after running for the whole window', () => {
    const web = c('web', 'running');
    expect(evaluateRelease([web], ['web'], { graceMs: 5000, runningSince: at(web.id, 0), now: 1000 })).toEqual({ state: 'pending', waitingFor: ['web (no healthcheck: must stay up 5s)'] });
    expect(evaluateRelease([web], ['web'], { graceMs: 5000, runningSince: at(web.id, 0), now: 5000 })).toEqual({ state: 'healthy' });
    expect(evaluateRelease([web], ['web'], { graceMs: 0, runningSince: new Map(), now: 0 })).toEqual({ state: 'healthy' });
    // A passing healthcheck is its own proof: no window.
    const checked = c('api', 'running', 'healthy');
    expect(evaluateRelease([checked], ['api'], { graceMs: 5000, runningSince: at(checked.id, 0), now: 1 })).toEqual({ state: 'healthy' });
  });

  it('a one-shot that exited 0 is done; exiting non-zero, or a normal service exiting 0, is a failure', () => {
    const done = { ...c('migrate', 'exited'), status: 'Exited (0) 2 seconds ago', oneshot: true };
    const broke = { ...done, status: 'Exited (3) 2 seconds ago' };
    const web = c('web', 'running', 'healthy');
    expect(evaluateRelease([done, web], ['migrate', 'web'])).toEqual({ state: 'healthy' });
    expect(evaluateRelease([broke, web], ['migrate', 'web'])).toMatchObject({ state: 'failed', reason: 'service migrate exited (Exited (3) 2 seconds ago)' });
    expect(evaluateRelease([{ ...done, oneshot: false }, web], ['migrate', 'web']).state).toBe('failed');
    expect(summarizeHealth([done, web], true)).toBe('healthy');
    expect(exitCodeOf('Exited (137) 1 hour ago')).toBe(137);
    expect(exitCodeOf('Up 3 seconds')).toBeNull();
  });
});
