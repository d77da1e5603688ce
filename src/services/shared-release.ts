import crypto from 'node:crypto';
import { isAlias, isMap, isNode, isScalar, isSeq, parseDocument, visit, type Document, type Node } from 'yaml';
import { parseMount } from './override.js';
import { SHARED_NETWORK_KEY, sharedNetworkName } from './shared-names.js';

/**
 * Pure pieces of shared services (docs/stateful-services.md): the release's copy of the compose
 * file without them, the per-project network that lets releases reach them by name, and the hash
 * that says whether a shared service's definition changed. Unit-tested without docker.
 */

/**
 * The raw compose text without the shared services, and without what pointed at them
 * (`depends_on`, `links`): OtterStack starts them itself, before the release. Edits the raw file
 * (never the resolved config, which holds interpolated secrets), keeping everything else as written.
 * With several compose files each is edited on its own: `definedElsewhere` are the services another
 * of them defines (a service the other files only override is still defined).
 */
export function withoutSharedServices(raw: string, shared: string[], definedElsewhere: readonly string[] = []): { text: string; errors: string[] } {
  const doc: Document = parseDocument(raw, { merge: true });
  const services = doc.get('services');
  const errors: string[] = [];
  if (!isMap(services)) return { text: raw, errors };
  const name = (key: unknown) => String(isScalar(key) ? key.value : key);
  // An anchor set inside a shared service may be used by the others (`environment: *db-env`): the
  // anchor leaves with the service, so each such alias becomes a copy of what it pointed at.
  const leaving = new Set<unknown>();
  for (const s of shared) visit((services.get(s, true) ?? null) as Node | null, (_k, node) => void leaving.add(node));
  visit(doc, {
    Alias(_k, alias) {
      const target = alias.resolve(doc);
      if (!target || !leaving.has(target)) return undefined;
      const copy = target.clone() as Node;
      visit(copy, (_k2, n) => void (isNode(n) && !isAlias(n) && (n.anchor = undefined)));
      return copy;
    },
  });
  for (const s of shared) {
    if (!services.has(s) && !definedElsewhere.includes(s)) errors.push(`shared service ${s} is not defined in the compose file itself (include:/extends: from another file): define it there to share it`);
    services.delete(s);
  }
  for (const item of services.items) {
    const svc = item.value;
    if (!isMap(svc)) continue;
    const service = name(item.key);
    for (const key of ['network_mode', 'pid', 'ipc']) {
      const v = svc.get(key);
      if (typeof v === 'string' && /^(service|container):/.test(v) && shared.includes(v.split(':')[1]!)) {
        errors.push(`service ${service} uses ${key}: ${v}, which cannot reach a shared service: share ${service} too, or drop ${key}`);
      }
    }
    const volumesFrom = svc.get('volumes_from');
    if (isSeq(volumesFrom) && volumesFrom.items.some((i) => shared.includes(name(i).split(':')[0]!))) {
      errors.push(`service ${service} uses volumes_from a shared service: mount the same named volume instead`);
    }
    for (const key of ['depends_on', 'links']) {
      const node = svc.get(key, true);
      if (isSeq(node)) node.items = node.items.filter((i) => !shared.includes(name(i).split(':')[0]!));
      else if (isMap(node)) node.items = node.items.filter((p) => !shared.includes(name(p.key)));
      else continue;
      if ((node as { items: unknown[] }).items.length === 0) svc.delete(key);
    }
  }
  return { text: doc.toString(), errors };
}

/** `external` with `name` needs file format 2.1+/3.5+; older v1 formats take `external: {name}`. */
export function externalRef(name: string, version: unknown, minor3 = 4): Record<string, unknown> {
  const m = typeof version === 'string' ? /^(\d+)(?:\.(\d+))?/.exec(version) : null;
  const [major, minor] = m ? [Number(m[1]), Number(m[2] ?? 0)] : [Infinity, 0];
  const legacy = (major === 2 && minor < 1) || (major === 3 && minor < minor3);
  return legacy ? { external: { name } } : { external: true, name };
}

/**
 * Attaches every service (releases' and shared ones) to the project's network, so a release
 * reaches `db` by its service name; each keeps the networks it had (the default one when none).
 * Services that share another's network stack (network_mode) cannot join a network and are left.
 */
export function attachSharedNetwork(override: Record<string, unknown>, config: Record<string, unknown>, project: string): void {
  const services = (config.services ?? {}) as Record<string, { networks?: unknown; network_mode?: unknown } | null>;
  const serviceOverride = (override.services ?? {}) as Record<string, Record<string, unknown>>;
  for (const [service, def] of Object.entries(services)) {
    if (def?.network_mode !== undefined) continue;
    // Override `networks:` is merged into the file's, where none means the implicit `default`: keep it
    // unless the service names only other networks. Compose v2's resolved config lists `default` even
    // when the file does not, so "it had networks" cannot be judged from the key being present.
    const own = def?.networks;
    const keys = Array.isArray(own) ? own.map(String) : own && typeof own === 'object' ? Object.keys(own) : [];
    const networks: Record<string, Record<string, never>> = keys.length === 0 || keys.includes('default') ? { default: {} } : {};
    networks[SHARED_NETWORK_KEY] = {};
    serviceOverride[service] = { ...(serviceOverride[service] ?? {}), networks };
  }
  override.services = serviceOverride;
  // Network `external` with a name arrived in file format 3.5 (volumes: 3.4).
  override.networks = { ...((override.networks ?? {}) as object), [SHARED_NETWORK_KEY]: externalRef(sharedNetworkName(project), config.version, 5) };
}

/** Keys in sorted order at every level, so equal definitions hash equally. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/**
 * What a shared service IS, for deciding whether it must be replaced: its resolved definition and
 * what OtterStack adds to it. The release's checkout path is not part of it (each release has its
 * own), so an app-only deploy never touches the database.
 */
export function sharedDefinitionHash(resolved: unknown, added: unknown, worktree: string): string {
  const text = JSON.stringify(canonical({ resolved, added })).split(worktree).join('<release>');
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * A shared service outlives the release it was started from, so it must not use files of that
 * release's checkout (pruned later): no build context, bind mount, config or secret file from it.
 * Persistent paths are fine: the override moves them out of the checkout.
 */
export function sharedServiceProblems(config: Record<string, unknown>, shared: string[], worktree: string, remapped: Record<string, string[]>): string[] {
  const services = (config.services ?? {}) as Record<string, Record<string, unknown> | null>;
  const problems: string[] = [];
  const inCheckout = (p: unknown) => typeof p === 'string' && (p === worktree || p.startsWith(worktree + '/'));
  for (const s of shared) {
    const def = services[s] ?? {};
    if (def.build !== undefined) problems.push(`shared service ${s} is built from the release (build:): a shared service runs a published image; give it image: instead`);
    const targets = new Set((remapped[s] ?? []).map((m) => m.split(':')[1]));
    for (const entry of (def.volumes ?? []) as unknown[]) {
      const m = parseMount(entry);
      if (m && m.type === 'bind' && inCheckout(m.source) && !targets.has(m.target)) {
        problems.push(`shared service ${s} mounts ${m.source.slice(worktree.length + 1) || '.'} from the release checkout, which a prune deletes under it: use a named volume or a persistent path (project set --persistent)`);
      }
    }
    for (const key of ['configs', 'secrets']) {
      const top = (config[key] ?? {}) as Record<string, { file?: string } | null>;
      for (const ref of (def[key] ?? []) as unknown[]) {
        const source = typeof ref === 'string' ? ref : (ref as { source?: string } | null)?.source;
        if (source && inCheckout(top[source]?.file)) problems.push(`shared service ${s} reads ${key.slice(0, -1)} ${source} from the release checkout, which a prune deletes under it: use a named volume or an environment variable`);
      }
    }
  }
  return problems;
}
