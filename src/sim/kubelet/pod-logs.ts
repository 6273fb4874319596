import type { KubeObject } from '../../kube/objects.js';
import type { ContainerSpec } from './container-behaviour.js';
import { crashLine } from './image-output.js';
import { programOf, runProgram, type LogLine } from './image-process.js';
import type { ContainerLogState, ContainerRun, PodRuntime } from './pod-runtime.js';

/**
 * `kubectl logs` as the kubelet answers it (pkg/kubelet/kubelet_pods.go validateContainerLogStatus): which run
 * of the container to read (the running one; the last terminated one while the container waits to restart
 * or with --previous), or why there is none, in the kubelet's words. The lines are what that run's process
 * printed: its image's start-up, its command's output, a crash's last words, and nothing after an OOM kill.
 */
export interface ContainerLog {
  /** The run's lines up to `now` (at most the last MAX_LOG_LINES). */
  lines(now: number): LogLine[];
  /** The run has ended (or the pod is gone): a follower stops after the last line. */
  ended(): boolean;
}

export type ContainerLogResult = { log: ContainerLog } | { error: { code: number; message: string } };

export interface LogHost {
  ip: string;
  /** The host runs (powered, not frozen) and is reachable on the network. */
  reachable: boolean;
  kubeletRunning: boolean;
}

/** The run `kubectl logs [--previous]` reads, or the kubelet's reason why there is none. */
export function chooseRun(
  state: { current: ContainerLogState; last?: ContainerRun },
  container: string,
  pod: string,
  previous: boolean,
): ContainerRun | string {
  const { current, last } = state;
  if (previous) return last ?? `previous terminated container "${container}" in pod "${pod}" not found`;
  if (current.kind !== 'waiting') return current.run;
  if (last) return last;
  switch (current.reason) {
    case 'ErrImagePull':
      return `container "${container}" in pod "${pod}" is waiting to start: image can't be pulled`;
    case 'ImagePullBackOff':
      return `container "${container}" in pod "${pod}" is waiting to start: trying and failing to pull image`;
    default:
      return `container "${container}" in pod "${pod}" is waiting to start: ${current.reason}`;
  }
}

/** The lines one run of a container printed up to `now`. */
export function runLines(pod: KubeObject, spec: ContainerSpec, run: ContainerRun, now: number): LogLine[] {
  const end = Math.min(run.finishedAt ?? now, now);
  const { lines, exit } = runProgram(programOf(pod, spec), run.startedAt, end);
  // Killed from outside while it ran (a crash the simulator injects): its last words. An OOM kill and a
  // stop leave nothing; a process that exited by itself said what it had to.
  if (run.finishedAt !== undefined && run.finishedAt <= now && run.reason === 'Error' && run.message && !exit) {
    lines.push({ at: run.finishedAt, text: crashLine(pod, spec.image ?? '', run.message)(run.finishedAt) });
  }
  return lines;
}

/**
 * A container's log through the kubelet of its node. `rt` is the kubelet's runtime of the pod (undefined
 * when the kubelet does not run it: not started yet, or the node lost it); the pod's reported status stands
 * in then, as the container runtime keeps logs of containers the kubelet forgot.
 */
export function containerLog(
  pod: KubeObject,
  rt: PodRuntime | undefined,
  container: string,
  previous: boolean,
  host: LogHost,
): ContainerLogResult {
  const ns = pod.metadata.namespace ?? 'default';
  const url = `https://${host.ip}:10250/containerLogs/${ns}/${pod.metadata.name}/${container}`;
  // kube-apiserver proxies logs from the kubelet: a node it cannot reach fails the request.
  if (!host.reachable)
    return { error: { code: 500, message: `Get "${url}": dial tcp ${host.ip}:10250: connect: no route to host` } };
  if (!host.kubeletRunning)
    return { error: { code: 500, message: `Get "${url}": dial tcp ${host.ip}:10250: connect: connection refused` } };
  const specs = [
    ...((pod.spec?.initContainers ?? []) as ContainerSpec[]),
    ...((pod.spec?.containers ?? []) as ContainerSpec[]),
  ];
  const spec = specs.find((c) => c.name === container);
  const state = rt?.logState(container) ?? stateFromStatus(pod, container);
  if (!spec || !state)
    return { error: { code: 400, message: `container "${container}" in pod "${pod.metadata.name}" is not available` } };
  const run = chooseRun(state, container, pod.metadata.name, previous);
  if (typeof run === 'string') return { error: { code: 400, message: run } };
  const ended = (): boolean => {
    if (run.finishedAt !== undefined) return true;
    const now = rt?.logState(container)?.current;
    return !now || now.kind !== 'running' || now.run.containerID !== run.containerID;
  };
  return {
    log: {
      lines: (now) => {
        // The run as it is now: a running one may have ended since the request began.
        const latest = rt?.logState(container);
        const cur =
          latest?.current.kind !== 'waiting' && latest?.current.run.containerID === run.containerID
            ? latest.current.run
            : latest?.last?.containerID === run.containerID
              ? latest.last
              : run;
        return runLines(pod, spec, cur, now);
      },
      ended,
    },
  };
}

/** A container's runs from the pod's status, for a pod whose containers the kubelet no longer tracks. */
function stateFromStatus(
  pod: KubeObject,
  container: string,
): { current: ContainerLogState; last?: ContainerRun } | undefined {
  const statuses = [
    ...((pod.status?.initContainerStatuses ?? []) as Record<string, any>[]),
    ...((pod.status?.containerStatuses ?? []) as Record<string, any>[]),
  ];
  const st = statuses.find((c) => c.name === container);
  if (!st) return undefined;
  const term = (t: Record<string, any> | undefined): ContainerRun | undefined => {
    if (!t?.containerID) return undefined;
    const run: ContainerRun = {
      containerID: String(t.containerID),
      startedAt: Date.parse(String(t.startedAt)),
      finishedAt: Date.parse(String(t.finishedAt)),
      exitCode: Number(t.exitCode),
      reason: String(t.reason ?? ''),
    };
    if (t.message) run.message = String(t.message);
    return run;
  };
  const last = term(st.lastState?.terminated);
  let current: ContainerLogState;
  if (st.state?.running)
    current = {
      kind: 'running',
      run: { containerID: String(st.containerID ?? ''), startedAt: Date.parse(String(st.state.running.startedAt)) },
    };
  else if (term(st.state?.terminated)) current = { kind: 'terminated', run: term(st.state.terminated)! };
  else current = { kind: 'waiting', reason: String(st.state?.waiting?.reason ?? 'ContainerCreating') };
  return last ? { current, last } : { current };
}
