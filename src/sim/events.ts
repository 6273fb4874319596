import type { KubeObject } from '../kube/objects.js';
import type { Clock } from '../engine/clock.js';
import type { Store } from './store/store.js';
import { rfc3339 } from './controllers/pods.js';

/** One Event recorded for an object, and what makes a repeat of it the same Event. */
interface Recorded {
  name: string;
  reason: string;
  message: string;
  component: string;
}

/**
 * Records core/v1 Events the way Kubernetes components do: one object per (object, reason, message,
 * source), its count and lastTimestamp bumped on repeats, which `kubectl describe` shows as
 * "4s (x6 over 7s)".
 */
export class EventRecorder {
  private seq = 0;
  /**
   * The Events recorded per involved object (by uid). At scale there are several per pod: a list per object
   * holding the strings the Events hold anyway costs far less than one long composite key per Event.
   */
  private readonly byObject = new Map<string, Recorded[]>();

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
    const ts = rfc3339(this.clock.now());
    const ns = obj.metadata.namespace ?? 'default';
    const objectKey = obj.metadata.uid ?? `${obj.kind}/${ns}/${obj.metadata.name}/`;
    try {
      const recorded = this.byObject.get(objectKey);
      const same = recorded?.find((r) => r.reason === reason && r.message === message && r.component === component);
      if (same) {
        const updated = this.store.transform('events', ns, same.name, (e) => ({
          ...e,
          count: ((e.count as number | undefined) ?? 1) + 1,
          lastTimestamp: ts,
        }));
        if (updated) return;
      }
      const name = `${obj.metadata.name}.${(Math.floor(this.clock.now()) * 1000 + ++this.seq).toString(16)}`;
      this.store.create(
        'events',
        {
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
        },
        true,
      );
      if (same) same.name = name;
      else if (recorded) recorded.push({ name, reason, message, component });
      else this.byObject.set(objectKey, [{ name, reason, message, component }]);
    } catch {
      // Events are best effort in Kubernetes too: with etcd down they are dropped.
    }
  }
}
