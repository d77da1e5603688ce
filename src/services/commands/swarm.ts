/**
 * The Docker Swarm calls OtterStack makes (issue #20): the engine's swarm state, stacks, services
 * and their tasks. Every call is an argument vector (never a shell); names come from validated
 * project names. Parsing is pure and unit-tested (swarm-parse in test/unit).
 */
import { OtterError } from '../errors.js';
import { outputSummary, type Exec, type ExecOptions, type ExecResult } from './exec.js';

export interface SwarmInfo {
  /** inactive | pending | active | error | locked ('' when the engine does not say). */
  state: string;
  isManager: boolean;
  nodeId: string;
  nodes: number;
  managers: number;
  error: string;
}

export interface SwarmNode {
  id: string;
  hostname: string;
  role: string;
  /** ready | down | unknown … */
  status: string;
  availability: string;
  self: boolean;
}

export interface SwarmService {
  id: string;
  name: string;
  /** Spec.Labels: io.otterstack.release tells which release's spec the service runs. */
  labels: Record<string, string>;
  image: string;
  /** Replicated: the wanted count; global: null. */
  replicas: number | null;
  /** UpdateStatus (null: never updated). */
  update: { state: string; message: string; startedAt: string } | null;
}

export interface SwarmTask {
  id: string;
  service: string;
  nodeId: string;
  /** Status.State: new … starting, running, complete, failed, shutdown, rejected, orphaned. */
  state: string;
  desired: string;
  error: string;
  message: string;
  /** The task's container labels (its spec): io.otterstack.release. */
  labels: Record<string, string>;
  containerId: string;
  timestamp: string;
}

export function parseSwarmInfo(json: string): SwarmInfo {
  const s = JSON.parse(json || '{}') as Record<string, unknown>;
  return {
    state: String(s.LocalNodeState ?? ''),
    isManager: s.ControlAvailable === true,
    nodeId: String(s.NodeID ?? ''),
    nodes: Number(s.Nodes ?? 0),
    managers: Number(s.Managers ?? 0),
    error: String(s.Error ?? ''),
  };
}

export function parseNodes(stdout: string): SwarmNode[] {
  return jsonLines(stdout).map((n) => ({
    id: String(n.ID ?? ''),
    hostname: String(n.Hostname ?? ''),
    role: n.ManagerStatus ? 'manager' : 'worker',
    status: String(n.Status ?? '').toLowerCase(),
    availability: String(n.Availability ?? '').toLowerCase(),
    self: n.Self === true || n.Self === 'true',
  }));
}

export function parseServices(stdout: string): SwarmService[] {
  const list = JSON.parse(stdout || '[]') as Record<string, any>[];
  return list.map((s) => {
    const spec = s.Spec ?? {};
    const u = s.UpdateStatus;
    return {
      id: String(s.ID ?? ''),
      name: String(spec.Name ?? ''),
      labels: (spec.Labels ?? {}) as Record<string, string>,
      image: String(spec.TaskTemplate?.ContainerSpec?.Image ?? ''),
      replicas: spec.Mode?.Replicated ? Number(spec.Mode.Replicated.Replicas ?? 1) : null,
      update: u ? { state: String(u.State ?? ''), message: String(u.Message ?? ''), startedAt: String(u.StartedAt ?? '') } : null,
    };
  });
}

export function parseTasks(stdout: string): SwarmTask[] {
  const list = JSON.parse(stdout || '[]') as Record<string, any>[];
  return list.map((t) => ({
    id: String(t.ID ?? ''),
    service: String(t.ServiceID ?? ''),
    nodeId: String(t.NodeID ?? ''),
    state: String(t.Status?.State ?? ''),
    desired: String(t.DesiredState ?? ''),
    error: String(t.Status?.Err ?? ''),
    message: String(t.Status?.Message ?? ''),
    labels: (t.Spec?.ContainerSpec?.Labels ?? {}) as Record<string, string>,
    containerId: String(t.Status?.ContainerStatus?.ContainerID ?? ''),
    timestamp: String(t.Status?.Timestamp ?? ''),
  }));
}

/** `docker service ls` Ports column: "*:8080->80/tcp" is ingress (host-mode ports are not listed there). */
export function parseIngressPorts(stdout: string): { service: string; port: number }[] {
  const out: { service: string; port: number }[] = [];
  for (const line of stdout.split('\n')) {
    const [service, ports] = line.split('\t');
    for (const m of (ports ?? '').matchAll(/\*:(\d+)->\d+\/tcp/g)) out.push({ service: service!, port: Number(m[1]) });
  }
  return out;
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export const STACK_NAMESPACE_LABEL = 'com.docker.stack.namespace';

export class SwarmCommands {
  constructor(private readonly run: Exec) {}

  async info(): Promise<SwarmInfo> {
    const res = await this.run(['docker', 'info', '--format', '{{json .Swarm}}'], { timeoutMs: 15_000 });
    if (res.exitCode !== 0) throw new OtterError('environment', `docker info failed: ${outputSummary(res)}; is the Docker engine running? (try: otterstack doctor)`);
    return parseSwarmInfo(res.stdout.trim());
  }

  async nodes(): Promise<SwarmNode[]> {
    const res = await this.run(['docker', 'node', 'ls', '--format', '{{json .}}'], { timeoutMs: 15_000 });
    if (res.exitCode !== 0) throw new OtterError('environment', `docker node ls failed: ${outputSummary(res)}`);
    // `docker node ls` prints Self as a bool and ManagerStatus as text ("Leader", "Reachable", "").
    return parseNodes(res.stdout);
  }

  /** `docker stack deploy`: the file is ours (generated, 0600); variables reach it through env only. */
  async deployStack(stack: string, file: string, opts: ExecOptions): Promise<{ exitCode: number | null; output: string }> {
    const res = await this.run(['docker', 'stack', 'deploy', '--with-registry-auth', '--prune', '--resolve-image', 'changed', '--compose-file', file, '--', stack], opts);
    return { exitCode: res.exitCode, output: `${res.stdout}\n${res.stderr}`.trim() };
  }

  /** The stack's services, inspected (labels, replicas, update status); [] when there is no stack. */
  async services(stack: string): Promise<SwarmService[]> {
    const ids = await this.lines(['docker', 'service', 'ls', '--quiet', '--filter', `label=${STACK_NAMESPACE_LABEL}=${stack}`], 'docker service ls');
    if (ids.length === 0) return [];
    const res = await this.run(['docker', 'service', 'inspect', '--', ...ids], { timeoutMs: 30_000 });
    // A service removed between the two calls: inspect the others again next time.
    if (res.exitCode !== 0) return [];
    return parseServices(res.stdout);
  }

  /** Ports published through the ingress routing mesh by any service of the swarm. */
  async ingressPorts(): Promise<{ service: string; port: number }[]> {
    const res = await this.run(['docker', 'service', 'ls', '--format', '{{.Name}}\t{{.Ports}}'], { timeoutMs: 15_000 });
    if (res.exitCode !== 0) return [];
    return parseIngressPorts(res.stdout);
  }

  /** Every task of the stack that the swarm still remembers (running, failed, shut down). */
  async tasks(stack: string): Promise<SwarmTask[]> {
    const ids = await this.lines(['docker', 'stack', 'ps', '--quiet', '--no-trunc', '--', stack], 'docker stack ps', true);
    if (ids.length === 0) return [];
    const res = await this.run(['docker', 'inspect', '--type', 'task', '--', ...ids], { timeoutMs: 30_000 });
    if (res.exitCode !== 0) return [];
    return parseTasks(res.stdout);
  }

  /**
   * Containers of the stack's shut-down tasks (a swarm keeps the last few per slot, stopped):
   * they hold their images, so a prune removes them first. The task records stay.
   */
  async stoppedTaskContainers(stack: string): Promise<{ id: string; image: string }[]> {
    const res = await this.run(['docker', 'ps', '--all', '--no-trunc', '--filter', `label=${STACK_NAMESPACE_LABEL}=${stack}`, '--format', '{{.ID}}\t{{.Image}}\t{{.State}}'], { timeoutMs: 30_000 });
    if (res.exitCode !== 0) return [];
    return res.stdout
      .split('\n')
      .map((l) => l.split('\t'))
      .filter(([id, , state]) => id && ['exited', 'created', 'dead'].includes(state ?? ''))
      .map(([id, image]) => ({ id: id!, image: image ?? '' }));
  }

  async removeStack(stack: string): Promise<void> {
    const res = await this.run(['docker', 'stack', 'rm', '--', stack], { timeoutMs: 60_000 });
    if (res.exitCode !== 0 && !/nothing found in stack/i.test(`${res.stdout}${res.stderr}`)) throw new OtterError('environment', `docker stack rm ${stack} failed: ${outputSummary(res)}`);
  }

  /** Networks still labelled for the stack (a removed stack's go a moment after its tasks). */
  async stackNetworks(stack: string): Promise<string[]> {
    return this.lines(['docker', 'network', 'ls', '--quiet', '--filter', `label=${STACK_NAMESPACE_LABEL}=${stack}`], 'docker network ls');
  }

  async tag(source: string, target: string): Promise<void> {
    const res = await this.run(['docker', 'tag', source, target], { timeoutMs: 60_000 });
    if (res.exitCode !== 0) throw new OtterError('environment', `docker tag ${source} ${target} failed: ${outputSummary(res)}`);
  }

  async push(image: string, opts: ExecOptions): Promise<void> {
    const res = await this.run(['docker', 'push', '--', image], opts);
    if (res.exitCode !== 0) throw new OtterError('deploy_failed', `docker push ${image} failed: ${outputSummary(res)}; check the registry (otterstack registry login HOST) and that it is reachable`);
  }

  /** An attachable overlay network under the stack's namespace, so `stack deploy` adopts it as its own. */
  async ensureStackNetwork(stack: string, name: string): Promise<void> {
    const exists = await this.run(['docker', 'network', 'inspect', '--format', '{{.Name}}', '--', name], { timeoutMs: 15_000 });
    if (exists.exitCode === 0) return;
    const res = await this.run(['docker', 'network', 'create', '--driver', 'overlay', '--attachable', '--label', `${STACK_NAMESPACE_LABEL}=${stack}`, '--', name], { timeoutMs: 60_000 });
    if (res.exitCode !== 0 && !/already exists/i.test(res.stderr)) throw new OtterError('environment', `docker network create ${name} failed: ${outputSummary(res)}`);
  }

  /** `docker run --rm …` of a one-off container (a hook), streamed. `args` are options, the image and the command. */
  async runContainer(args: string[], opts: ExecOptions): Promise<ExecResult> {
    return this.run(['docker', 'run', '--rm', ...args], opts);
  }

  private async lines(argv: string[], what: string, emptyOnError = false): Promise<string[]> {
    const res = await this.run(argv, { timeoutMs: 30_000 });
    if (res.exitCode !== 0) {
      if (emptyOnError) return [];
      throw new OtterError('environment', `${what} failed: ${outputSummary(res)}`);
    }
    return res.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  }
}
