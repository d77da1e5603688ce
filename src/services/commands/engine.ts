import { OtterError } from '../errors.js';
import { exec as defaultExec, type Exec, type ExecOptions, type ExecResult, outputSummary } from './exec.js';
import { SHARED_HASH_LABEL } from '../shared-names.js';
import type { ContainerProcess } from '../traefik-detect.js';
import { parseImageUsage, type ImageUsage } from './image-usage.js';

export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
/** Set on every release container through the override; value = the installation's instance id. */
export const INSTANCE_LABEL = 'io.otterstack.instance';
/** Set on the volumes OtterStack creates for a project (pinned named volumes). */
export const PROJECT_LABEL = 'io.otterstack.project';
/** Set (through the override) on services that run once and exit 0 when done. */
export const ONESHOT_LABEL = 'io.otterstack.oneshot';
const SERVICE_LABEL = 'com.docker.compose.service';

export type ContainerHealth = 'healthy' | 'unhealthy' | 'starting' | 'none';

export interface ContainerInfo {
  id: string;
  name: string;
  composeProject: string;
  service: string;
  image: string;
  /** Engine state: created, running, restarting, exited, paused, dead, removing. */
  state: string;
  health: ContainerHealth;
  /** Engine status text, e.g. "Up 3 minutes (healthy)". */
  status: string;
  ports: string;
  createdAt: string;
  /** A one-shot service (migrations, seeds): exited 0 means done. */
  oneshot: boolean;
  /** A shared service's definition hash (shared-release.ts); '' for anything else. */
  sharedHash: string;
}

const lastLine = (text: string | undefined) => (text ?? '').trim().split('\n').at(-1) ?? '';

/** What `docker inspect` says of a container's state (inspect dialog, stop/start, restart checks). */
export interface ContainerState {
  status: string;
  running: boolean;
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  error: string;
  /** healthy, unhealthy, starting, or none (no healthcheck). */
  health: string;
  /** The last health check's exit code and last output line, '' without one. */
  lastCheck: string;
  restartCount: number;
}

// One JSON object per line; labels are read individually so commas in label values cannot confuse parsing.
const PS_FORMAT =
  '{"id":{{json .ID}},"name":{{json .Names}},"image":{{json .Image}},"state":{{json .State}},' +
  '"status":{{json .Status}},"ports":{{json .Ports}},"createdAt":{{json .CreatedAt}},' +
  `"composeProject":{{json (.Label "${COMPOSE_PROJECT_LABEL}")}},"service":{{json (.Label "${SERVICE_LABEL}")}},` +
  `"oneshot":{{json (.Label "${ONESHOT_LABEL}")}},"sharedHash":{{json (.Label "${SHARED_HASH_LABEL}")}}}`;

export function healthFromStatus(status: string): ContainerHealth {
  if (/\(healthy\)/.test(status)) return 'healthy';
  if (/\(unhealthy\)/.test(status)) return 'unhealthy';
  if (/\(health: starting\)/.test(status)) return 'starting';
  return 'none';
}

export function parsePsOutput(stdout: string): ContainerInfo[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((line) => {
      const raw = JSON.parse(line) as Omit<ContainerInfo, 'health' | 'oneshot' | 'sharedHash'> & { oneshot?: string; sharedHash?: string };
      return { ...raw, oneshot: raw.oneshot === 'true', sharedHash: raw.sharedHash ?? '', health: healthFromStatus(raw.status) };
    });
}

/** Parses inspectProcesses' lines (JSON fields, tab-separated: JSON never holds a raw tab). */
/** Network name → the container's IPv4 address there, from docker inspect's NetworkSettings.Networks. */
function addresses(networks: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!networks || typeof networks !== 'object') return out;
  for (const [net, info] of Object.entries(networks as Record<string, { IPAddress?: string } | null>)) if (info?.IPAddress) out[net] = info.IPAddress;
  return out;
}

/** A container's place on one network. */
export interface NetworkEndpoint {
  ip: string;
  aliases: string[];
}

export function parseContainerNetworks(stdout: string): Map<string, Record<string, NetworkEndpoint>> {
  const out = new Map<string, Record<string, NetworkEndpoint>>();
  for (const line of stdout.split('\n').filter((l) => l.trim())) {
    try {
      const [id, networks] = line.split('\t').map((f) => JSON.parse(f) as unknown);
      const nets: Record<string, NetworkEndpoint> = {};
      for (const [net, info] of Object.entries((networks ?? {}) as Record<string, { IPAddress?: string; Aliases?: string[] | null } | null>)) {
        nets[net] = { ip: info?.IPAddress ?? '', aliases: info?.Aliases ?? [] };
      }
      out.set(String(id), nets);
    } catch {
      /* not a line of ours */
    }
  }
  return out;
}

export function parseInspectProcesses(stdout: string): ContainerProcess[] {
  const out: ContainerProcess[] = [];
  for (const line of stdout.split('\n').filter((l) => l.trim())) {
    try {
      const [name, image, args, env, labels, networks, mode] = line.split('\t').map((f) => JSON.parse(f) as unknown);
      const traefikEnv: Record<string, string> = {};
      for (const e of Array.isArray(env) ? (env as string[]) : []) {
        const eq = e.indexOf('=');
        if (/^TRAEFIK_/i.test(e) && eq > 0) traefikEnv[e.slice(0, eq)] = e.slice(eq + 1);
      }
      out.push({
        name: String(name ?? '').replace(/^\//, ''),
        image: String(image ?? ''),
        args: Array.isArray(args) ? args.map(String) : [],
        env: traefikEnv,
        labels: labels && typeof labels === 'object' ? (labels as Record<string, string>) : {},
        networks: mode === 'host' ? ['host'] : networks && typeof networks === 'object' ? Object.keys(networks) : [],
        ips: addresses(networks),
      });
    } catch {
      /* not a line of ours */
    }
  }
  return out;
}

/** Thin layer over the docker CLI for what compose cannot do uniformly in v1 and v2. */
export class DockerEngine {
  constructor(private readonly run: Exec = defaultExec) {}

  async serverVersion(): Promise<string | null> {
    const res = await this.run(['docker', 'version', '--format', '{{.Server.Version}}'], { timeoutMs: 15_000 }).catch(() => null);
    return res && res.exitCode === 0 ? res.stdout.trim() : null;
  }

  /** Where the engine keeps images and volumes ('' when it does not say). */
  async dockerRootDir(): Promise<string> {
    const res = await this.run(['docker', 'info', '--format', '{{.DockerRootDir}}'], { timeoutMs: 15_000 }).catch(() => null);
    return res && res.exitCode === 0 ? res.stdout.trim() : '';
  }

  /**
   * All compose-managed containers (running or not) in ONE engine call; optionally only one
   * compose project. Everything health-related reads from here, never from `compose ps` text.
   */
  async listContainers(composeProject?: string, instance?: string): Promise<ContainerInfo[]> {
    const filters = ['--filter', composeProject ? `label=${COMPOSE_PROJECT_LABEL}=${composeProject}` : `label=${COMPOSE_PROJECT_LABEL}`];
    if (instance) filters.push('--filter', `label=${INSTANCE_LABEL}=${instance}`);
    const res = await this.run(['docker', 'ps', '--all', '--no-trunc', ...filters, '--format', PS_FORMAT], {
      timeoutMs: 30_000,
    });
    if (res.exitCode !== 0) throw new OtterError('environment', `docker ps failed: ${outputSummary(res)}; is the Docker engine running? (try: otterstack doctor)`);
    return parsePsOutput(res.stdout);
  }

  async stop(ids: string[], timeoutSeconds = 10): Promise<void> {
    if (ids.length === 0) return;
    await this.checked(['docker', 'stop', '--time', String(timeoutSeconds), ...ids], 'docker stop');
  }

  async start(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.checked(['docker', 'start', ...ids], 'docker start');
  }

  async restart(ids: string[], timeoutSeconds = 10): Promise<void> {
    if (ids.length === 0) return;
    await this.checked(['docker', 'restart', '--time', String(timeoutSeconds), ...ids], 'docker restart');
  }

  /** One container's engine state (fresh, not the dashboard's last listing); null when it is gone. */
  async containerState(id: string): Promise<ContainerState | null> {
    const res = await this.run(['docker', 'inspect', '--format', '{{json .State}} {{json .RestartCount}}', '--', id]);
    if (res.exitCode !== 0) return null;
    try {
      const space = res.stdout.trim().lastIndexOf(' ');
      const s = JSON.parse(res.stdout.slice(0, space)) as { Status?: string; Running?: boolean; StartedAt?: string; FinishedAt?: string; ExitCode?: number; Error?: string; Health?: { Status?: string; Log?: { Output?: string; ExitCode?: number }[] } };
      const last = s.Health?.Log?.slice(-1)[0];
      return {
        status: s.Status ?? 'unknown',
        running: s.Running === true,
        startedAt: s.StartedAt ?? '',
        finishedAt: s.FinishedAt ?? '',
        exitCode: s.ExitCode ?? 0,
        error: s.Error ?? '',
        health: s.Health?.Status ?? 'none',
        lastCheck: last ? `exit ${last.ExitCode}${lastLine(last.Output) ? `: ${lastLine(last.Output)}` : ''}` : '',
        restartCount: Number(res.stdout.slice(space + 1)) || 0,
      };
    } catch {
      return null;
    }
  }

  /** Runs a command in a running container, no TTY (e.g. to check a shell exists before opening one). */
  execIn(id: string, command: string[], timeoutMs = 30_000): Promise<ExecResult> {
    return this.run(['docker', 'exec', '--', id, ...command], { timeoutMs });
  }

  async remove(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    // No --volumes: anonymous volumes go with the container, named (pinned) volumes never do.
    await this.checked(['docker', 'rm', '--force', ...ids], 'docker rm');
  }

  async listNetworks(composeProject: string): Promise<string[]> {
    const res = await this.run(['docker', 'network', 'ls', '--quiet', '--filter', `label=${COMPOSE_PROJECT_LABEL}=${composeProject}`]);
    return res.exitCode === 0 ? res.stdout.split('\n').filter(Boolean) : [];
  }

  /** Every compose-made network, with the compose project it belongs to. */
  async composeNetworks(): Promise<{ id: string; composeProject: string }[]> {
    const res = await this.run(['docker', 'network', 'ls', '--no-trunc', '--filter', `label=${COMPOSE_PROJECT_LABEL}`, '--format', `{{.ID}}\t{{.Label "${COMPOSE_PROJECT_LABEL}"}}`]);
    if (res.exitCode !== 0) return [];
    return res.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t'))
      .map(([id, composeProject]) => ({ id: id!, composeProject: composeProject ?? '' }));
  }

  async removeNetworks(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.checked(['docker', 'network', 'rm', ...ids], 'docker network rm');
  }

  /** Last health-check output of a container, to explain why a deploy failed. */
  async healthDetail(id: string): Promise<string> {
    const res = await this.run(['docker', 'inspect', '--format', '{{json .State}}', id]);
    if (res.exitCode !== 0) return '';
    try {
      const state = JSON.parse(res.stdout) as { ExitCode?: number; Error?: string; Health?: { Log?: { Output?: string; ExitCode?: number }[] } };
      const last = state.Health?.Log?.slice(-1)[0];
      if (last) return `health check exit ${last.ExitCode}: ${(last.Output ?? '').trim().split('\n').slice(-1)[0] ?? ''}`.trim();
      if (state.Error) return state.Error;
      return state.ExitCode !== undefined ? `exit code ${state.ExitCode}` : '';
    } catch {
      return '';
    }
  }

  /** Names and images of running containers (any, not only compose ones), in one call. */
  async listRunning(): Promise<{ name: string; image: string }[]> {
    const res = await this.run(['docker', 'ps', '--format', '{{.Names}}\t{{.Image}}'], { timeoutMs: 30_000 });
    if (res.exitCode !== 0) return [];
    return res.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [name = '', image = ''] = l.split('\t');
        return { name, image };
      });
  }

  /**
   * How each named container was started (argv, never a shell string; only TRAEFIK_* variables of its
   * environment, the rest may hold secrets), to recognise Traefik by its options (traefik-detect.ts).
   * One engine call; containers gone meanwhile are left out.
   */
  async inspectProcesses(names: string[]): Promise<ContainerProcess[]> {
    if (names.length === 0) return [];
    const format = '{{json .Name}}\t{{json .Config.Image}}\t{{json .Args}}\t{{json .Config.Env}}\t{{json .Config.Labels}}\t{{json .NetworkSettings.Networks}}\t{{json .HostConfig.NetworkMode}}';
    const res = await this.run(['docker', 'inspect', '--type', 'container', '--format', format, '--', ...names], { timeoutMs: 30_000 });
    return parseInspectProcesses(res.stdout);
  }

  /** Each container's networks (by name) with its address and aliases there; one engine call. Keyed by full id. */
  async containerNetworks(ids: string[]): Promise<Map<string, Record<string, NetworkEndpoint>>> {
    if (ids.length === 0) return new Map();
    const res = await this.run(['docker', 'inspect', '--type', 'container', '--format', '{{json .Id}}\t{{json .NetworkSettings.Networks}}', '--', ...ids], { timeoutMs: 30_000 });
    if (res.exitCode !== 0) throw new OtterError('environment', `docker inspect failed: ${outputSummary(res)}`);
    return parseContainerNetworks(res.stdout);
  }

  /** Connects a container (created or running) to a network under the given aliases only. */
  async connectNetwork(network: string, id: string, aliases: string[]): Promise<void> {
    await this.checked(['docker', 'network', 'connect', ...aliases.flatMap((a) => ['--alias', a]), '--', network, id], `docker network connect ${network}`);
  }

  /** Disconnects a container from a network (forced: it may be stopped); false when it was not connected or is gone. */
  async disconnectNetwork(network: string, id: string): Promise<boolean> {
    const res = await this.run(['docker', 'network', 'disconnect', '--force', '--', network, id], { timeoutMs: 30_000 });
    return res.exitCode === 0;
  }

  /** What the engine has of an image (its registry digests), or null when it is not on this host. */
  async imageInfo(ref: string): Promise<{ repoDigests: string[] } | null> {
    const res = await this.run(['docker', 'image', 'inspect', '--format', '{{json .RepoDigests}}', '--', ref], { timeoutMs: 30_000 });
    if (res.exitCode !== 0) return null;
    try {
      const digests = JSON.parse(res.stdout.trim()) as unknown;
      return { repoDigests: Array.isArray(digests) ? digests.map(String) : [] };
    } catch {
      return { repoDigests: [] };
    }
  }

  /**
   * Every tagged image's unique size, from the engine's disk-usage report. Costly on a large host
   * (the engine also sizes containers and volumes): called only when images are about to go.
   */
  async imageUsage(): Promise<Map<string, ImageUsage>> {
    const res = await this.run(['docker', 'system', 'df', '--verbose', '--format', '{{json .Images}}'], { timeoutMs: 300_000 });
    if (res.exitCode !== 0) throw new OtterError('environment', `docker system df failed: ${outputSummary(res)}`);
    return parseImageUsage(res.stdout);
  }

  /** Full ids of dangling images: untagged, with no child image. */
  async danglingImages(): Promise<string[]> {
    const res = await this.run(['docker', 'image', 'ls', '--quiet', '--no-trunc', '--filter', 'dangling=true'], { timeoutMs: 60_000 });
    if (res.exitCode !== 0) throw new OtterError('environment', `docker image ls failed: ${outputSummary(res)}`);
    return res.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  }

  /** Removes an image tag (never forced: one a container uses stays); false when the engine refused. */
  async removeImage(ref: string): Promise<boolean> {
    const res = await this.run(['docker', 'image', 'rm', '--', ref], { timeoutMs: 120_000 });
    return res.exitCode === 0;
  }

  /** `docker pull`; the result is the caller's to judge (image-pull.ts). */
  pull(ref: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.run(['docker', 'pull', '--', ref], opts);
  }

  /**
   * `docker login` into the given config dir. The password goes through stdin (`--password-stdin`),
   * never into an argument every local user can read in `ps`; the host follows `--`, so it is never
   * an option. The engine checks the credentials against the registry before docker stores them.
   */
  login(configDir: string, host: string, username: string, password: string): Promise<ExecResult> {
    return this.run(['docker', '--config', configDir, 'login', `--username=${username}`, '--password-stdin', '--', host], { input: password, timeoutMs: 60_000 });
  }

  /** `docker logout` from the given config dir (removes the host's entry from its config.json). */
  logout(configDir: string, host: string): Promise<ExecResult> {
    return this.run(['docker', '--config', configDir, 'logout', '--', host], { timeoutMs: 30_000 });
  }

  async listVolumes(): Promise<string[]> {
    const res = await this.run(['docker', 'volume', 'ls', '--quiet']);
    return res.exitCode === 0 ? res.stdout.split('\n').filter(Boolean) : [];
  }

  async removeVolume(name: string): Promise<boolean> {
    const res = await this.run(['docker', 'volume', 'rm', name]);
    return res.exitCode === 0;
  }

  /**
   * Creates a named volume unless it exists (the engine answers an existing name with success and
   * leaves it, data and labels, as it is).
   */
  async ensureVolume(name: string, labels: Record<string, string>): Promise<void> {
    const labelArgs = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    await this.checked(['docker', 'volume', 'create', ...labelArgs, '--', name], 'docker volume create');
  }

  async networkExists(name: string): Promise<boolean> {
    return (await this.run(['docker', 'network', 'inspect', '--format', '{{.Name}}', '--', name])).exitCode === 0;
  }

  /** Creates a network OtterStack owns (not compose: no compose project removes it) unless it exists. */
  async ensureNetwork(name: string, labels: Record<string, string>): Promise<void> {
    const found = await this.run(['docker', 'network', 'inspect', '--format', '{{.Name}}', '--', name]);
    if (found.exitCode === 0) return;
    const labelArgs = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    const res = await this.run(['docker', 'network', 'create', ...labelArgs, '--', name], { timeoutMs: 60_000 });
    // Another process may have created it meanwhile: that is as good.
    if (res.exitCode !== 0 && !/already exists/i.test(res.stderr)) throw new OtterError('environment', `docker network create failed: ${outputSummary(res)}`);
  }

  /** Removes a network by name; false when it is absent or still in use. */
  async removeNetworkByName(name: string): Promise<boolean> {
    const res = await this.run(['docker', 'network', 'rm', '--', name]);
    return res.exitCode === 0;
  }

  /**
   * What each container keeps beyond its own life: named volumes (not anonymous ones, whose names
   * are 64 hex digits) and bind mounts under `under`. Keyed by container ID.
   */
  async lastingMounts(ids: string[], under: string): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (ids.length === 0) return out;
    const res = await this.run(['docker', 'inspect', '--format', '{{.Id}} {{json .Mounts}}', ...ids]);
    for (const line of res.stdout.split('\n').filter(Boolean)) {
      const space = line.indexOf(' ');
      try {
        const mounts = JSON.parse(line.slice(space + 1)) as { Type?: string; Name?: string; Source?: string }[] | null;
        const lasting = (mounts ?? []).flatMap((m) =>
          m.Type === 'volume' && m.Name && !/^[0-9a-f]{64}$/.test(m.Name) ? [`volume ${m.Name}`] : m.Type === 'bind' && m.Source && (m.Source === under || m.Source.startsWith(under + '/')) ? [`persistent ${m.Source}`] : [],
        );
        out.set(line.slice(0, space), lasting);
      } catch {
        /* a container removed meanwhile: nothing of it lasts */
      }
    }
    return out;
  }

  /**
   * `docker run --detach` with the given options, image and command (the managed proxy: it is no
   * compose project). A container the engine created but could not start (a port taken) is removed
   * again, so a retry starts clean.
   */
  async runDetached(name: string, args: string[]): Promise<void> {
    const res = await this.run(['docker', 'run', '--detach', '--name', name, ...args], { timeoutMs: 300_000 });
    if (res.exitCode === 0) return;
    await this.run(['docker', 'rm', '--force', '--', name]);
    throw new OtterError('environment', `docker run ${name} failed: ${outputSummary(res)}`);
  }

  /** A container's labels by name or ID, or null when there is no such container. */
  async containerLabels(name: string): Promise<Record<string, string> | null> {
    const res = await this.run(['docker', 'inspect', '--type', 'container', '--format', '{{json .Config.Labels}}', '--', name]);
    if (res.exitCode !== 0) return null;
    try {
      return (JSON.parse(res.stdout) as Record<string, string> | null) ?? {};
    } catch {
      return {};
    }
  }

  /** The host ports a container publishes, as `docker port` says them ("443/tcp -> 0.0.0.0:443"). */
  async publishedPorts(name: string): Promise<string[]> {
    const res = await this.run(['docker', 'port', '--', name]);
    return res.exitCode === 0 ? res.stdout.split('\n').map((l) => l.trim()).filter(Boolean) : [];
  }

  /** One container's logs (stdout and stderr as docker writes them), streamed to `onOutput`. */
  async containerLogs(name: string, opts: { follow: boolean; tail: number | 'all'; signal?: AbortSignal; onOutput: ExecOptions['onOutput'] }): Promise<void> {
    const argv = ['docker', 'logs', '--tail', String(opts.tail), ...(opts.follow ? ['--follow'] : []), '--', name];
    const res = await this.run(argv, { signal: opts.signal, onOutput: opts.onOutput });
    if (res.exitCode !== 0 && !res.killed) throw new OtterError('environment', `docker logs ${name} failed: ${outputSummary(res)}`);
  }

  async volumeExists(name: string): Promise<boolean> {
    const res = await this.run(['docker', 'volume', 'inspect', '--format', '{{.Name}}', name]);
    return res.exitCode === 0;
  }

  private async checked(argv: string[], what: string): Promise<void> {
    const res = await this.run(argv, { timeoutMs: 120_000 });
    if (res.exitCode !== 0) throw new OtterError('environment', `${what} failed: ${outputSummary(res)}`);
  }
}
