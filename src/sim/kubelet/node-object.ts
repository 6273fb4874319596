import type { Condition, KubeObject } from '../../kube/objects.js';
import type { SimParams } from '../params.js';
import { bytes, tryParseQuantity } from '../controllers/quantity.js';
import type { HostState } from './host.js';
import { goDuration } from './go-duration.js';

export const DEFAULTS = { cpu: '8', memory: '32Gi', pods: 110, disk: '100Gi' };

export interface NodeCapacity {
  cpu: string;
  memoryBytes: number;
  pods: number;
  diskBytes: number;
}

export function capacityOf(host: HostState): NodeCapacity {
  return {
    cpu: host.spec.cpu ?? DEFAULTS.cpu,
    memoryBytes: bytes(host.spec.memory ?? DEFAULTS.memory),
    pods: host.spec.pods ?? DEFAULTS.pods,
    diskBytes: bytes(host.spec.disk ?? DEFAULTS.disk),
  };
}

/** A threshold such as "100Mi" or "10%" of `capacity`, in bytes. */
export function threshold(value: string, capacity: number): number {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  if (pct) return (Number(pct[1]) / 100) * capacity;
  return tryParseQuantity(value) ?? 0;
}

const ki = (n: number): string => `${Math.floor(n / 1024)}Ki`;

/** The Node object the kubelet registers, kubeadm-style, for Kubernetes v1.13 on CentOS 7 with Docker. */
export function nodeObject(host: HostState, params: SimParams): KubeObject {
  const cap = capacityOf(host);
  const spec = host.spec;
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/os': 'linux',
    'kubernetes.io/hostname': spec.name,
    [host.isMaster ? 'node-role.kubernetes.io/master' : 'node-role.kubernetes.io/node']: '',
  };
  if (spec.zone) {
    labels['failure-domain.beta.kubernetes.io/zone'] = spec.zone;
    labels['topology.kubernetes.io/zone'] = spec.zone;
  }
  Object.assign(labels, spec.labels);
  const nodeSpec: Record<string, unknown> = { podCIDR: podCIDR(host), podCIDRs: [podCIDR(host)] };
  if (spec.taints?.length) nodeSpec.taints = spec.taints.map((t) => ({ ...t }));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels,
      annotations: {
        'kubeadm.alpha.kubernetes.io/cri-socket': '/var/run/dockershim.sock',
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: nodeSpec,
    status: {
      capacity: {
        cpu: cap.cpu,
        memory: ki(cap.memoryBytes),
        pods: String(cap.pods),
        'ephemeral-storage': ki(cap.diskBytes),
        'hugepages-1Gi': '0',
        'hugepages-2Mi': '0',
      },
      allocatable: {
        cpu: cap.cpu,
        memory: ki(cap.memoryBytes - threshold(params.evictionHardMemoryAvailable, cap.memoryBytes)),
        pods: String(cap.pods),
        'ephemeral-storage': String(
          Math.floor(cap.diskBytes - threshold(params.evictionHardNodefsAvailable, cap.diskBytes)),
        ),
        'hugepages-1Gi': '0',
        'hugepages-2Mi': '0',
      },
      conditions: [],
      addresses: [
        { type: 'InternalIP', address: host.ip },
        { type: 'Hostname', address: spec.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: machineId(spec.name),
        systemUUID: machineId(`uuid/${spec.name}`).toUpperCase(),
        bootID: host.bootId,
        kernelVersion: '3.10.0-957.27.2.el7.x86_64',
        osImage: 'CentOS Linux 7 (Core)',
        containerRuntimeVersion: 'docker://18.9.9',
        kubeletVersion: params.kubeletVersion,
        kubeProxyVersion: params.kubeletVersion,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

export function podCIDR(host: HostState): string {
  return `10.244.${host.index % 256}.0/24`;
}

function machineId(seed: string): string {
  let out = '';
  let h = 0x811c9dc5;
  for (let i = 0; out.length < 32; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i % seed.length) ^ i, 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 32);
}

export interface NodeHealth {
  runtimeDownSince: number | undefined;
  joining: boolean;
  memoryPressure: boolean;
  diskPressure: boolean;
}

type Desired = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

/** The conditions the kubelet reports, with the reasons and messages it uses. */
export function desiredConditions(h: NodeHealth, now: number, params: SimParams): Desired[] {
  let ready: Desired = {
    type: 'Ready',
    status: 'True',
    reason: 'KubeletReady',
    message: 'kubelet is posting ready status',
  };
  if (h.runtimeDownSince !== undefined) {
    const down = now - h.runtimeDownSince;
    const pleg =
      down >= params.plegRelistThreshold
        ? `, PLEG is not healthy: pleg was last seen active ${goDuration(Math.floor(down / 1000) * 1000)} ago; threshold is ${goDuration(params.plegRelistThreshold)}`
        : '';
    ready = { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: `container runtime is down${pleg}` };
  } else if (h.joining) {
    ready = {
      type: 'Ready',
      status: 'False',
      reason: 'KubeletNotReady',
      message:
        'container runtime status check may not have completed yet, PLEG is not healthy: pleg has yet to be successful',
    };
  }
  return [
    h.memoryPressure
      ? {
          type: 'MemoryPressure',
          status: 'True',
          reason: 'KubeletHasInsufficientMemory',
          message: 'kubelet has insufficient memory available',
        }
      : {
          type: 'MemoryPressure',
          status: 'False',
          reason: 'KubeletHasSufficientMemory',
          message: 'kubelet has sufficient memory available',
        },
    h.diskPressure
      ? { type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure' }
      : {
          type: 'DiskPressure',
          status: 'False',
          reason: 'KubeletHasNoDiskPressure',
          message: 'kubelet has no disk pressure',
        },
    {
      type: 'PIDPressure',
      status: 'False',
      reason: 'KubeletHasSufficientPID',
      message: 'kubelet has sufficient PID available',
    },
    ready,
  ];
}

/**
 * Merge desired conditions into the node's current ones: heartbeat now, transition time kept unless the
 * status changed. Returns whether anything but heartbeats changed.
 */
export function mergeConditions(
  current: Condition[],
  desired: Desired[],
  nowIso: string,
): { conditions: Condition[]; changed: boolean } {
  let changed = false;
  const out: Condition[] = [];
  for (const d of desired) {
    const cur = current.find((c) => c.type === d.type);
    if (!cur || cur.status !== d.status || cur.reason !== d.reason || cur.message !== d.message) changed = true;
    const c: Condition = {
      type: d.type,
      status: d.status,
      lastHeartbeatTime: nowIso,
      lastTransitionTime: cur && cur.status === d.status && cur.lastTransitionTime ? cur.lastTransitionTime : nowIso,
    };
    if (d.reason !== undefined) c.reason = d.reason;
    if (d.message !== undefined) c.message = d.message;
    out.push(c);
  }
  for (const c of current) if (!desired.some((d) => d.type === c.type)) out.push(c);
  return { conditions: out, changed };
}
