import { execFileSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';

export const TEST_IMAGE = 'otterstack/busybox:local';

export function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Compose project names (one per release) that belong to an otterstack project. */
export function releasesOf(project: string): string[] {
  const out = docker(['ps', '-a', '--filter', 'label=com.docker.compose.project', '--format', '{{.Label "com.docker.compose.project"}}']);
  return [...new Set(out.split('\n').filter((cp) => cp.startsWith(`otterstack-${project}-`)))].sort();
}

export function containersOf(composeProject: string): { id: string; state: string }[] {
  const out = docker(['ps', '-a', '--filter', `label=com.docker.compose.project=${composeProject}`, '--format', '{{.ID}} {{.State}}']);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id, state] = l.split(' ');
      return { id: id!, state: state! };
    });
}

/** Teardown: what a still-running operation is removing or using already is not a failure of the test. */
function tolerant(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!/already in progress|No such|active endpoints|in use/.test(String((err as { stderr?: unknown }).stderr ?? err))) throw err;
  }
}

/** Removes every container, network and pinned volume of a test project. */
export function purgeProject(project: string): void {
  for (const cp of releasesOf(project)) {
    // An operation the test left running (a TUI's prune or deploy) may be removing one already.
    for (const { id } of containersOf(cp)) tolerant(() => docker(['rm', '-f', id]));
  }
  const nets = docker(['network', 'ls', '-q', '--filter', `name=otterstack-${project}-`]).split('\n').filter(Boolean);
  if (nets.length) tolerant(() => docker(['network', 'rm', ...nets]));
  const vols = docker(['volume', 'ls', '-q', '--filter', `name=otterstack-${project}_`]).split('\n').filter(Boolean);
  if (vols.length) tolerant(() => docker(['volume', 'rm', '-f', ...vols]));
  // Images the build stage tagged for its releases (otterstack/<project>-<service>:<key>).
  const images = docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=otterstack/${project}-*`]).split('\n').filter(Boolean);
  if (images.length) tolerant(() => docker(['image', 'rm', '-f', ...images]));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** GET http://127.0.0.1:port/ → body, or null when nothing answers (`host`: the Host header, for a proxy's Host rules). */
export function httpGet(port: number, timeoutMs = 2000, host?: string): Promise<string | null> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: timeoutMs, ...(host ? { headers: { host } } : {}) }, (res) => {
      let body = '';
      res.on('data', (b) => (body += b));
      res.on('end', () => resolve(res.statusCode === 200 ? body.trim() : null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/** Removes a test's managed proxy (OTTERSTACK_PROXY_NAME): container, network and certificates volume, each on its own. */
export function removeProxyObjects(name: string): void {
  for (const args of [['rm', '-f', name], ['network', 'rm', name], ['volume', 'rm', '-f', `${name}-data`]]) tolerant(() => docker(args));
}
