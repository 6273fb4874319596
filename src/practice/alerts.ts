import type { Clock, Timer } from '../engine/clock.js';
import { errorMessage } from '../errors.js';
import type { Informer } from '../kube/kube.js';
import { conditionOf, type KubeObject } from '../kube/objects.js';
import type { EtcdEndpointHealth } from '../targets/target.js';

/** An alert as the platform's monitoring would send it by e-mail: a sentence, when it fired, how bad. */
export interface Alert {
  /** Identifies the condition: the same key never fires twice while it holds. */
  key: string;
  at: number;
  severity: 'critical' | 'warning';
  text: string;
}

export type AlertEvent = { type: 'firing' | 'resolved'; alert: Alert };

/** What the rules look at: the caches of a few informers, and the last etcd health answer if any. */
export interface AlertSources {
  nodes(): KubeObject[];
  deployments(): KubeObject[];
  statefulsets(): KubeObject[];
  pods(): KubeObject[];
  etcdHealth?(): EtcdEndpointHealth[] | undefined;
}

export interface AlertRuleOptions {
  /** A pod Pending this long alerts. Default 1 min. */
  pendingAfterMs?: number;
  /** Prefixed to every text when a drill spans several clusters. */
  cluster?: string;
}

interface Condition {
  severity: Alert['severity'];
  text: string;
}

/**
 * The alert rules the runbooks' e-mails come from, evaluated over watch caches:
 * - a node whose Ready condition is not True: "Node <n> is NotReady";
 * - a Deployment or StatefulSet with fewer available (ready) replicas than desired, where desired is the
 *   larger of its spec and the count it had when watching began, so that a workload scaled to zero still
 *   alerts as the platform's capacity alert would: "<ns>/<name> replicas below desired (<a>/<d>)";
 * - a container whose restart count went up: "Pod <ns>/<pod> restarted (<reason>)";
 * - a pod Pending for more than a minute, with the scheduler's reason;
 * - an etcd member that is not healthy.
 * Each condition fires once, when it starts, and resolves when it ends; conditions already present when the
 * baseline is taken are known and do not fire until they have cleared and come back.
 */
export class AlertRules {
  private readonly firing = new Map<string, Alert>();
  private readonly known = new Set<string>();
  private readonly restarts = new Map<string, number>();
  private readonly desired = new Map<string, number>();
  private readonly pendingSince = new Map<string, number>();
  private readonly pendingAfter: number;
  private readonly prefix: string;

  constructor(o: AlertRuleOptions = {}) {
    this.pendingAfter = o.pendingAfterMs ?? 60_000;
    this.prefix = o.cluster ? `[${o.cluster}] ` : '';
  }

  /** Take what holds now as the normal state of the platform. */
  baseline(s: AlertSources, now: number): void {
    for (const w of [...s.deployments(), ...s.statefulsets()])
      this.desired.set(workloadKey(w), Number(w.spec?.replicas ?? 1));
    for (const key of this.conditions(s, now, false).keys()) this.known.add(key);
  }

  /** What changed since the last evaluation, in a stable order (by key). */
  evaluate(s: AlertSources, now: number): AlertEvent[] {
    const events: AlertEvent[] = [];
    const current = this.conditions(s, now, true);
    for (const key of [...this.known]) if (!current.has(key)) this.known.delete(key);
    for (const [key, alert] of [...this.firing].sort(byKey)) {
      if (current.has(key)) continue;
      this.firing.delete(key);
      events.push({ type: 'resolved', alert: { ...alert, at: now } });
    }
    for (const [key, c] of [...current].sort(byKey)) {
      if (this.firing.has(key) || this.known.has(key)) continue;
      const alert: Alert = { key, at: now, severity: c.severity, text: this.prefix + c.text };
      events.push({ type: 'firing', alert });
      // A restart is an event, not a state: it fires once and is never "resolved".
      if (!key.startsWith('restart/')) this.firing.set(key, alert);
    }
    return events;
  }

  /** Alerts firing now. */
  active(): Alert[] {
    return [...this.firing.values()];
  }

  private conditions(s: AlertSources, now: number, countRestarts: boolean): Map<string, Condition> {
    const out = new Map<string, Condition>();
    for (const n of s.nodes()) {
      const ready = conditionOf(n, 'Ready');
      if (ready && ready.status !== 'True') {
        out.set(`node/${n.metadata.name}`, { severity: 'critical', text: `Node ${n.metadata.name} is NotReady` });
      }
    }
    for (const d of s.deployments()) this.workload(out, d, Number(d.status?.availableReplicas ?? 0));
    for (const st of s.statefulsets()) this.workload(out, st, Number(st.status?.readyReplicas ?? 0));
    const seenPending = new Set<string>();
    for (const p of s.pods()) {
      const id = `${p.metadata.namespace ?? ''}/${p.metadata.name}`;
      for (const c of (p.status?.containerStatuses ?? []) as {
        name: string;
        restartCount?: number;
        lastState?: { terminated?: { reason?: string } };
      }[]) {
        const ckey = `${p.metadata.uid ?? id}/${c.name}`;
        const count = c.restartCount ?? 0;
        const before = this.restarts.get(ckey);
        this.restarts.set(ckey, count);
        if (countRestarts && before !== undefined && count > before) {
          const reason = c.lastState?.terminated?.reason ?? 'Error';
          out.set(`restart/${ckey}/${count}`, { severity: 'warning', text: `Pod ${id} restarted (${reason})` });
        }
      }
      if (p.status?.phase === 'Pending' && !p.metadata.deletionTimestamp) {
        seenPending.add(id);
        const created = Date.parse(p.metadata.creationTimestamp ?? '');
        const since = this.pendingSince.get(id) ?? (Number.isFinite(created) ? Math.min(created, now) : now);
        this.pendingSince.set(id, since);
        if (now - since >= this.pendingAfter) {
          const sched = conditionOf(p, 'PodScheduled');
          const why = sched?.status === 'False' && sched.message ? `: ${sched.message}` : '';
          out.set(`pending/${id}`, {
            severity: 'warning',
            text: `Pod ${id} Pending for more than ${Math.round(this.pendingAfter / 1000)}s${why}`,
          });
        }
      }
    }
    for (const id of [...this.pendingSince.keys()]) if (!seenPending.has(id)) this.pendingSince.delete(id);
    for (const h of s.etcdHealth?.() ?? []) {
      if (!h.healthy)
        out.set(`etcd/${h.member}`, {
          severity: 'critical',
          text: `etcd member ${h.member} is unhealthy (${h.message})`,
        });
    }
    return out;
  }

  private workload(out: Map<string, Condition>, w: KubeObject, available: number): void {
    const key = workloadKey(w);
    const spec = Number(w.spec?.replicas ?? 1);
    const desired = Math.max(spec, this.desired.get(key) ?? 0);
    if (available < desired) {
      out.set(`workload/${key}`, {
        severity: available === 0 ? 'critical' : 'warning',
        text: `${w.metadata.namespace ?? 'default'}/${w.metadata.name} replicas below desired (${available}/${desired})`,
      });
    }
  }
}

function workloadKey(w: KubeObject): string {
  return `${w.kind ?? ''}/${w.metadata.namespace ?? ''}/${w.metadata.name}`;
}

function byKey<T>(a: [string, T], b: [string, T]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

export interface AlertWatchOptions {
  clock: Clock;
  informers: { nodes: Informer; deployments: Informer; statefulsets: Informer; pods: Informer };
  /** etcd health, polled every `etcdIntervalMs` (default 10 s); absent: no etcd rule. */
  etcdHealth?: () => Promise<EtcdEndpointHealth[]>;
  etcdIntervalMs?: number;
  /** How often time-based rules (Pending for a minute) are re-checked. Default 5 s. */
  tickMs?: number;
  rules: AlertRules;
  onAlert: (e: AlertEvent) => void;
  /** An etcd poll failed (the endpoint is down): said once per distinct message. */
  onError?: (message: string) => void;
}

/**
 * Runs the rules: a baseline once every informer has listed, then an evaluation on every watch event and
 * on a timer for the time-based rules. Returns a stop function.
 */
export async function watchAlerts(o: AlertWatchOptions): Promise<() => void> {
  const { informers, clock, rules } = o;
  await Promise.all(Object.values(informers).map((i) => i.ready()));
  let health: EtcdEndpointHealth[] | undefined;
  const sources: AlertSources = {
    nodes: () => informers.nodes.items(),
    deployments: () => informers.deployments.items().map((d) => ({ ...d, kind: 'Deployment' })),
    statefulsets: () => informers.statefulsets.items().map((d) => ({ ...d, kind: 'StatefulSet' })),
    pods: () => informers.pods.items(),
    etcdHealth: () => health,
  };
  if (o.etcdHealth) {
    try {
      health = await o.etcdHealth();
    } catch {
      health = undefined;
    }
  }
  rules.baseline(sources, clock.now());
  let stopped = false;
  const evaluate = (): void => {
    if (stopped) return;
    for (const e of rules.evaluate(sources, clock.now())) o.onAlert(e);
  };
  const unsubscribe = Object.values(informers).map((i) => i.onEvent(evaluate));
  let tick: Timer | undefined;
  const schedule = (): void => {
    tick = clock.setTimer(
      o.tickMs ?? 5_000,
      () => {
        if (stopped) return;
        evaluate();
        schedule();
      },
      'practice alert rules',
    );
  };
  schedule();
  let poll: Timer | undefined;
  let lastError = '';
  const pollEtcd = (): void => {
    poll = clock.setTimer(
      o.etcdIntervalMs ?? 10_000,
      () => {
        if (stopped || !o.etcdHealth) return;
        o.etcdHealth()
          .then(
            (h) => {
              health = h;
              lastError = '';
              evaluate();
            },
            (err: unknown) => {
              const msg = errorMessage(err);
              if (msg !== lastError) o.onError?.(`etcd health check failed: ${msg}`);
              lastError = msg;
            },
          )
          .finally(() => {
            if (!stopped) pollEtcd();
          });
      },
      'practice etcd health',
    );
  };
  if (o.etcdHealth) pollEtcd();
  return () => {
    stopped = true;
    tick?.cancel();
    poll?.cancel();
    for (const u of unsubscribe) u();
  };
}
