import { parseDocument, isAlias, isMap, isScalar, isSeq, visit, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { OtterError } from './errors.js';
import { definedNames, isTraefikDefinition, labelProblems, renameServiceLabels, type LabelEntries, type LabelValue } from './traefik.js';

// A file of its own so the yaml parser loads only when a blue-green release is prepared.

export interface RewriteOptions {
  /** The release's identity (`<sha7>`, `<sha7>-c<N>`): every router, service and middleware name gets `-<suffix>`. */
  suffix: string;
  /** The release's blue-green generation (traefik-priority.ts). */
  generation: number;
  /**
   * The release as `compose config` resolved it: interpolated rules and priorities, and the labels
   * compose took from elsewhere (extends, include, label_file), which this rewrite cannot reach.
   */
  resolved?: Record<string, unknown>;
  /** Labels the project's other compose files give each service (several -f files: compose merges them). */
  elsewhere?: Record<string, LabelEntries>;
}

export interface RewriteResult {
  text: string;
  /** Renamed routers, for the "nothing to route" warning. */
  routers: string[];
  /** The renamed HTTP routers (switch confirmation through Traefik's API: traefik-switch.ts). */
  httpRouters: string[];
  /** The release has TCP routers (Traefik < 2.7 cannot order them: traefikProblems). */
  tcpRouters: boolean;
}

const str = (v: unknown): LabelValue => (v === null || v === undefined ? null : String(v));

/** Label entries of a value as compose reads it: a map, or a list of `key=value` (split at the first `=`, never at `:`). */
function toEntries(labels: unknown): LabelEntries {
  if (Array.isArray(labels)) {
    return labels.map((item) => {
      const s = String(item);
      const eq = s.indexOf('=');
      return eq < 0 ? [s, null] : [s.slice(0, eq), s.slice(eq + 1)];
    });
  }
  if (labels && typeof labels === 'object') return Object.entries(labels as Record<string, unknown>).map(([k, v]) => [k, str(v)]);
  return [];
}

/** A labels node written as plain text: no alias and no merge key inside, so it can be edited in place. */
function plainLabels(node: unknown): node is YAMLMap | YAMLSeq {
  if (isMap(node)) return node.items.every((p) => isScalar(p.key) && p.key.value !== '<<' && (p.value === null || isScalar(p.value)));
  if (isSeq(node)) return node.items.every((i) => isScalar(i));
  return false;
}

function ownPair(svc: YAMLMap, key: string): Pair | undefined {
  return svc.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair | undefined;
}

/** `extends` within this file: the base service's name (compose merges its labels under the service's own). */
function sameFileBase(def: Record<string, unknown> | undefined): string | null {
  const ext = def?.extends;
  if (typeof ext === 'string') return ext;
  if (ext && typeof ext === 'object' && !(ext as { file?: unknown }).file) return String((ext as { service?: unknown }).service ?? '') || null;
  return null;
}

/**
 * Refuses labels compose takes from a place this rewrite does not write: an `extends` of another file,
 * an `include`d file, a `label_file`. Their Traefik names would be shared by every release.
 */
function checkOutsideLabels(js: Record<string, unknown>, resolved: Record<string, unknown>, effective: Record<string, LabelEntries>, elsewhere: Record<string, LabelEntries>): void {
  const rawServices = (js.services ?? {}) as Record<string, Record<string, unknown> | null>;
  const resolvedServices = (resolved.services ?? {}) as Record<string, { labels?: unknown } | null>;
  const count = (svc: string, seen = new Set<string>()): number => {
    if (seen.has(svc)) return 0;
    seen.add(svc);
    const base = sameFileBase(rawServices[svc] ?? undefined);
    return (effective[svc] ?? []).filter(([k]) => isTraefikDefinition(k)).length + (base ? count(base, seen) : 0);
  };
  for (const [svc, def] of Object.entries(resolvedServices)) {
    const there = toEntries(def?.labels).filter(([k]) => isTraefikDefinition(k)).length;
    // Keys another compose file of the project adds to this service (the same key in both counts once).
    const own = new Set((effective[svc] ?? []).map(([k]) => k));
    const fromOtherFiles = new Set((elsewhere[svc] ?? []).map(([k]) => k).filter((k) => isTraefikDefinition(k) && !own.has(k))).size;
    if (there <= count(svc) + fromOtherFiles) continue;
    const raw = rawServices[svc];
    // Not in this text and no include: a shared service, taken out of the release file on purpose.
    if (!raw && !js.include) continue;
    const from = !raw ? 'an include' : raw.label_file ? 'label_file' : raw.extends ? 'extends' : 'a file other than the compose file';
    throw new OtterError('usage', `blue-green: service ${svc} gets Traefik labels from ${from}, which OtterStack cannot rename per release: move those labels into the service's labels: in the compose file`);
  }
}

/**
 * Rewrites the labels of the raw compose file (not the resolved config, which would put
 * interpolated secrets on disk) for one release. Aliases and merge keys are resolved first (a
 * service's labels written with `<<: *base` are its labels too), the user's list or map syntax is
 * kept, values that stay the same are left as written (quoting, null, numbers).
 */
export function rewriteComposeLabels(raw: string, opts: RewriteOptions): RewriteResult {
  const doc: Document = parseDocument(raw, { merge: true, uniqueKeys: false });
  if (doc.errors.length > 0) throw new OtterError('usage', `blue-green: cannot read the compose file: ${doc.errors[0]!.message.split('\n')[0]}`);
  // Taken before any edit: an anchor edited in place must not change what its aliases meant.
  const js = (doc.toJS({ maxAliasCount: -1 }) ?? {}) as Record<string, unknown>;
  const jsServices = (js.services ?? {}) as Record<string, Record<string, unknown> | null>;
  const services = doc.get('services', true);
  const nodes: [string, YAMLMap][] = [];
  if (isMap(services)) {
    for (const pair of services.items) {
      if (!isScalar(pair.key)) continue;
      if (isAlias(pair.value)) {
        // `b: *a`: b gets a copy of its own, or renaming b's labels would rename a's.
        const copy = (pair.value.resolve(doc) as Node | undefined)?.clone() as Node | undefined;
        if (copy) {
          visit(copy, { Node: (_k, n) => void ((n as { anchor?: string }).anchor = undefined) });
          pair.value = copy;
        }
      }
      if (isMap(pair.value)) nodes.push([String(pair.key.value), pair.value as YAMLMap]);
    }
  }
  const effective: Record<string, LabelEntries> = {};
  for (const [name, svc] of nodes) {
    const own = ownPair(svc, 'labels');
    effective[name] = own && plainLabels(own.value) ? toEntries((own.value as YAMLMap | YAMLSeq).toJS(doc)) : toEntries(jsServices[name]?.labels);
  }
  if (opts.resolved) checkOutsideLabels(js, opts.resolved, effective, opts.elsewhere ?? {});
  const problems = labelProblems(effective);
  if (problems.length > 0) throw new OtterError('usage', `blue-green: ${problems[0]!}`);

  // A name defined in another of the project's files (a middleware in compose.yaml, used by a router
  // compose.prod.yaml adds) is the release's too: references to it follow the rename.
  const defined = new Set([...definedNames(effective), ...definedNames(opts.elsewhere ?? {})]);
  const resolvedServices = (opts.resolved?.services ?? {}) as Record<string, { labels?: unknown } | null>;
  const routers: string[] = [];
  const httpRouters: string[] = [];
  for (const [name, svc] of nodes) {
    const entries = effective[name]!;
    if (entries.length === 0) continue;
    const resolvedLabels = Object.fromEntries(toEntries(resolvedServices[name]?.labels));
    const renamed = renameServiceLabels(entries, defined, { suffix: opts.suffix, generation: opts.generation, resolved: resolvedLabels });
    routers.push(...renamed.routers);
    httpRouters.push(...renamed.httpRouters);
    if (renamed.entries.every(([k, v], i) => i < entries.length && k === entries[i]![0] && v === entries[i]![1])) continue;
    const own = ownPair(svc, 'labels');
    const asList = own ? isSeq(own.value) || (isAlias(own.value) && Array.isArray(jsServices[name]?.labels)) : Array.isArray(jsServices[name]?.labels);
    if (own && plainLabels(own.value)) editInPlace(doc, own.value, entries, renamed.entries);
    else {
      // Labels from an alias or a merge key: written out whole on the service itself, in the syntax they had.
      const node = asList ? doc.createNode(renamed.entries.map(([k, v]) => (v === null ? k : `${k}=${v}`))) : doc.createNode(Object.fromEntries(renamed.entries));
      if (own) own.value = node;
      else svc.add(doc.createPair('labels', node));
    }
  }
  const tcpRouters = Object.values(effective).some((entries) => entries.some(([k]) => /^traefik\.tcp\.routers\./i.test(k)));
  return { text: doc.toString(), routers, httpRouters, tcpRouters };
}

/** Each service's labels in one raw compose file, aliases and merge keys resolved (for `elsewhere`). */
export function serviceLabelEntries(raw: string): Record<string, LabelEntries> {
  const doc = parseDocument(raw, { merge: true, uniqueKeys: false });
  if (doc.errors.length > 0) throw new OtterError('usage', `blue-green: cannot read the compose file: ${doc.errors[0]!.message.split('\n')[0]}`);
  const services = ((doc.toJS({ maxAliasCount: -1 }) ?? {}) as { services?: Record<string, { labels?: unknown } | null> }).services ?? {};
  return Object.fromEntries(Object.entries(services).map(([name, def]) => [name, toEntries(def?.labels)]));
}

/**
 * Several compose files (merged by compose in order): each raw file is rewritten on its own, knowing
 * the labels the others give, so a router, service or middleware is renamed the same way wherever it
 * is written and every file's copy carries the same per-release names and priorities.
 */
export function rewriteComposeFilesLabels(raws: readonly string[], opts: Omit<RewriteOptions, 'elsewhere'>): { texts: string[]; routers: string[]; httpRouters: string[]; tcpRouters: boolean } {
  if (raws.length === 1) {
    const one = rewriteComposeLabels(raws[0]!, opts);
    return { texts: [one.text], routers: one.routers, httpRouters: one.httpRouters, tcpRouters: one.tcpRouters };
  }
  const labels = raws.map(serviceLabelEntries);
  const out = { texts: [] as string[], routers: new Set<string>(), httpRouters: new Set<string>(), tcpRouters: false };
  raws.forEach((raw, i) => {
    const elsewhere: Record<string, LabelEntries> = {};
    labels.forEach((byService, j) => {
      if (j === i) return;
      for (const [svc, entries] of Object.entries(byService)) (elsewhere[svc] ??= []).push(...entries);
    });
    const one = rewriteComposeLabels(raw, { ...opts, elsewhere });
    out.texts.push(one.text);
    one.routers.forEach((r) => out.routers.add(r));
    one.httpRouters.forEach((r) => out.httpRouters.add(r));
    out.tcpRouters ||= one.tcpRouters;
  });
  return { texts: out.texts, routers: [...out.routers], httpRouters: [...out.httpRouters], tcpRouters: out.tcpRouters };
}

/** Changes only the entries that differ (keeping each value's type and quoting), then appends the new ones. */
function editInPlace(doc: Document, node: YAMLMap | YAMLSeq, before: LabelEntries, after: LabelEntries): void {
  after.forEach(([k, v], i) => {
    const old = before[i];
    if (old && old[0] === k && old[1] === v) return;
    if (isMap(node)) {
      const pair = node.items[i];
      if (!pair) return void node.add(doc.createPair(k, v));
      if (isScalar(pair.key)) pair.key.value = k;
      if (!old || old[1] !== v) {
        if (isScalar(pair.value)) pair.value.value = v;
        else pair.value = doc.createNode(v);
      }
    } else {
      const text = v === null ? k : `${k}=${v}`;
      const item = node.items[i];
      if (item && isScalar(item)) item.value = text;
      else node.add(doc.createNode(text));
    }
  });
}
