import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './engine.js';
import { waitFor } from './wait.js';

/** Real git servers on 127.0.0.1 for the URL-project tests, each stopped by the test that starts it. */
export interface Peer {
  port: number;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Copies a working repository into `<base>/<name>.git` as a bare repository. */
export function publishBare(workRepo: string, base: string, name: string): string {
  const bare = path.join(base, `${name}.git`);
  execFileSync('git', ['clone', '--quiet', '--bare', workRepo, bare]);
  return bare;
}

export async function startGitDaemon(base: string): Promise<Peer> {
  const port = await freePort();
  const child = spawn('git', ['daemon', '--reuseaddr', `--base-path=${base}`, '--export-all', '--listen=127.0.0.1', `--port=${port}`, base], { stdio: 'ignore' });
  await waitFor(() => portOpen(port), 'git daemon listening', 10_000);
  return { port, stop: () => stopChild(child) };
}

/** `git http-backend` behind a small CGI bridge with HTTP Basic auth. */
export async function startHttpGitServer(base: string, user: string, password: string): Promise<Peer & { requests: number }> {
  const expected = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
  const peer = { port: 0, requests: 0, stop: async () => {} };
  const server = http.createServer((req, res) => {
    peer.requests++;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      return res.end();
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const child = spawn('git', ['http-backend'], {
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: base,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        REMOTE_USER: user,
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const i = line.indexOf(':');
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
        else res.setHeader(k, v);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    child.on('close', () => res.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  peer.port = (server.address() as net.AddressInfo).port;
  peer.stop = () => new Promise((r) => server.close(() => r()));
  return peer;
}

export interface SshPeer extends Peer {
  /** GIT_SSH_COMMAND using the authorised key, or another key. */
  sshCommand(key: 'good' | 'wrong' | 'none'): string;
  url(repoPath: string): string;
}

/** A real sshd on 127.0.0.1 with generated host and client keys. */
export async function startSshd(): Promise<SshPeer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-sshd-'));
  const keygen = (file: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  keygen(path.join(dir, 'host'));
  keygen(path.join(dir, 'good'));
  keygen(path.join(dir, 'wrong'));
  fs.copyFileSync(path.join(dir, 'good.pub'), path.join(dir, 'authorized_keys'));
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${fs.readFileSync(path.join(dir, 'host.pub'), 'utf8')}`);
  fs.writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${dir}/host`,
      `PidFile ${dir}/sshd.pid`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      '',
    ].join('\n'),
  );
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: 'ignore' });
  await waitFor(() => portOpen(port), 'sshd listening', 10_000);
  const user = os.userInfo().username;
  return {
    port,
    stop: () => stopChild(child),
    sshCommand: (key) =>
      `ssh -F /dev/null -o IdentitiesOnly=yes -o UserKnownHostsFile=${dir}/known_hosts -o StrictHostKeyChecking=yes -o IdentityAgent=none -i ${key === 'none' ? `${dir}/absent` : `${dir}/${key}`}`,
    url: (repoPath) => `ssh://${user}@127.0.0.1:${port}${repoPath}`,
  };
}

/** Accepts TCP connections and never answers: for timeout tests. */
export async function startSilentServer(): Promise<Peer> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    stop: () =>
      new Promise((r) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => r());
      }),
  };
}
