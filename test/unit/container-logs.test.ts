import { describe, expect, it } from 'vitest';
import type { Exec, ExecOptions } from '../../src/services/commands/exec.js';
import { containerLogs, type LogEntry } from '../../src/services/logs.js';

/** A time of second 10 with `frac` as its fraction (docker prints 9 digits). */
const t = (frac: string) => `2026-11-29T10:00:10.${frac}Z`;

type Chunk = ['stdout' | 'stderr', string];

/**
 * docker faked: `docker logs` without --follow answers `past[id]`; with --follow it delivers
 * `followed[id]` chunk by chunk (in the order given: that is the arrival order), then ends.
 */
function fakeDocker(past: Record<string, { stdout: string; stderr: string }>, followed: Record<string, Chunk[]>) {
  const calls: string[][] = [];
  const run: Exec = async (argv: readonly string[], opts: ExecOptions = {}) => {
    calls.push([...argv]);
    const id = argv.at(-1)!;
    if (!argv.includes('--follow')) return { exitCode: 0, ...past[id]!, killed: null };
    for (const [stream, chunk] of followed[id] ?? []) opts.onOutput?.(chunk, stream);
    return { exitCode: 0, stdout: '', stderr: '', killed: null };
  };
  return { run, calls };
}

async function collect(run: Exec, opts: { follow: boolean; limit?: number; since?: string }): Promise<LogEntry[]> {
  const lines: LogEntry[] = [];
  const containers = [
    { id: 'c-web', service: 'web' },
    { id: 'c-db', service: 'db' },
  ];
  await containerLogs(containers, { tail: 100, ...opts, onLine: (l) => lines.push(l) }, run);
  return lines;
}

const past = {
  'c-web': { stdout: `${t('100000000')} web out 1\n${t('300000000')} web out 3 API_TOKEN=hunter22\n`, stderr: `${t('200000000')} web err 2\n` },
  'c-db': { stdout: `${t('250000000')} db 2.5\n`, stderr: '' },
};

describe('containerLogs (docker faked)', () => {
  it('merges the past output of every container, stdout and stderr, by time; redacted; only the newest `limit`', async () => {
    const { run } = fakeDocker(past, {});
    const all = await collect(run, { follow: false });
    expect(all.map((l) => `${l.service}: ${l.text}`)).toEqual(['web: web out 1', 'web: web err 2', 'db: db 2.5', 'web: web out 3 API_TOKEN=****']);
    expect(all[0]!.time).toBe(t('100000000'));
    expect((await collect(run, { follow: false, limit: 2 })).map((l) => l.text)).toEqual(['db 2.5', 'web out 3 API_TOKEN=****']);
  });

  it('follows each container from its last past line (--since, inclusive): lines read already are skipped', async () => {
    const { run, calls } = fakeDocker(past, {
      // docker repeats the line at the --since time; an earlier one cannot come, but is skipped too.
      'c-web': [['stdout', `${t('300000000')} web out 3 API_TOKEN=hunter22\n${t('400000000')} web out 4\n`]],
      'c-db': [['stdout', `${t('250000000')} db 2.5\n`]],
    });
    const lines = await collect(run, { follow: true, since: '5m' });
    expect(lines.map((l) => l.text)).toEqual(['web out 1', 'web err 2', 'db 2.5', 'web out 3 API_TOKEN=****', 'web out 4']);
    expect(calls).toContainEqual(['docker', 'logs', '--timestamps', '--tail', '100', '--since', '5m', 'c-web']);
    expect(calls).toContainEqual(['docker', 'logs', '--timestamps', '--follow', '--tail', 'all', '--since', t('300000000'), 'c-web']);
    expect(calls).toContainEqual(['docker', 'logs', '--timestamps', '--follow', '--tail', 'all', '--since', t('250000000'), 'c-db']);
  });

  it('puts followed lines that arrive out of order (stderr before stdout, one container before another) in time order', async () => {
    const { run } = fakeDocker(
      { 'c-web': { stdout: '', stderr: '' }, 'c-db': { stdout: '', stderr: '' } },
      {
        'c-web': [
          ['stderr', `${t('600000000')} web err 6\n`],
          ['stdout', `${t('500000000')} web out 5\n${t('700000000')} web out 7\n`],
        ],
        'c-db': [['stdout', `${t('550000000')} db 5.5\n`]],
      },
    );
    expect((await collect(run, { follow: true })).map((l) => l.text)).toEqual(['web out 5', 'db 5.5', 'web err 6', 'web out 7']);
  });

  it('joins a line split across chunks within its own stream, never with the other stream', async () => {
    const { run } = fakeDocker(
      { 'c-web': { stdout: '', stderr: '' }, 'c-db': { stdout: '', stderr: '' } },
      {
        'c-web': [
          ['stdout', `${t('100000000')} first ha`],
          ['stderr', `${t('200000000')} an error\n`],
          ['stdout', `lf\n${t('300000000')} unterminated`],
        ],
      },
    );
    const lines = await collect(run, { follow: true });
    // The unterminated rest (the container stopped mid-line) is shown too, when the stream ends.
    expect(lines.map((l) => l.text)).toEqual(['first half', 'an error', 'unterminated']);
  });
});
