import fs from 'node:fs';
import path from 'node:path';
import { ensureManagedDir, writeGeneratedFile, type DataPaths } from '../paths.js';
import { OtterError } from '../errors.js';
import { ACME_ROOT_FILE, type CaddyRoute } from './caddy-config.js';
import { DEFAULT_PROXY_OPTIONS, type ProxyOptions } from './proxy-options.js';

/**
 * The proxy's files in the data dir: the options it was installed with, the routes last applied,
 * the Caddy config it starts from, and the 0700 folder of its admin socket.
 */
export function ensureProxyDirs(paths: DataPaths): void {
  ensureManagedDir(paths.proxyDir);
  ensureManagedDir(paths.proxyConfigDir);
  // 0700, not the managed 0750: whoever can open the socket controls every route and certificate.
  fs.mkdirSync(paths.proxyAdminDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(paths.proxyAdminDir, 0o700);
}

/** The installed options, or null when `proxy install` has not run (or `proxy remove` did). */
export function readInstalledOptions(paths: DataPaths): ProxyOptions | null {
  const raw = readJson(paths.proxyInstallFile);
  return raw ? { ...DEFAULT_PROXY_OPTIONS, ...(raw as Partial<ProxyOptions>) } : null;
}

export function writeInstalledOptions(paths: DataPaths, options: ProxyOptions): void {
  writeGeneratedFile(paths.proxyInstallFile, JSON.stringify(options, null, 2) + '\n');
}

export function forgetInstalledOptions(paths: DataPaths): void {
  fs.rmSync(paths.proxyInstallFile, { force: true });
}

export function requireInstalledOptions(paths: DataPaths): ProxyOptions {
  const options = readInstalledOptions(paths);
  if (!options) throw new OtterError('not_found', 'the proxy is not installed: run otterstack proxy install');
  return options;
}

/** The routes last applied ([] before the first). */
export function readAppliedRoutes(paths: DataPaths): CaddyRoute[] {
  const raw = readJson(paths.proxyRoutesFile);
  return Array.isArray(raw) ? (raw as CaddyRoute[]) : [];
}

export function writeAppliedRoutes(paths: DataPaths, routes: readonly CaddyRoute[]): void {
  writeGeneratedFile(paths.proxyRoutesFile, JSON.stringify(routes, null, 2) + '\n');
}

/** The --acme-ca-root PEM beside the config (mounted read-only into the container), or none. */
export function writeAcmeCaRoot(paths: DataPaths, pem: string): void {
  const file = path.join(paths.proxyConfigDir, ACME_ROOT_FILE);
  if (pem) writeGeneratedFile(file, pem);
  else fs.rmSync(file, { force: true });
}

/** Writes the config the proxy starts from, unless it already says exactly that; true when written. */
export function writeStartConfig(paths: DataPaths, config: Record<string, unknown>): boolean {
  const text = JSON.stringify(config, null, 2) + '\n';
  if (readText(paths.proxyConfigFile) === text) return false;
  writeGeneratedFile(paths.proxyConfigFile, text);
  return true;
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function readJson(file: string): unknown {
  const text = readText(file);
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new OtterError('environment', `${file} is not valid JSON: fix or remove it, then run otterstack proxy install`);
  }
}
