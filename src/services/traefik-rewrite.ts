import { parseDocument, isMap, isSeq, isScalar, type Document } from 'yaml';
import { renameTraefikLabels } from './traefik.js';

// A file of its own so the yaml parser loads only when a blue-green release is prepared.

/**
 * Rewrites the labels of the raw compose file (not the resolved config, which would put
 * interpolated secrets on disk) for one release. Keeps everything else as written.
 */
export function rewriteComposeLabels(raw: string, sha7: string, priority: number): { text: string; routers: string[] } {
  const doc: Document = parseDocument(raw);
  const services = doc.get('services');
  const routers: string[] = [];
  if (isMap(services)) {
    for (const item of services.items) {
      const svc = item.value;
      if (!isMap(svc)) continue;
      const node = svc.get('labels', true);
      let labels: Record<string, string> = {};
      if (isMap(node)) labels = Object.fromEntries(node.items.map((p) => [String(isScalar(p.key) ? p.key.value : p.key), String(isScalar(p.value) ? p.value.value : p.value)]));
      else if (isSeq(node))
        labels = Object.fromEntries(
          node.items.map((i) => {
            const s = String(isScalar(i) ? i.value : i);
            const eq = s.indexOf('=');
            return eq < 0 ? [s, ''] : [s.slice(0, eq), s.slice(eq + 1)];
          }),
        );
      else continue;
      const renamed = renameTraefikLabels(labels, sha7, priority);
      routers.push(...renamed.routers);
      svc.set('labels', doc.createNode(renamed.labels));
    }
  }
  return { text: doc.toString(), routers };
}
