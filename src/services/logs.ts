import fs from 'node:fs';
import type { ServiceContext } from './context.js';
import { OtterError } from './errors.js';
import { requireProject } from './projects.js';
import { redact } from './redact.js';
import { exec, type Exec } from './commands/exec.js';
import { mergeByTime, ReorderBuffer, splitTimestamp, timeKey, type LogEntry } from './log-merge.js';

export type { LogEntry } from './log-merge.js';

export interface OperationLogText {
  file: string;
  operation: string;
  status: string;
  text: string;
}

/** The operation log of one deployment, or the project's latest operation. Already redacted on disk. */
export async function readOperationLog(ctx: ServiceContext, name: string, deploymentId?: number): Promise<OperationLogText> {
  const project = await requireProject(ctx, name);
  let row;
  if (deploymentId !== undefined) {
    const d = await ctx.store.deployments.byId(deploymentId);
    if (!d || d.project_id !== project.id) throw new OtterError('not_found', `no deployment ${deploymentId} in ${name}: see 'otterstack history ${name}'`);
    row = await ctx.store.operationLogs.forDeployment(deploymentId);
  } else {
    row = await ctx.store.operationLogs.latest(project.id);
  }
  if (!row) throw new OtterError('not_found', `no operation log for ${name}${deploymentId ? ` deployment ${deploymentId}` : ''} (logs are kept ${ctx.settings.get('logRetentionDays')} days)`);
  if (!fs.existsSync(row.log_path)) throw new OtterError('not_found', `log file ${row.log_path} is gone (pruned or deleted)`);
  return { file: row.log_path, operation: row.operation, status: row.status, text: fs.readFileSync(row.log_path, 'utf8') };
}

/**
 * The log of the project's operation running now (in any process), or null: the TUI follows it to
 * show the stages of a deploy another shell started. Redacted on disk like every operation log.
 */
export async function runningOperationLog(ctx: ServiceContext, name: string): Promise<OperationLogText | null> {
  const project = await requireProject(ctx, name);
  const row = await ctx.store.operationLogs.latest(project.id);
  if (!row || row.status !== 'running' || !fs.existsSync(row.log_path)) return null;
  return { file: row.log_path, operation: row.operation, status: row.status, text: fs.readFileSync(row.log_path, 'utf8') };
}

/** How far back the container logs start (the TUI's `o` picker): docker logs --since, or the newest lines only. */
export interface LogWindow {
  id: string;
  label: string;
  /** docker logs --since (relative, like 5m); none: from the container's first line. */
  since?: string;
  /** The newest lines of all containers merged that are kept. */
  lines: number;
}

/** The most lines a window keeps: a time window of a chatty service would otherwise fill memory and slow the view. */
export const MAX_WINDOW_LINES = 2000;

export const LOG_WINDOWS: readonly LogWindow[] = [
  { id: 'lines', label: 'last 500 lines', lines: 500 },
  { id: '5m', label: 'last 5 min', since: '5m', lines: MAX_WINDOW_LINES },
  { id: '1h', label: 'last hour', since: '1h', lines: MAX_WINDOW_LINES },
  { id: '24h', label: 'last 24 h', since: '24h', lines: MAX_WINDOW_LINES },
  { id: 'all', label: 'everything', lines: MAX_WINDOW_LINES },
];

export interface ContainerLogOptions {
  follow: boolean;
  /** Lines of each container's past output (docker logs --tail), or all of them. */
  tail: number | 'all';
  /** docker logs --since: only lines from then on (5m, 1h, an RFC3339 time). */
  since?: string;
  /** Of the past output of all containers merged, keep only the newest `limit` lines. */
  limit?: number;
  /** Only the containers of this service. */
  service?: string;
  signal?: AbortSignal;
  /** The release's services (all of them, even with `service`), before any line. */
  onServices?: (services: string[]) => void;
  /** Each line, redacted, in time order (followed lines: within REORDER_MS of each other). */
  onLine: (line: LogEntry) => void;
}

/** How long a followed line waits for earlier lines of other containers or of the other stream. */
const REORDER_MS = 150;

/** A line as `docker logs --timestamps` printed it, after its service column (`otterstack logs --containers`). */
export function plainLogLine(e: LogEntry, width: number): string {
  return `${e.service.padEnd(width)} | ${e.time ? `${e.time} ` : ''}${e.text}`;
}

/** Complete lines of a stream of chunks; `end()` returns the unterminated rest. */
function lineSplitter(onLine: (line: string) => void) {
  let partial = '';
  return {
    push(chunk: string) {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      lines.forEach(onLine);
    },
    end() {
      if (partial) onLine(partial);
      partial = '';
    },
  };
}

function entryOf(service: string, line: string): LogEntry {
  const { time, text } = splitTimestamp(line);
  return { time, service, text: redact(text) };
}

/**
 * Container logs of the active release, one `docker logs` per container (works even when the
 * release's worktree is gone), each line redacted and tagged with its service, all in time order:
 * the past output of every container (stdout and stderr) is read first and merged by docker's
 * timestamps; followed lines then pass a short reorder buffer.
 */
export async function streamContainerLogs(ctx: ServiceContext, name: string, opts: ContainerLogOptions): Promise<void> {
  const project = await requireProject(ctx, name);
  const active = await ctx.store.deployments.active(project.id);
  if (!active) throw new OtterError('not_found', `${name} has no active release: deploy it first`);
  if (active.target === 'swarm') {
    // A swarm release's tasks may run on any node: the swarm's own log stream per service.
    const { stackName } = await import('./swarm/swarm-state.js');
    const stack = stackName(project.name);
    const services = (await ctx.swarm.services(stack)).map((s) => ({ id: s.name, service: s.name.slice(stack.length + 1), swarm: true }));
    if (services.length === 0) throw new OtterError('not_found', `stack ${stack} has no services: run 'otterstack status ${name}'`);
    opts.onServices?.(services.map((s) => s.service));
    await containerLogs(opts.service ? services.filter((s) => s.service === opts.service) : services, opts);
    return;
  }
  const all = await ctx.engine.listContainers(active.compose_project);
  if (all.length === 0) throw new OtterError('not_found', `active release ${active.compose_project} has no containers: run 'otterstack status ${name}'`);
  opts.onServices?.([...new Set(all.map((c) => c.service))]);
  await containerLogs(opts.service ? all.filter((c) => c.service === opts.service) : all, opts);
}

/** The logs of `containers` in time order (streamContainerLogs); `run` is docker's runner (faked by the unit test). */
/** A container (`docker logs`), or a swarm service (`docker service logs --raw`: every task, on every node). */
type LogSource = { id: string; service: string; swarm?: boolean };
const logsCommand = (c: LogSource) => (c.swarm ? ['docker', 'service', 'logs', '--raw'] : ['docker', 'logs']);

export async function containerLogs(containers: readonly LogSource[], opts: ContainerLogOptions, run: Exec = exec): Promise<void> {
  const since = opts.since ? ['--since', opts.since] : [];

  // The past output, without --follow: complete before anything is shown, so it can be merged.
  const pasts = await Promise.all(
    containers.map(async (c) => {
      const res = await run([...logsCommand(c), '--timestamps', '--tail', String(opts.tail), ...since, c.id], { signal: opts.signal });
      const lines = (out: string) => out.split('\n').filter((l, i, a) => l || i < a.length - 1).map((l) => entryOf(c.service, l));
      return [lines(res.stdout), lines(res.stderr)];
    }),
  );
  if (opts.signal?.aborted) return;
  const past = mergeByTime(pasts.flat());
  for (const e of opts.limit === undefined ? past : past.slice(-opts.limit)) opts.onLine(e);
  if (!opts.follow) return;

  const buffer = new ReorderBuffer(REORDER_MS);
  let timer: NodeJS.Timeout | null = null;
  const flush = (all = false) => {
    if (timer) clearTimeout(timer);
    timer = null;
    for (const e of buffer.take(Date.now(), all)) opts.onLine(e);
    const due = buffer.nextDue();
    if (due !== null) timer = setTimeout(() => flush(), Math.max(0, due - Date.now()));
  };
  try {
    await Promise.all(containers.map((c, i) => followContainer(run, c, pasts[i]!.flat(), since, opts.signal, (e) => {
      buffer.push(e, Date.now());
      if (!timer) flush();
    })));
  } finally {
    if (!opts.signal?.aborted) flush(true);
    if (timer) clearTimeout(timer);
  }
}

/**
 * Follows one container from its last past line on (--since that line's time, inclusive), skipping
 * the lines already read: those with an earlier time, and as many with the same time as were read.
 */
async function followContainer(run: Exec, c: LogSource, past: LogEntry[], since: string[], signal: AbortSignal | undefined, onLine: (e: LogEntry) => void): Promise<void> {
  const lastTime = past.map((e) => e.time).filter(Boolean).sort((a, b) => (timeKey(a) < timeKey(b) ? -1 : 1)).at(-1);
  const lastKey = lastTime ? timeKey(lastTime) : '';
  let repeats = lastTime ? past.filter((e) => timeKey(e.time) === lastKey).length : 0;
  const from = lastTime ? ['--since', lastTime] : since;
  const take = (line: string) => {
    const e = entryOf(c.service, line);
    const key = timeKey(e.time);
    if (lastKey && key && key < lastKey) return;
    if (lastKey && key === lastKey && repeats > 0) return void repeats--;
    onLine(e);
  };
  const streams = { stdout: lineSplitter(take), stderr: lineSplitter(take) };
  // Nothing read before (an empty past): every line of the window is new, so all of them.
  await run([...logsCommand(c), '--timestamps', '--follow', '--tail', 'all', ...from, c.id], { signal, onOutput: (chunk, stream) => streams[stream].push(chunk) });
  if (signal?.aborted) return;
  streams.stdout.end();
  streams.stderr.end();
}
