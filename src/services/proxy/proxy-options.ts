import fs from 'node:fs';
import { OtterError } from '../errors.js';
import { parsePort } from '../validation.js';

/** What `proxy install` is given; persisted (proxy-state.ts) and compared on every re-install. */
export interface ProxyOptions {
  /** caddy:2 on a real server; otterstack/caddy:local in tests (scripts/build-caddy-image.sh). */
  image: string;
  /** ACME account email ('' = none). */
  email: string;
  /** ACME directory URL ('' = Let's Encrypt, Caddy's default). */
  acmeCa: string;
  /** PEM root(s) Caddy trusts for the ACME directory's own HTTPS (an internal CA); '' = the system's. Public, not a secret. */
  acmeCaRoot: string;
  httpPort: number;
  httpsPort: number;
}

export const DEFAULT_PROXY_OPTIONS: ProxyOptions = { image: 'caddy:2', email: '', acmeCa: '', acmeCaRoot: '', httpPort: 80, httpsPort: 443 };

/** Flags as typed, before validation; an absent flag keeps the installed value (or the default). */
export interface ProxyOptionsInput {
  image?: string;
  email?: string;
  acmeCa?: string;
  /** --acme-ca-root FILE: a PEM file ('' resets). */
  acmeCaRoot?: string;
  httpPort?: string | number;
  httpsPort?: string | number;
}

// A docker image reference: [registry[:port]/]path[:tag][@sha256:digest]. Starts with a letter or
// digit, so it can never be read as an option by docker.
const REGISTRY = String.raw`(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d{1,5})?/)`;
const COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const IMAGE_REF = new RegExp(String.raw`^${REGISTRY}?${COMPONENT}(?:/${COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`);

export function validateImageRef(image: string): string {
  if (image.length > 255 || !IMAGE_REF.test(image)) throw new OtterError('usage', `invalid --image ${JSON.stringify(image)}: use an image reference such as caddy:2 or registry.example.com/caddy:2.8`);
  return image;
}

export function validatePort(flag: string, raw: string | number): number {
  const port = parsePort(String(raw));
  if (port === null) throw new OtterError('usage', `invalid ${flag} ${JSON.stringify(String(raw))}: use a port number from 1 to 65535`);
  return port;
}

export function validateEmail(email: string): string {
  if (email === '') return email;
  if (email.length > 254 || !/^[^\s@"'<>()[\]\\,;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(email)) {
    throw new OtterError('usage', `invalid --email ${JSON.stringify(email)}: use an address such as ops@example.com (the ACME account's contact)`);
  }
  return email;
}

export function validateAcmeCa(url: string): string {
  if (url === '') return url;
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    /* judged below */
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol) || !parsed.hostname || /\s/.test(url)) {
    throw new OtterError('usage', `invalid --acme-ca ${JSON.stringify(url)}: use the ACME directory URL (http:// or https://), e.g. https://acme-staging-v02.api.letsencrypt.org/directory`);
  }
  return url;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM file given with --acme-ca-root (read now: the file may not stay). */
export function readAcmeCaRoot(file: string): string {
  if (file === '') return '';
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new OtterError('usage', `--acme-ca-root ${JSON.stringify(file)}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): give the PEM file of the CA that signs your ACME server's HTTPS certificate`);
  }
  const certs = text.match(PEM_CERT);
  if (!certs) throw new OtterError('usage', `--acme-ca-root ${JSON.stringify(file)} holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the CA's certificate, not its key`);
  return `${certs.join('\n')}\n`;
}

/** Each given flag on its own (the CLI checks them before opening anything); resolveProxyOptions checks them together. */
export function validateProxyFlags(input: ProxyOptionsInput): void {
  if (input.image !== undefined) validateImageRef(input.image);
  if (input.email !== undefined) validateEmail(input.email);
  if (input.acmeCa !== undefined) validateAcmeCa(input.acmeCa);
  if (input.acmeCaRoot !== undefined) readAcmeCaRoot(input.acmeCaRoot);
  if (input.httpPort !== undefined) validatePort('--http-port', input.httpPort);
  if (input.httpsPort !== undefined) validatePort('--https-port', input.httpsPort);
}

/**
 * Every flag checked before anything changes; absent flags keep `current` (the installed options),
 * so `proxy install --email new@example.com` does not move the ports back to 80/443.
 */
export function resolveProxyOptions(input: ProxyOptionsInput, current: ProxyOptions = DEFAULT_PROXY_OPTIONS): ProxyOptions {
  const options: ProxyOptions = {
    image: input.image === undefined ? current.image : validateImageRef(input.image),
    email: input.email === undefined ? current.email : validateEmail(input.email),
    acmeCa: input.acmeCa === undefined ? current.acmeCa : validateAcmeCa(input.acmeCa),
    acmeCaRoot: input.acmeCaRoot === undefined ? current.acmeCaRoot : readAcmeCaRoot(input.acmeCaRoot),
    httpPort: input.httpPort === undefined ? current.httpPort : validatePort('--http-port', input.httpPort),
    httpsPort: input.httpsPort === undefined ? current.httpsPort : validatePort('--https-port', input.httpsPort),
  };
  if (options.httpPort === options.httpsPort) throw new OtterError('usage', `--http-port and --https-port are both ${options.httpPort}: give them different ports`);
  return options;
}
