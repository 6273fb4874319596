import type { KubeObject } from '../../kube/objects.js';
import type { StoreEvent } from '../store/store.js';
import { BaseController, splitKey } from './base-controller.js';
import { deleteObject, deletePod } from './delete.js';
import { claimPods, podFromTemplate } from './owned-pods.js';
import { controllerOf, isReady, rfc3339 } from './pods.js';
import { createAdmitted } from './write.js';

/** Every pod of a Job carries it until the Job controller has counted the pod's outcome. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';

/** pkg/controller/job: a failed pod's replacement waits 10 s, doubling per failure since the last success, up to 10 min. */
const FAILURE_BACKOFF = 10_000;
const FAILURE_BACKOFF_MAX = 600_000;
/** At most this many pods are created or deleted per sync. */
const BURST = 500;

const COMPONENT = 'job-controller';

type JobCondition = {
  type: string;
  status: 'True';
  lastProbeTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
};

interface Counts {
  succeeded: number;
  failed: number;
  uncounted: { succeeded: string[]; failed: string[] };
}

/**
 * The Job controller (kube-controller-manager), as v1.31 runs it: keeps min(parallelism, completions left)
 * pods running; counts each finished pod once, through status.uncountedTerminatedPods and the pod's
 * job-tracking finalizer; replaces failed pods after an exponential back-off; fails the Job past
 * backoffLimit (for restartPolicy OnFailure, container restarts count) or activeDeadlineSeconds; completes
 * it at `completions` successes (or the first success of a work queue), adding SuccessCriteriaMet and
 * Complete (FailureTarget and Failed for a failure); honours suspend; deletes a finished Job after
 * ttlSecondsAfterFinished, as the TTL-after-finished controller does.
 */
export class JobController extends BaseController {
  readonly name = COMPONENT;
  protected readonly component = 'kube-controller-manager' as const;
  /** Failures since the last success and when the last one happened, by Job uid. */
  private readonly backoff = new Map<string, { failures: number; lastFailure: number }>();

  protected resyncAll(): void {
    for (const j of this.ctx.store.list('jobs')) this.enqueue(keyOf(j));
  }

  protected onStoreEvent(e: StoreEvent): void {
    if (e.resource === 'jobs') {
      this.enqueue(keyOf(e.object));
      if (e.type === 'DELETED' && e.object.metadata.uid) this.backoff.delete(e.object.metadata.uid);
      return;
    }
    if (e.resource !== 'pods') return;
    const ref = controllerOf(e.object) ?? (e.old ? controllerOf(e.old) : undefined);
    if (ref?.kind !== 'Job') return;
    const ns = e.object.metadata.namespace ?? 'default';
    this.enqueue(`${ns}/${ref.name}`);
    // A pod whose Job is gone still carries the finalizer: release it so that it can go.
    if (hasFinalizer(e.object) && e.type !== 'DELETED') this.enqueue(`pod:${ns}/${e.object.metadata.name}`);
  }

  protected reconcile(key: string): void {
    if (key.startsWith('pod:')) {
      this.releaseOrphan(key.slice(4));
      return;
    }
    const [ns, name] = splitKey(key);
    const job = this.ctx.store.get('jobs', ns, name);
    if (!job) return;
    const pods = claimPods(this.ctx, job, 'Job', 'batch/v1');
    const now = this.ctx.clock.now();
    if (finished(job)) {
      for (const p of pods) this.removeFinalizer(p);
      this.scheduleTtl(job, now);
      return;
    }
    if (job.metadata.deletionTimestamp) {
      // Going away (foreground deletion waits for its pods): its pods need no more counting.
      for (const p of pods) this.removeFinalizer(p);
      return;
    }
    const counts = this.count(job, pods, now);
    const current = this.ctx.store.get('jobs', ns, name) ?? job;
    const live = pods
      .map((p) => this.ctx.store.get('pods', p.metadata.namespace, p.metadata.name))
      .filter((p): p is KubeObject => p !== undefined);
    const active = live.filter((p) => !isFinished(p) && !p.metadata.deletionTimestamp);
    const terminating = live.filter((p) => !isFinished(p) && p.metadata.deletionTimestamp);
    const spec = current.spec ?? {};
    const status: Record<string, unknown> = { ...(current.status ?? {}) };
    const conditions = [...((status.conditions ?? []) as JobCondition[])];
    const startTime = status.startTime as string | undefined;
    const condition = (type: string, reason: string, message: string): JobCondition => ({
      type,
      status: 'True',
      lastProbeTime: rfc3339(now),
      lastTransitionTime: rfc3339(now),
      reason,
      message,
    });
    let finishedAs: 'Complete' | 'Failed' | undefined;

    if (spec.suspend === true) {
      for (const p of active.slice(0, BURST)) this.deleteJobPod(current, p);
      if (!conditions.some((c) => c.type === 'Suspended')) {
        conditions.push(condition('Suspended', 'JobSuspended', 'Job suspended'));
        this.ctx.events.record(current, 'Normal', 'Suspended', 'Job suspended', COMPONENT);
      }
      delete status.startTime;
    } else {
      if (conditions.some((c) => c.type === 'Suspended')) {
        conditions.splice(
          conditions.findIndex((c) => c.type === 'Suspended'),
          1,
        );
        this.ctx.events.record(current, 'Normal', 'Resumed', 'Job resumed', COMPONENT);
      }
      const started = startTime ? Date.parse(startTime) : now;
      if (!startTime) status.startTime = rfc3339(now);
      const backoffLimit = (spec.backoffLimit as number | undefined) ?? 6;
      const restarts =
        spec.template?.spec?.restartPolicy === 'OnFailure'
          ? active.reduce(
              (n, p) =>
                n +
                ((p.status?.containerStatuses ?? []) as { restartCount?: number }[]).reduce(
                  (m, c) => m + (c.restartCount ?? 0),
                  0,
                ),
              0,
            )
          : 0;
      const completions = spec.completions as number | undefined;
      const deadline = spec.activeDeadlineSeconds as number | undefined;
      if (counts.failed > backoffLimit || (restarts > 0 && restarts >= backoffLimit)) {
        finishedAs = 'Failed';
        const message = 'Job has reached the specified backoff limit';
        conditions.push(condition('FailureTarget', 'BackoffLimitExceeded', message));
        conditions.push(condition('Failed', 'BackoffLimitExceeded', message));
        this.ctx.events.record(current, 'Warning', 'BackoffLimitExceeded', message, COMPONENT);
      } else if (deadline !== undefined && now - started >= deadline * 1000) {
        finishedAs = 'Failed';
        const message = 'Job was active longer than specified deadline';
        conditions.push(condition('FailureTarget', 'DeadlineExceeded', message));
        conditions.push(condition('Failed', 'DeadlineExceeded', message));
        this.ctx.events.record(current, 'Warning', 'DeadlineExceeded', message, COMPONENT);
      } else if (
        completions !== undefined ? counts.succeeded >= completions : counts.succeeded > 0 && active.length === 0
      ) {
        finishedAs = 'Complete';
        const message = 'Reached expected number of succeeded pods';
        conditions.push(condition('SuccessCriteriaMet', 'CompletionsReached', message));
        conditions.push(condition('Complete', 'CompletionsReached', message));
        status.completionTime = rfc3339(now);
        this.ctx.events.record(current, 'Normal', 'Completed', 'Job completed', COMPONENT);
      }
      if (finishedAs) {
        for (const p of active.slice(0, BURST)) this.deleteJobPod(current, p);
      } else {
        this.manageActive(current, active, counts, now);
        if (deadline !== undefined) this.enqueue(key, started + deadline * 1000 - now);
      }
    }
    const refreshed = live.map((p) => this.ctx.store.get('pods', p.metadata.namespace, p.metadata.name) ?? p);
    const stillActive = refreshed.filter((p) => !isFinished(p) && !p.metadata.deletionTimestamp);
    const next: Record<string, unknown> = {
      ...status,
      active: finishedAs ? 0 : this.activeCount(current, stillActive),
      ready: finishedAs ? 0 : stillActive.filter(isReady).length,
      succeeded: counts.succeeded,
      failed: counts.failed,
      terminating: terminating.length,
      uncountedTerminatedPods: {},
      conditions,
    };
    for (const k of ['active', 'succeeded', 'failed'] as const) if (next[k] === 0) delete next[k];
    if (conditions.length === 0) delete next.conditions;
    this.writeStatus(current, next);
  }

  /** Pods of this Job created since the last count but not yet in the store's index: count the store's view. */
  private activeCount(job: KubeObject, active: KubeObject[]): number {
    const uid = job.metadata.uid;
    if (uid === undefined) return active.length;
    return this.ctx.store.podsControlledBy(uid).filter((p) => !isFinished(p) && !p.metadata.deletionTimestamp).length;
  }

  /**
   * Count finished pods exactly once: record their uids in uncountedTerminatedPods, release their
   * finalizers, then move them to the counters (pkg/controller/job trackJobStatusAndRemoveFinalizers).
   */
  private count(job: KubeObject, pods: KubeObject[], now: number): Counts {
    const status = job.status ?? {};
    const counts: Counts = {
      succeeded: (status.succeeded as number | undefined) ?? 0,
      failed: (status.failed as number | undefined) ?? 0,
      uncounted: {
        succeeded: [...((status.uncountedTerminatedPods?.succeeded ?? []) as string[])],
        failed: [...((status.uncountedTerminatedPods?.failed ?? []) as string[])],
      },
    };
    const known = new Set([...counts.uncounted.succeeded, ...counts.uncounted.failed]);
    let added = false;
    for (const p of pods) {
      const uid = p.metadata.uid ?? '';
      if (!hasFinalizer(p) || !isFinished(p) || known.has(uid)) continue;
      const ok = p.status?.phase === 'Succeeded' && !p.metadata.deletionTimestamp;
      (ok ? counts.uncounted.succeeded : counts.uncounted.failed).push(uid);
      this.noteOutcome(job, ok, now);
      added = true;
    }
    if (added) {
      this.writeStatus(job, {
        ...status,
        uncountedTerminatedPods: { ...counts.uncounted },
      });
    }
    const byUid = new Map(pods.map((p) => [p.metadata.uid ?? '', p]));
    for (const list of [counts.uncounted.succeeded, counts.uncounted.failed]) {
      for (const uid of list) {
        const p = byUid.get(uid);
        if (p) this.removeFinalizer(p);
      }
    }
    counts.succeeded += counts.uncounted.succeeded.length;
    counts.failed += counts.uncounted.failed.length;
    counts.uncounted = { succeeded: [], failed: [] };
    return counts;
  }

  private noteOutcome(job: KubeObject, ok: boolean, now: number): void {
    const uid = job.metadata.uid ?? '';
    if (ok) {
      this.backoff.delete(uid);
      return;
    }
    const b = this.backoff.get(uid) ?? { failures: 0, lastFailure: now };
    this.backoff.set(uid, { failures: b.failures + 1, lastFailure: now });
  }

  /** Create or delete pods so that min(parallelism, completions left) run, after a failure's back-off. */
  private manageActive(job: KubeObject, active: KubeObject[], counts: Counts, now: number): void {
    const spec = job.spec ?? {};
    const parallelism = (spec.parallelism as number | undefined) ?? 1;
    const completions = spec.completions as number | undefined;
    const want =
      completions !== undefined
        ? Math.max(0, Math.min(parallelism, completions - counts.succeeded))
        : counts.succeeded > 0
          ? 0
          : parallelism;
    if (active.length > want) {
      for (const p of active.slice(want).slice(0, BURST)) this.deleteJobPod(job, p);
      return;
    }
    if (active.length === want) return;
    const b = this.backoff.get(job.metadata.uid ?? '');
    if (b && b.failures > 0) {
      const delay = Math.min(FAILURE_BACKOFF * 2 ** (b.failures - 1), FAILURE_BACKOFF_MAX);
      if (now < b.lastFailure + delay) {
        this.enqueue(keyOf(job), b.lastFailure + delay - now);
        return;
      }
    }
    for (let i = 0; i < Math.min(want - active.length, BURST); i++) {
      const pod = podFromTemplate(job, 'Job', 'batch/v1', spec.template);
      pod.metadata.generateName = `${job.metadata.name}-`;
      pod.metadata.finalizers = [...(pod.metadata.finalizers ?? []), JOB_TRACKING_FINALIZER];
      const created = createAdmitted(this.ctx, 'pods', pod);
      this.ctx.events.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, COMPONENT);
    }
  }

  private deleteJobPod(job: KubeObject, pod: KubeObject): void {
    deletePod(this.ctx.store, pod, this.ctx.clock.now());
    this.ctx.events.record(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, COMPONENT);
  }

  private removeFinalizer(pod: KubeObject): void {
    const cur = this.ctx.store.get('pods', pod.metadata.namespace, pod.metadata.name);
    if (!cur || !hasFinalizer(cur)) return;
    const updated = this.ctx.store.mutate('pods', cur.metadata.namespace, cur.metadata.name, (o) => {
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
      if (o.metadata.finalizers.length === 0) delete o.metadata.finalizers;
    });
    // Deleted while the finalizer held it: with no kubelet left to confirm (never bound, or already
    // finished), kube-apiserver removes it once its last finalizer goes.
    if (
      updated?.metadata.deletionTimestamp &&
      !updated.metadata.finalizers?.length &&
      (!updated.spec?.nodeName || isFinished(updated))
    ) {
      this.ctx.store.remove('pods', updated.metadata.namespace, updated.metadata.name);
    }
  }

  private releaseOrphan(key: string): void {
    const [ns, name] = splitKey(key);
    const pod = this.ctx.store.get('pods', ns, name);
    if (!pod || !hasFinalizer(pod)) return;
    const ref = controllerOf(pod);
    const job = ref ? this.ctx.store.get('jobs', ns, ref.name) : undefined;
    if (!job || job.metadata.uid !== ref?.uid || job.metadata.deletionTimestamp) this.removeFinalizer(pod);
  }

  /** ttl-after-finished-controller: a finished Job goes ttlSecondsAfterFinished after it finished. */
  private scheduleTtl(job: KubeObject, now: number): void {
    const ttl = job.spec?.ttlSecondsAfterFinished as number | undefined;
    if (ttl === undefined || job.metadata.deletionTimestamp) return;
    const finishedAt = Date.parse(
      (job.status?.completionTime as string | undefined) ??
        ((job.status?.conditions ?? []) as JobCondition[]).find((c) => c.type === 'Failed')?.lastTransitionTime ??
        '',
    );
    const due = (Number.isNaN(finishedAt) ? now : finishedAt) + ttl * 1000;
    if (now < due) {
      this.enqueue(keyOf(job), due - now);
      return;
    }
    deleteObject(this.ctx.store, 'jobs', job.metadata.namespace, job.metadata.name, now, {
      propagationPolicy: 'Background',
    });
  }

  private writeStatus(job: KubeObject, status: Record<string, unknown>): void {
    const cur = this.ctx.store.get('jobs', job.metadata.namespace, job.metadata.name);
    if (!cur || JSON.stringify(cur.status ?? {}) === JSON.stringify(status)) return;
    this.ctx.store.transform('jobs', cur.metadata.namespace, cur.metadata.name, (o) => ({ ...o, status }));
  }
}

function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
}

function hasFinalizer(p: KubeObject): boolean {
  return (p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
}

/** A pod that will run no more: Succeeded or Failed, or deleted before it ever ran on a node. */
function isFinished(p: KubeObject): boolean {
  const phase = p.status?.phase as string | undefined;
  return phase === 'Succeeded' || phase === 'Failed' || (!!p.metadata.deletionTimestamp && !p.spec?.nodeName);
}

function finished(job: KubeObject): boolean {
  return ((job.status?.conditions ?? []) as JobCondition[]).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}
