import net from 'node:net';
import { OtterError } from '../errors.js';

export interface ListenAddress {
  host: string;
  port: number;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  return host === '::1';
}

/**
 * `--listen HOST:PORT` (`[::1]:9090` for IPv6). A non-loopback address is refused without
 * `--listen-public`: TLS and the public address are the proxy's job, so the listener is never
 * exposed by accident (README "Push to deploy").
 */
export function parseListenAddress(raw: string, allowPublic: boolean): ListenAddress {
  const bad = (why: string) => new OtterError('usage', `invalid --listen ${JSON.stringify(raw)}: ${why}`);
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(raw);
  if (!m) throw bad('give HOST:PORT, such as 127.0.0.1:9090 or [::1]:9090');
  const host = (m[1] ?? m[2])!;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw bad('the port is a number from 1 to 65535');
  if (m[1] !== undefined && !net.isIPv6(host)) throw bad(`${host} is not an IPv6 address`);
  if (m[2] !== undefined && !net.isIPv4(host) && host !== 'localhost') throw bad('give an IP address (127.0.0.1), localhost, or [IPv6]');
  if (!isLoopback(host) && !allowPublic) {
    throw new OtterError('usage', `--listen ${raw} is not a loopback address: the listener has no TLS; put it behind the proxy and listen on 127.0.0.1, or add --listen-public if you really mean to expose it`);
  }
  return { host, port };
}
