// Types for label-rules.mjs (plain JS so the image needs nothing but node), for the TypeScript tests.
export type Flags = Record<string, string>;
export interface ProviderOptions {
  docker: boolean;
  network: string;
  exposedByDefault: boolean;
  throttleMs: number;
  webPort: number;
  api: boolean;
  apiPort: number;
}
/** A running container as discovery sees it; `networks` maps network name → IP, in the engine's order. */
export interface Container {
  id: string;
  name: string;
  labels: Record<string, string>;
  running: boolean;
  health: string;
  networks: Record<string, string>;
  ports?: number[];
}
export interface Router {
  rule?: string;
  priority?: number;
  service?: string;
  middlewares?: string[];
  entryPoints?: string[];
  other?: Record<string, string>;
}
export interface Service {
  loadBalancer: Record<string, string>;
  server: Record<string, string>;
  servers: { url: string }[];
}
export type Middleware = Record<string, Record<string, string>>;
export interface Configuration {
  routers: Record<string, Router>;
  services: Record<string, Service>;
  middlewares: Record<string, Middleware>;
}
export interface Merged extends Configuration {
  dropped: { kind: 'routers' | 'services' | 'middlewares'; name: string; containers: string[] }[];
}
export interface RouterJson {
  name: string;
  provider: 'docker';
  rule: string;
  priority: number;
  service: string;
  middlewares?: string[];
  entryPoints: string[];
  status: 'enabled' | 'disabled';
  using: string[];
  error?: string[];
}
export interface ServiceJson {
  name: string;
  provider: 'docker';
  type: 'loadbalancer';
  status: 'enabled';
  loadBalancer: { servers: { url: string }[]; passHostHeader: boolean };
  usedBy: string[];
  serverStatus: Record<string, 'UP'>;
}
export interface Runtime {
  routers: (RouterJson & { tree: RuleTree | null })[];
  services: ServiceJson[];
  middlewares: ({ name: string; provider: 'docker'; type: string; status: 'enabled'; usedBy: string[] } & Record<string, unknown>)[];
}
export type RuleTree = { or: RuleTree[] } | { and: RuleTree[] } | { not: RuleTree } | { fn: 'Host' | 'Path' | 'PathPrefix' | 'Method'; args: string[] };
export interface Request {
  host?: string;
  path?: string;
  method?: string;
}
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
}

export function parseFlags(argv: string[]): Flags;
export function parseDuration(text: string): number;
export function providerOptions(flags: Flags): ProviderOptions;
export function normalize(name: string): string;
export function decodeLabels(labels: Record<string, string>): Configuration;
export function eligible(c: Container, opts: Pick<ProviderOptions, 'exposedByDefault'>): boolean;
export function serviceNameOf(c: Pick<Container, 'name' | 'labels'>): string;
export function addressOf(c: Container, opts: Pick<ProviderOptions, 'network'>, warn?: (msg: string) => void): string;
export function containerConfig(c: Container, opts: Pick<ProviderOptions, 'network'>, warn?: (msg: string) => void): { conf: Configuration; error?: undefined } | { error: string; conf?: undefined };
export function mergeConfigurations(byContainer: Record<string, Configuration>): Merged;
export function parseRule(rule: string): RuleTree;
export function matchRule(tree: RuleTree, req: Request): boolean;
export function routerPriority(r: Router): number;
export function runtime(merged: Configuration, entryPoints?: string[]): Runtime;
export function routerJson(r: Runtime['routers'][number]): RouterJson;
export function selectRouter(rt: Runtime, req: Request, entryPoint?: string): Runtime['routers'][number] | null;
export function middlewareOf(merged: Configuration, ref: string): Middleware | null;
export function serviceOf(merged: Configuration, ref: string): Service | null;
export function createThrottle<T>(windowMs: number, clock: Clock, apply: (value: T) => void): { push(value: T): void; stop(): void };
