/**
 * The engine's swarm as OtterStack needs it (issue #20): is this a manager, how many nodes are
 * ready, and does the ingress routing mesh answer. For `doctor`, for the refusal of a swarm
 * deploy on a non-manager, and for status.
 */
import fs from 'node:fs';
import net from 'node:net';
import type { SwarmInfo, SwarmNode } from '../commands/swarm.js';
import type { ServiceContext } from '../context.js';
import { OtterError } from '../errors.js';

/** The one stack a swarm project runs as: every release updates it in place. */
export function stackName(project: string): string {
  return `otterstack-${project}`;
}

/** A swarm deploy needs a manager: said before anything is recorded or checked out. */
export async function requireManager(ctx: ServiceContext, project: string): Promise<SwarmInfo> {
  const info = await ctx.swarm.info();
  if (info.state !== 'active') {
    throw new OtterError('usage', `project ${project} deploys to a Docker Swarm, but this engine is not in one (swarm state: ${info.state || 'inactive'}${info.error ? `, ${info.error}` : ''}): run docker swarm init (or join this node as a manager), or otterstack project set ${project} --target compose`);
  }
  if (!info.isManager) {
    throw new OtterError('usage', `project ${project} deploys to a Docker Swarm, but this engine is a worker node: run OtterStack on a manager (docker node ls there lists the managers), or promote this node with docker node promote`);
  }
  return info;
}

export interface SwarmOverview {
  info: SwarmInfo;
  nodes: SwarmNode[];
}

/** null when the engine is not in a swarm (or does not answer). */
export async function swarmOverview(ctx: ServiceContext): Promise<SwarmOverview | null> {
  const info = await ctx.swarm.info().catch(() => null);
  if (!info || info.state !== 'active') return info && info.state !== 'inactive' && info.state !== '' ? { info, nodes: [] } : null;
  const nodes = info.isManager ? await ctx.swarm.nodes().catch(() => []) : [];
  return { info, nodes };
}

/** doctor's line: role and nodes ready; the level says whether swarm projects can deploy here. */
export function describeSwarm(overview: SwarmOverview | null, swarmProjects: number): { level: 'ok' | 'warn' | 'fail'; detail: string } {
  if (!overview) {
    return swarmProjects > 0
      ? { level: 'fail', detail: `not in a swarm, but ${swarmProjects} project(s) use --target swarm: run docker swarm init, or set them back to --target compose` }
      : { level: 'ok', detail: 'not in a swarm (projects use compose; --target swarm needs docker swarm init)' };
  }
  const { info, nodes } = overview;
  if (info.state !== 'active') return { level: swarmProjects > 0 ? 'fail' : 'warn', detail: `swarm state ${info.state}${info.error ? `: ${info.error}` : ''}` };
  if (!info.isManager) {
    return { level: swarmProjects > 0 ? 'fail' : 'warn', detail: 'this node is a swarm worker: swarm projects deploy from a manager only (run OtterStack there, or docker node promote this node)' };
  }
  const ready = nodes.filter((n) => n.status === 'ready');
  const down = nodes.filter((n) => n.status !== 'ready').map((n) => `${n.hostname} ${n.status}`);
  const detail = `manager; ${ready.length}/${nodes.length} node(s) ready (${info.managers} manager${info.managers === 1 ? '' : 's'})${down.length ? `; not ready: ${down.join(', ')}` : ''}`;
  return { level: down.length ? 'warn' : 'ok', detail };
}

/**
 * Whether the ingress routing mesh answers: a TCP connect to each ingress-published port of the
 * swarm's services on 127.0.0.1. Refused on every one: the mesh is broken on this host (it is in
 * some sandboxes and on hosts whose iptables/IPVS rules are missing). null: nothing to probe.
 */
export async function routingMeshProblem(ctx: ServiceContext): Promise<string | null> {
  // Virtual IPs and the ingress mesh are IPVS: without it in the kernel neither can answer.
  if (!fs.existsSync('/proc/net/ip_vs')) {
    return "the kernel has no IPVS (ip_vs not loaded: /proc/net/ip_vs is missing), so services' virtual IPs and the ingress routing mesh do not answer on this node: use deploy.endpoint_mode: dnsrr and mode: host ports, or a proxy on the stack's overlay network (docs/swarm.md)";
  }
  const ports = await ctx.swarm.ingressPorts().catch(() => []);
  if (ports.length === 0) return null;
  const results = await Promise.all(ports.slice(0, 5).map((p) => connects(p.port)));
  if (results.some(Boolean)) return null;
  return `the ingress routing mesh does not answer: ${ports.slice(0, 5).map((p) => `${p.service} :${p.port}`).join(', ')} refused on 127.0.0.1; publish with mode: host, or route through a proxy on an overlay network (docs/swarm.md)`;
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, timeout: 2000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}
