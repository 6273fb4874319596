import type { KubeObject } from '../../kube/objects.js';
import { bytes, cpuMillis } from '../controllers/quantity.js';
import { behaviourOf, type ContainerSpec } from './container-behaviour.js';
import type { HostState } from './host.js';
import { capacityOf } from './node-object.js';
import type { PodRuntime } from './pod-runtime.js';

/**
 * What metrics-server would report (metrics.k8s.io/v1beta1), from what the simulation knows: a container's
 * memory is its simulated working set (sim.gameday.io/memory-usage), else its request; its CPU a third of
 * its request (a few millicores without one). A node adds its system daemons and whatever runs outside
 * Kubernetes (a memory hog, an overload). Only running containers count, and only nodes whose kubelet
 * answers are listed, as metrics-server scrapes the kubelets.
 */
const SYSTEM_MEMORY = 1536 * 1024 * 1024;
const SYSTEM_CPU_MILLIS = 150;

export interface ContainerUsage {
  name: string;
  cpuNanos: number;
  memoryBytes: number;
}

/** A small stable variation per name, so that replicas do not all show the same figures. */
function jitter(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return 0.9 + ((h >>> 0) % 2000) / 10000;
}

export function containerUsage(rt: PodRuntime): ContainerUsage[] {
  const pod = rt.pod;
  const out: ContainerUsage[] = [];
  for (const c of (pod.spec?.containers ?? []) as ContainerSpec[]) {
    if (!rt.running(c.name)) continue;
    const j = jitter(`${pod.metadata.name}/${c.name}`);
    const request = cpuMillis(c.resources?.requests?.cpu ?? c.resources?.limits?.cpu);
    const cpuMillisUsed = request > 0 ? (request / 3) * j : 2 * j;
    const memory =
      behaviourOf(pod, c).memoryUsage ??
      bytes(c.resources?.requests?.memory ?? c.resources?.limits?.memory ?? '16Mi') * j;
    out.push({ name: c.name, cpuNanos: Math.round(cpuMillisUsed * 1e6), memoryBytes: Math.round(memory) });
  }
  return out;
}

export function podMetrics(rt: PodRuntime, now: number): KubeObject | undefined {
  const containers = containerUsage(rt);
  if (containers.length === 0) return undefined;
  const pod = rt.pod;
  return {
    kind: 'PodMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: {
      name: pod.metadata.name,
      namespace: pod.metadata.namespace ?? 'default',
      creationTimestamp: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}),
    },
    timestamp: new Date(now - 7_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    window: '15s',
    containers: containers.map((c) => ({ name: c.name, usage: usage(c.cpuNanos, c.memoryBytes) })),
  };
}

export function nodeMetrics(host: HostState, runtimes: PodRuntime[], now: number): KubeObject {
  const cap = capacityOf(host);
  let cpu = SYSTEM_CPU_MILLIS * 1e6;
  let memory = SYSTEM_MEMORY + host.memoryPressureBytes;
  for (const rt of runtimes) {
    for (const c of containerUsage(rt)) {
      cpu += c.cpuNanos;
      memory += c.memoryBytes;
    }
  }
  // An overloaded node's CPUs are saturated.
  const cpuCapacity = cpuMillis(cap.cpu) * 1e6;
  if (host.overloaded) cpu = Math.max(cpu, cpuCapacity * 0.98);
  return {
    kind: 'NodeMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: {
      name: host.name,
      creationTimestamp: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
    timestamp: new Date(now - 7_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    window: '20.05s',
    usage: usage(Math.min(cpu, cpuCapacity), Math.min(memory, cap.memoryBytes)),
  };
}

function usage(cpuNanos: number, memoryBytes: number): { cpu: string; memory: string } {
  return { cpu: `${Math.round(cpuNanos)}n`, memory: `${Math.round(memoryBytes / 1024)}Ki` };
}
