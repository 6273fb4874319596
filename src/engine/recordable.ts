import type { KubeObject } from '../kube/objects.js';
import type { ResourceName } from '../kube/resources.js';
import { restorable } from '../kit/restore.js';

/** Status fields the rollback compares: a node's readiness and capacity, a workload's availability. */
const KEPT_STATUS: Partial<Record<ResourceName, readonly string[]>> = {
  nodes: ['capacity', 'conditions'],
  deployments: ['replicas', 'availableReplicas', 'readyReplicas'],
  statefulsets: ['replicas', 'availableReplicas', 'readyReplicas'],
  daemonsets: ['desiredNumberScheduled', 'numberAvailable', 'numberReady'],
};

/**
 * An object as the journal keeps it: what a person set (its content, labels and annotations; see
 * kit/restore.ts) and the few status fields the rollback compares, never the server's bookkeeping or a
 * node's image list.
 */
export function recordable(resource: ResourceName, obj: KubeObject): KubeObject {
  const out = restorable(obj);
  const keep = KEPT_STATUS[resource];
  const status = obj['status'] as Record<string, unknown> | undefined;
  if (keep && status) {
    const s: Record<string, unknown> = {};
    for (const k of keep) if (status[k] !== undefined) s[k] = status[k];
    if (resource === 'nodes' && Array.isArray(s['conditions'])) {
      s['conditions'] = (s['conditions'] as { type?: string; status?: string }[])
        .filter((c) => c.type === 'Ready')
        .map((c) => ({ type: c.type, status: c.status }));
    }
    out['status'] = s;
  }
  return out;
}
