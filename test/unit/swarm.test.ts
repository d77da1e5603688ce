import { describe, expect, it } from 'vitest';
import { healthWindowSeconds, portModesOf, renderStack, RELEASE_LABEL, type StackRenderInput } from '../../src/services/swarm/stack-render.js';
import { expectedReleases, judgeStack, swarmTime } from '../../src/services/swarm/swarm-gate.js';
import { parseIngressPorts, parseNodes, parseServices, parseSwarmInfo, parseTasks, type SwarmService, type SwarmTask } from '../../src/services/commands/swarm.js';
import { swarmImageTag, targetStrategyProblem, validateStackRegistry, validateTarget } from '../../src/services/swarm/swarm-settings.js';
import { describeSwarm } from '../../src/services/swarm/swarm-state.js';
import { describeStackService, stackHealth, swarmSeenState, type StackServiceStatus } from '../../src/services/swarm/swarm-status.js';
import { transitionOf } from '../../src/services/watch-rules.js';
import { envFileText } from '../../src/services/swarm/swarm-hooks.js';
import { stackServiceRows } from '../../src/render/tui-rows.js';

const REL = 'otterstack-app-1a2b3c4';

/** What `docker compose config` (v2.26) prints for a web + db project, with the release override applied. */
const V2_CONFIG = {
  name: REL,
  services: {
    web: {
      build: { context: '/w/web', dockerfile: 'Dockerfile' },
      image: 'otterstack/app-web:1a2b3c4',
      container_name: 'x',
      profiles: ['web'],
      pull_policy: 'build',
      command: ['sh', '-c', 'echo $$HOME && httpd -f'],
      depends_on: { db: { condition: 'service_healthy', required: true } },
      environment: { TOKEN: 's3cret' },
      healthcheck: { test: ['CMD', 'true'], interval: '2s', retries: 3, start_period: '4s', start_interval: '1s' },
      networks: { default: null },
      ports: [{ mode: 'ingress', host_ip: '127.0.0.1', target: 8080, published: '18080', protocol: 'tcp' }],
      volumes: [{ type: 'bind', source: '/w/conf', target: '/conf', read_only: true, bind: { create_host_path: true } }],
      labels: { 'io.otterstack.project': 'app', custom: 'yes' },
      develop: { watch: [] },
      deploy: { replicas: 3 },
    },
    db: {
      image: 'postgres:16',
      volumes: [{ type: 'volume', source: 'pgdata', target: '/var/lib/postgresql/data', volume: {} }],
      networks: { default: null },
      deploy: { placement: { constraints: ['node.hostname == db1'] } },
    },
  },
  networks: { default: { name: `${REL}_default` } },
  volumes: { pgdata: { name: 'otterstack-app-pgdata', external: true } },
};

function input(over: Partial<StackRenderInput> = {}): StackRenderInput {
  return {
    config: structuredClone(V2_CONFIG),
    services: ['web', 'db'],
    singletons: [{ service: 'db', why: 'keeps data (volume pgdata)' }],
    images: { web: '127.0.0.1:5000/app-web:1a2b3c4' },
    portModes: {},
    release: REL,
    labels: { 'io.otterstack.project': 'app', 'io.otterstack.instance': 'i1' },
    maxMonitorSeconds: 120,
    ...over,
  };
}

type Svc = Record<string, any>;

describe('renderStack', () => {
  it('writes a 3.8 stack file with only keys the stack format knows, images pinned', () => {
    const { doc, notes } = renderStack(input());
    expect(doc.version).toBe('3.8');
    expect(doc).not.toHaveProperty('name');
    const web = (doc.services as Record<string, Svc>).web!;
    for (const key of ['build', 'container_name', 'profiles', 'pull_policy', 'develop']) expect(web).not.toHaveProperty(key);
    expect(notes).toEqual(['web: develop not used by a swarm (dropped)']);
    expect(web.image).toBe('127.0.0.1:5000/app-web:1a2b3c4');
    expect(web.depends_on).toEqual(['db']);
    expect(web.healthcheck).toEqual({ test: ['CMD', 'true'], interval: '2s', retries: 3, start_period: '4s' });
    // $$ stays escaped: the stack file is interpolated by docker stack deploy once more.
    expect(web.command).toEqual(['sh', '-c', 'echo $$HOME && httpd -f']);
    expect(web.volumes).toEqual([{ type: 'bind', source: '/w/conf', target: '/conf', read_only: true }]);
  });

  it('defaults start-first, failure_action rollback and a monitor of the health window, keeping what the file says', () => {
    const { doc } = renderStack(input());
    const web = (doc.services as Record<string, Svc>).web!;
    expect(web.deploy.replicas).toBe(3);
    expect(web.deploy.update_config).toEqual({ order: 'start-first', failure_action: 'rollback', monitor: '10s' });
    expect(web.deploy.rollback_config).toEqual({ order: 'start-first' });
    const mine = structuredClone(V2_CONFIG) as any;
    mine.services.web.deploy.update_config = { parallelism: 2, monitor: '30s' };
    const kept = (renderStack(input({ config: mine })).doc.services as Record<string, Svc>).web!;
    expect(kept.deploy.update_config).toEqual({ order: 'start-first', failure_action: 'rollback', monitor: '30s', parallelism: 2 });
  });

  it('runs a service that keeps data once, stop-first, and labels it by its definition (a release leaves it alone)', () => {
    const a = renderStack(input());
    const db = (a.doc.services as Record<string, Svc>).db!;
    expect(db.deploy.replicas).toBe(1);
    expect(db.deploy.update_config.order).toBe('stop-first');
    expect(db.deploy.rollback_config.order).toBe('stop-first');
    expect(db.deploy.labels[RELEASE_LABEL]).toMatch(/^definition-[0-9a-f]{12}$/);
    const b = renderStack(input({ release: 'otterstack-app-9999999' }));
    expect((b.doc.services as Record<string, Svc>).db!.deploy.labels[RELEASE_LABEL]).toBe(db.deploy.labels[RELEASE_LABEL]);
    expect((b.doc.services as Record<string, Svc>).web!.deploy.labels[RELEASE_LABEL]).toBe('otterstack-app-9999999');
    expect(expectedReleases(b.doc)).toEqual({ web: 'otterstack-app-9999999', db: db.deploy.labels[RELEASE_LABEL] });
  });

  it('refuses a stateful service not pinned to a node, or in global mode; forces one replica with a warning', () => {
    const loose = structuredClone(V2_CONFIG) as any;
    delete loose.services.db.deploy;
    expect(() => renderStack(input({ config: loose }))).toThrow(/service db keeps data \(volume pgdata\), and named volumes are local to the node .*node\.hostname == HOST/);
    const role = structuredClone(V2_CONFIG) as any;
    role.services.db.deploy.placement.constraints = ['node.role == manager'];
    expect(() => renderStack(input({ config: role }))).toThrow(/pin it to one node/);
    const labelled = structuredClone(V2_CONFIG) as any;
    labelled.services.db.deploy.placement.constraints = ['node.labels.db == true'];
    expect(() => renderStack(input({ config: labelled }))).not.toThrow();
    const global = structuredClone(V2_CONFIG) as any;
    global.services.db.deploy.mode = 'global';
    expect(() => renderStack(input({ config: global }))).toThrow(/cannot run in global mode/);
    const many = structuredClone(V2_CONFIG) as any;
    many.services.db.deploy.replicas = 3;
    const r = renderStack(input({ config: many }));
    expect((r.doc.services as Record<string, Svc>).db!.deploy.replicas).toBe(1);
    expect(r.warnings).toContain('db keeps data (volume pgdata): it runs as one replica (replicas: 3 ignored)');
  });

  it('publishes ports in long syntax with a numeric port, the mode the raw file gave, and warns when an address is lost', () => {
    const { doc, warnings } = renderStack(input({ portModes: { web: { '8080': 'host' } } }));
    expect((doc.services as Record<string, Svc>).web!.ports).toEqual([{ target: 8080, published: 18080, protocol: 'tcp', mode: 'host' }]);
    expect(warnings[0]).toMatch(/web: port 127\.0\.0\.1:18080→8080 is published on EVERY address of every node/);
    // Compose v1 prints short syntax.
    const v1 = structuredClone(V2_CONFIG) as any;
    v1.services.web.ports = ['18080:8080/tcp', '9000/udp'];
    const r = renderStack(input({ config: v1 }));
    expect((r.doc.services as Record<string, Svc>).web!.ports).toEqual([
      { target: 8080, published: 18080, protocol: 'tcp', mode: 'ingress' },
      { target: 9000, protocol: 'udp', mode: 'ingress' },
    ]);
    expect(r.warnings).toEqual([]);
    v1.services.web.ports = ['8000-8010:8000-8010'];
    expect(() => renderStack(input({ config: v1 }))).toThrow(/range/);
  });

  it('makes networks overlay and attachable under the stack\'s names; keeps external ones and pinned volume names', () => {
    const { doc } = renderStack(input());
    expect(doc.networks).toEqual({ default: { driver: 'overlay', attachable: true } });
    expect(doc.volumes).toEqual({ pgdata: { name: 'otterstack-app-pgdata', external: true } });
    const ext = structuredClone(V2_CONFIG) as any;
    ext.networks = { edge: { external: true, name: 'traefik-public' } };
    expect(renderStack(input({ config: ext })).doc.networks).toEqual({ edge: { external: true, name: 'traefik-public' }, default: { driver: 'overlay', attachable: true } });
  });

  it('labels services and containers with the project, instance and release', () => {
    const web = (renderStack(input()).doc.services as Record<string, Svc>).web!;
    expect(web.labels).toEqual({ 'io.otterstack.project': 'app', custom: 'yes', 'io.otterstack.instance': 'i1', [RELEASE_LABEL]: REL });
    expect(web.deploy.labels).toEqual({ 'io.otterstack.project': 'app', 'io.otterstack.instance': 'i1', [RELEASE_LABEL]: REL });
  });

  it('refuses a service with neither image nor build', () => {
    const none = structuredClone(V2_CONFIG) as any;
    delete none.services.db.image;
    expect(() => renderStack(input({ config: none }))).toThrow(/service db has neither an image nor a build/);
  });
});

describe('health window and port modes', () => {
  it('is start_period + interval × retries, at least 5 s, at most the health timeout', () => {
    expect(healthWindowSeconds({ test: ['CMD', 'true'], interval: '1s', retries: 2 }, 120)).toBe(5);
    expect(healthWindowSeconds({ test: ['CMD', 'true'], interval: '10s', retries: 3, start_period: '15s' }, 120)).toBe(45);
    expect(healthWindowSeconds({ test: ['CMD', 'true'] }, 60)).toBe(60);
    expect(healthWindowSeconds(undefined, 120)).toBe(5);
    expect(healthWindowSeconds({ disable: true }, 120)).toBe(5);
  });

  it('reads the long-syntax port modes of the raw files', () => {
    expect(portModesOf([{ services: { web: { ports: [{ target: 80, published: 8080, mode: 'host' }, '9000:9000'] } } }, null])).toEqual({ web: { '80': 'host' } });
  });
});

const svc = (over: Partial<SwarmService> = {}): SwarmService => ({ id: 's1', name: 'stack_web', labels: { [RELEASE_LABEL]: REL }, image: 'x', replicas: 2, update: null, ...over });
const task = (over: Partial<SwarmTask> = {}): SwarmTask => ({ id: 't', service: 's1', nodeId: 'n1', state: 'running', desired: 'running', error: '', message: 'started', labels: { [RELEASE_LABEL]: REL }, containerId: 'c', timestamp: '2026-11-30T10:00:00Z', ...over });
const since = Date.parse('2026-11-30T10:00:00Z');

describe('judgeStack (the swarm health gate)', () => {
  it('converges when the service runs the release\'s spec with all replicas and its update completed', () => {
    const v = judgeStack('stack', { web: REL }, [svc({ update: { state: 'completed', message: '', startedAt: '2026-11-30T10:00:01Z' } })], [task({ id: 'a' }), task({ id: 'b' })], since);
    expect(v.state).toBe('converged');
  });

  it('waits while the update runs, replicas are missing, or the stack deploy has not reached the service', () => {
    const updating = svc({ update: { state: 'updating', message: 'update in progress', startedAt: '2026-11-30T10:00:01Z' } });
    expect(judgeStack('stack', { web: REL }, [updating], [task({ id: 'a' }), task({ id: 'b' })], since).state).toBe('waiting');
    expect(judgeStack('stack', { web: REL }, [svc()], [task({ id: 'a' })], since).services[0]!.detail).toBe('1/2 running');
    expect(judgeStack('stack', { web: REL }, [svc({ labels: { [RELEASE_LABEL]: 'old' } })], [], since).services[0]!.detail).toBe('update not started yet');
    expect(judgeStack('stack', { web: REL }, [], [], since).services[0]!.detail).toBe('not created yet');
  });

  it('fails on a rollback by the swarm, naming the failed task\'s own error rather than a shut-down one', () => {
    const rolled = svc({ labels: { [RELEASE_LABEL]: 'old' }, update: { state: 'rollback_completed', message: 'update rolled back due to failure', startedAt: '2026-11-30T10:00:02.123456789Z' } });
    const tasks = [
      task({ id: 'f', state: 'failed', desired: 'shutdown', error: 'task: non-zero exit (143): dockerexec: unhealthy container', timestamp: '2026-11-30T10:00:05Z' }),
      task({ id: 'g', state: 'shutdown', desired: 'shutdown', error: 'Task belonged to a node that has been deleted', timestamp: '2026-11-30T10:00:09Z' }),
    ];
    const v = judgeStack('stack', { web: REL }, [rolled], tasks, since);
    expect(v.state).toBe('failed');
    expect(v.failure).toBe('web: the swarm rolled the update back: update rolled back due to failure (task error: task: non-zero exit (143): dockerexec: unhealthy container)');
  });

  it('prefers the task the swarm names in its rollback message', () => {
    const id = 'w7lyanqmbfab604wdlcqn29ym';
    const rolled = svc({ update: { state: 'rollback_started', message: `update rolled back due to failure or early termination of task ${id}`, startedAt: '2026-11-30T10:00:02Z' } });
    const tasks = [
      task({ id: 'other0000000000000000000a', state: 'failed', error: 'task: non-zero exit (1)', timestamp: '2026-11-30T10:00:09Z' }),
      task({ id, state: 'shutdown', desired: 'shutdown', error: 'task: non-zero exit (143): dockerexec: unhealthy container', timestamp: '2026-11-30T10:00:05Z' }),
    ];
    expect(judgeStack('stack', { web: REL }, [rolled], tasks, since).failure).toMatch(/task error: task: non-zero exit \(143\): dockerexec: unhealthy container\)$/);
    // No error recorded yet: the verdict says so without one (the gate waits a moment for it).
    expect(judgeStack('stack', { web: REL }, [rolled], [task({ id, state: 'failed', error: '' })], since).failure).toBe(`web: the swarm rolled the update back: update rolled back due to failure or early termination of task ${id}`);
  });

  it('ignores an update status from before this deploy (an earlier rollback is not this release\'s failure)', () => {
    const stale = svc({ update: { state: 'rollback_completed', message: 'old', startedAt: '2026-11-30T09:00:00Z' } });
    expect(judgeStack('stack', { web: REL }, [stale], [task({ id: 'a' }), task({ id: 'b' })], since).state).toBe('converged');
  });

  it('fails when tasks of the release keep failing and none runs (a first deploy has nothing to roll back to)', () => {
    const failing = [1, 2, 3].map((i) => task({ id: `f${i}`, state: 'failed', desired: 'shutdown', error: 'task: non-zero exit (1)' }));
    expect(judgeStack('stack', { web: REL }, [svc()], failing, since).failure).toBe('web: 3 tasks failed (task error: task: non-zero exit (1))');
    expect(judgeStack('stack', { web: REL }, [svc()], failing.slice(0, 2), since).state).toBe('waiting');
  });

  it('reads engine timestamps with nanoseconds', () => {
    expect(swarmTime('2026-11-30T04:27:41.224482397Z')).toBe(Date.parse('2026-11-30T04:27:41.224Z'));
    expect(swarmTime('nonsense')).toBe(0);
  });
});

describe('swarm command output', () => {
  it('parses docker info .Swarm, node ls, service and task inspect, and ingress ports', () => {
    expect(parseSwarmInfo('{"NodeID":"n1","LocalNodeState":"active","ControlAvailable":true,"Nodes":2,"Managers":1,"Error":""}')).toEqual({ state: 'active', isManager: true, nodeId: 'n1', nodes: 2, managers: 1, error: '' });
    expect(parseSwarmInfo('{"LocalNodeState":"inactive","ControlAvailable":false}').state).toBe('inactive');
    expect(parseNodes('{"ID":"a","Hostname":"vm","Status":"Ready","Availability":"Active","ManagerStatus":"Leader","Self":true}\n{"ID":"b","Hostname":"n2","Status":"Down","Availability":"Active","ManagerStatus":"","Self":false}\n')).toEqual([
      { id: 'a', hostname: 'vm', role: 'manager', status: 'ready', availability: 'active', self: true },
      { id: 'b', hostname: 'n2', role: 'worker', status: 'down', availability: 'active', self: false },
    ]);
    const services = parseServices(JSON.stringify([{ ID: 's', Spec: { Name: 'st_web', Labels: { a: 'b' }, Mode: { Replicated: { Replicas: 3 } }, TaskTemplate: { ContainerSpec: { Image: 'img' } } }, UpdateStatus: { State: 'updating', Message: 'm', StartedAt: 't' } }, { ID: 'g', Spec: { Name: 'st_agent', Mode: { Global: {} } } }]));
    expect(services).toEqual([
      { id: 's', name: 'st_web', labels: { a: 'b' }, image: 'img', replicas: 3, update: { state: 'updating', message: 'm', startedAt: 't' } },
      { id: 'g', name: 'st_agent', labels: {}, image: '', replicas: null, update: null },
    ]);
    const tasks = parseTasks(JSON.stringify([{ ID: 't', ServiceID: 's', NodeID: 'n', DesiredState: 'running', Status: { State: 'running', Message: 'started', Err: '', Timestamp: 'ts', ContainerStatus: { ContainerID: 'c' } }, Spec: { ContainerSpec: { Labels: { x: 'y' } } } }]));
    expect(tasks).toEqual([{ id: 't', service: 's', nodeId: 'n', state: 'running', desired: 'running', error: '', message: 'started', labels: { x: 'y' }, containerId: 'c', timestamp: 'ts' }]);
    expect(parseIngressPorts('st_web\t*:8080->80/tcp, *:8443->443/tcp\nst_db\t\n')).toEqual([
      { service: 'st_web', port: 8080 },
      { service: 'st_web', port: 8443 },
    ]);
  });
});

describe('swarm settings, doctor and status lines', () => {
  it('validates --target and --registry, and refuses blue-green (the proxy strategy works on a swarm)', () => {
    expect(validateTarget('swarm')).toBe('swarm');
    expect(() => validateTarget('k8s')).toThrow(/invalid --target "k8s"/);
    expect(validateStackRegistry('registry.example.com:5000/team')).toBe('registry.example.com:5000/team');
    for (const bad of ['--upload-pack=x', 'https://r.example.com', 'r.example.com/Team', 'r.example.com/a b']) expect(() => validateStackRegistry(bad)).toThrow(/invalid/);
    expect(targetStrategyProblem('swarm', 'recreate')).toBeNull();
    expect(targetStrategyProblem('swarm', 'proxy')).toBeNull();
    expect(targetStrategyProblem('swarm', 'blue-green')).toMatch(/--target swarm does not combine with --traefik-routing/);
    expect(targetStrategyProblem('compose', 'blue-green')).toBeNull();
    expect(swarmImageTag('127.0.0.1:5000', 'app', 'web', '1a2b3c4')).toBe('127.0.0.1:5000/app-web:1a2b3c4');
    expect(swarmImageTag(null, 'app', 'web', '1a2b3c4')).toBe('otterstack/app-web:1a2b3c4');
  });

  it('describes the swarm for doctor: fail only when swarm projects cannot deploy here', () => {
    expect(describeSwarm(null, 0).level).toBe('ok');
    expect(describeSwarm(null, 2)).toEqual({ level: 'fail', detail: expect.stringMatching(/not in a swarm, but 2 project\(s\) use --target swarm/) });
    const info = { state: 'active', isManager: true, nodeId: 'a', nodes: 2, managers: 1, error: '' };
    const nodes = [
      { id: 'a', hostname: 'vm', role: 'manager', status: 'ready', availability: 'active', self: true },
      { id: 'b', hostname: 'n2', role: 'worker', status: 'down', availability: 'active', self: false },
    ];
    expect(describeSwarm({ info, nodes }, 1)).toEqual({ level: 'warn', detail: 'manager; 1/2 node(s) ready (1 manager); not ready: n2 down' });
    expect(describeSwarm({ info: { ...info, isManager: false }, nodes: [] }, 1).level).toBe('fail');
  });

  it('says replicas and nodes per service, and one health for the project', () => {
    const s: StackServiceStatus = { service: 'web', running: 3, wanted: 3, nodes: ['n1', 'n2'], release: REL, update: 'completed', error: '' };
    expect(describeStackService(s)).toBe('web: replicas 3/3 on 2 nodes (n1, n2)');
    expect(describeStackService({ ...s, running: 1, update: 'updating', error: 'no suitable node' })).toBe('web: replicas 1/3 on 2 nodes (n1, n2), updating; last task error: no suitable node');
    expect(stackHealth([s])).toBe('healthy');
    expect(stackHealth([s, { ...s, running: 0 }])).toBe('degraded');
    expect(stackHealth([{ ...s, running: 0 }])).toBe('down');
    expect(stackHealth([{ ...s, update: 'updating' }])).toBe('starting');
    expect(stackHealth([])).toBe('missing');
  });

  it('lets watch notify when a service loses replicas and when it is back', () => {
    const s: StackServiceStatus = { service: 'web', running: 2, wanted: 2, nodes: ['n1'], release: REL, update: '', error: '' };
    const ok = swarmSeenState(s);
    const short = swarmSeenState({ ...s, running: 1, error: 'task: non-zero exit (1)' });
    expect(short.status).toBe('replicas 1/2, last task error: task: non-zero exit (1)');
    expect(transitionOf(ok, short)).toBe('unhealthy');
    expect(transitionOf(short, swarmSeenState({ ...s, running: 0 }))).toBe('exited');
    expect(transitionOf(short, ok)).toBe('recovered');
    expect(transitionOf(ok, ok)).toBeNull();
  });

  it('renders the TUI services rows tag-safe', () => {
    const rows = stackServiceRows([{ service: 'web', running: 1, wanted: 2, nodes: ['n{1}'], release: REL, update: 'updating', error: 'bad {red}x\x1b[2J' }], (_t, text) => text);
    expect(rows.header).toMatch(/SERVICE\s+REPLICAS\s+NODES\s+RELEASE\s+UPDATE\s+ERROR/);
    expect(rows.rows[0]).toMatch(/web\s+1\/2\s+n\{open\}1\{close\}\s+1a2b3c4\s+updating\s+bad \{open\}red\{close\}x\[2J/);
  });
});

describe('hook environment file', () => {
  it('writes KEY=VALUE lines literally, unescaping $$, and refuses line breaks', () => {
    expect(envFileText({ A: 'x$$y', B: null, C: 3 })).toBe('A=x$y\nB=\nC=3\n');
    expect(envFileText(['A=1', 'B'])).toBe('A=1\nB=\n');
    expect(() => envFileText({ A: 'a\nb' })).toThrow(/line break/);
  });
});
