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
  /**
   * One `source` object per component and host, shared by their Events (stored objects are read-only):
   * at 150,000 pods there are 900,000 Events and a few thousand sources.
   */
  private readonly sources = new Map<string, Map<string, { component: string; host?: string }>>();

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
      const name = `${obj.metadata.name}.${hex(Math.floor(this.clock.now()) * 1000 + ++this.seq)}`;
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
          source: this.source(component, host),
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

  private source(component: string, host: string | undefined): { component: string; host?: string } {
    let byHost = this.sources.get(component);
    if (!byHost) {
      byHost = new Map();
      this.sources.set(component, byHost);
    }
    let s = byHost.get(host ?? '');
    if (!s) {
      s = host ? { component, host } : { component };
      byHost.set(host ?? '', s);
    }
    return s;
  }
}

/**
 * `n.toString(16)` for a whole number past 2^32: in two halves, as a double's radix conversion is several
 * times slower than an integer's, and every Event name has one.
 */
function hex(n: number): string {
  const high = Math.floor(n / 16777216);
  if (high === 0) return n.toString(16);
  return high.toString(16) + (n - high * 16777216).toString(16).padStart(6, '0');
}
