import type { KubeObject } from '../kube/objects.js';
import type { Clock } from '../engine/clock.js';
import type { Store } from './store/store.js';

/**
 * Records core/v1 Events the way Kubernetes components do: one object per (object, reason, message,
 * source), its count and lastTimestamp bumped on repeats, which `kubectl describe` shows as
 * "4s (x6 over 7s)".
 */
export class EventRecorder {
  private seq = 0;
  private readonly byKey = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  record(
    obj: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component: string,
    host?: string,
  ): void {
    const ts = new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const ns = obj.metadata.namespace ?? 'default';
    const key = `${obj.kind}/${ns}/${obj.metadata.name}/${obj.metadata.uid}/${reason}/${message}/${component}`;
    try {
      const existing = this.byKey.get(key);
      if (existing) {
        const updated = this.store.transform('events', ns, existing, (e) => ({
          ...e,
          count: ((e.count as number | undefined) ?? 1) + 1,
          lastTimestamp: ts,
        }));
        if (updated) return;
      }
      const name = `${obj.metadata.name}.${(Math.floor(this.clock.now()) * 1000 + ++this.seq).toString(16)}`;
      this.store.create('events', {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: ns },
        involvedObject: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: obj.metadata.name,
          namespace: obj.metadata.namespace,
          uid: obj.metadata.uid,
          resourceVersion: obj.metadata.resourceVersion,
        },
        reason,
        message,
        type,
        source: host ? { component, host } : { component },
        count: 1,
        firstTimestamp: ts,
        lastTimestamp: ts,
        reportingComponent: component,
        reportingInstance: host ?? '',
      }, true);
      this.byKey.set(key, name);
    } catch {
      // Events are best effort in Kubernetes too: with etcd down they are dropped.
    }
  }
}
