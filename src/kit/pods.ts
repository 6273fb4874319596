import { conditionOf, type KubeObject } from '../kube/objects.js';

/** Pod facts as kubectl and the controllers read them. */

export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export function isMirrorPod(pod: KubeObject): boolean {
  return pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined;
}

export function isDaemonSetPod(pod: KubeObject): boolean {
  return (pod.metadata.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet' && o.controller !== false);
}

export function hasController(pod: KubeObject): boolean {
  return (pod.metadata.ownerReferences ?? []).some((o) => o.controller === true);
}

export function isTerminating(pod: KubeObject): boolean {
  return pod.metadata.deletionTimestamp !== undefined;
}

export function phaseOf(pod: KubeObject): string {
  return (pod.status?.phase as string | undefined) ?? 'Pending';
}

/** Succeeded or Failed: the pod will not run again, and drain ignores it. */
export function isFinished(pod: KubeObject): boolean {
  const p = phaseOf(pod);
  return p === 'Succeeded' || p === 'Failed';
}

export function nodeOf(pod: KubeObject): string | undefined {
  return pod.spec?.nodeName as string | undefined;
}

export function isPodReady(pod: KubeObject): boolean {
  return conditionOf(pod, 'Ready')?.status === 'True';
}

/** Running, every container ready, and not on its way out: what `grep -v Running` leaves out. */
export function isRunningAndReady(pod: KubeObject): boolean {
  if (isTerminating(pod) || phaseOf(pod) !== 'Running') return false;
  const statuses = containerStatuses(pod);
  if (statuses.length === 0) return isPodReady(pod);
  return statuses.every((c) => c.ready === true) && isPodReady(pod);
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string; message?: string };
    running?: unknown;
    terminated?: { reason?: string; exitCode?: number };
  };
  lastState?: { terminated?: { reason?: string; exitCode?: number } };
}

export function containerStatuses(pod: KubeObject): ContainerStatus[] {
  return [
    ...((pod.status?.initContainerStatuses ?? []) as ContainerStatus[]),
    ...((pod.status?.containerStatuses ?? []) as ContainerStatus[]),
  ];
}

export function restarts(pod: KubeObject): number {
  return containerStatuses(pod).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

/** The STATUS column of `kubectl get pod`, close enough to name what is wrong. */
export function kubectlStatus(pod: KubeObject): string {
  if (isTerminating(pod)) return 'Terminating';
  const reason = pod.status?.reason as string | undefined;
  if (reason) return reason;
  for (const c of containerStatuses(pod)) {
    const r = c.state?.waiting?.reason ?? c.state?.terminated?.reason;
    if (r && r !== 'Completed') return r;
  }
  return phaseOf(pod);
}

/** Every reason a container shows now or showed last: CrashLoopBackOff, ImagePullBackOff, OOMKilled... */
export function containerReasons(pod: KubeObject): string[] {
  const out: string[] = [];
  for (const c of containerStatuses(pod)) {
    for (const r of [c.state?.waiting?.reason, c.state?.terminated?.reason, c.lastState?.terminated?.reason])
      if (r) out.push(r);
  }
  return out;
}

/** Sum of the memory a pod requests, init containers counted as the scheduler does (their maximum). */
export function podRequest(
  pod: KubeObject,
  resource: 'memory' | 'cpu',
  parse: (q: string | undefined) => number,
): number {
  const sum = ((pod.spec?.containers ?? []) as { resources?: { requests?: Record<string, string> } }[]).reduce(
    (n, c) => n + parse(c.resources?.requests?.[resource]),
    0,
  );
  const init = ((pod.spec?.initContainers ?? []) as { resources?: { requests?: Record<string, string> } }[]).reduce(
    (n, c) => Math.max(n, parse(c.resources?.requests?.[resource])),
    0,
  );
  return Math.max(sum, init);
}
