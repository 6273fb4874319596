import { cpus, totalmem } from 'node:os';
import { httpCall } from './http.js';

export interface ApiAccess {
  server: string;
  token: string;
  /** PEM of the CA the apiserver's certificate must come from. */
  ca?: string;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

/** A MicroTime, as Lease.spec.renewTime is. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * What the kubelet does towards the apiserver for its own node: register it, renew its Lease in
 * kube-node-lease (leaseDurationSeconds 40), and post its status (conditions, addresses, boot id).
 */
export class KubeletApi {
  constructor(
    private readonly api: ApiAccess,
    private readonly node: string,
  ) {}

  private async call(method: string, path: string, body?: unknown, contentType?: string): Promise<unknown> {
    const r = await httpCall(this.api.server.replace(/\/+$/, '') + path, {
      method,
      token: this.api.token,
      ...(this.api.ca ? { ca: this.api.ca } : {}),
      ...(body !== undefined ? { body } : {}),
      ...(contentType ? { contentType } : {}),
    });
    if (r.status === 404) return undefined;
    if (r.status < 200 || r.status >= 300)
      throw new ApiError(`${method} ${path}: HTTP ${r.status}: ${r.body.slice(0, 200)}`, r.status);
    return r.body ? (JSON.parse(r.body) as unknown) : {};
  }

  getNode(): Promise<Record<string, any> | undefined> {
    return this.call('GET', `/api/v1/nodes/${this.node}`) as Promise<Record<string, any> | undefined>;
  }

  /** A host that was never part of the cluster joins it, as `kubeadm join` then the kubelet do. */
  async register(internalIP: string, labels: Record<string, string>): Promise<void> {
    const capacity = { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: '110' };
    await this.call('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.node,
        labels: {
          'kubernetes.io/hostname': this.node,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          ...labels,
        },
      },
      status: {
        capacity,
        allocatable: capacity,
        addresses: [
          { type: 'InternalIP', address: internalIP },
          { type: 'Hostname', address: this.node },
        ],
      },
    });
  }

  async renewLease(now: number): Promise<void> {
    const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${this.node}`;
    const spec = { holderIdentity: this.node, leaseDurationSeconds: 40, renewTime: microTime(now) };
    const lease = (await this.call('GET', path)) as Record<string, any> | undefined;
    if (lease) {
      await this.call('PUT', path, { ...lease, spec: { ...lease['spec'], ...spec } });
      return;
    }
    const node = await this.getNode();
    await this.call('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.node,
        namespace: 'kube-node-lease',
        ...(node?.['metadata']?.uid
          ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.node, uid: node['metadata'].uid }] }
          : {}),
      },
      spec,
    });
  }

  /**
   * Post the node's conditions when they changed, when the boot id or address changed, or every
   * `reportEveryMs` (nodeStatusReportFrequency) otherwise. Returns whether it posted.
   */
  async postStatus(
    o: {
      runtimeDownSince: number | undefined;
      /** bootID, osImage, kernelVersion, containerRuntimeVersion: what the host really is. */
      nodeInfo: Record<string, string>;
      internalIP: string;
      now: number;
    },
    lastPostAt: number,
    reportEveryMs: number,
  ): Promise<boolean> {
    const node = await this.getNode();
    if (!node) return false;
    const current = (node['status']?.conditions ?? []) as Condition[];
    const desired = desiredConditions(o.runtimeDownSince, o.now);
    const iso = rfc3339(o.now);
    let changed = false;
    const conditions: Condition[] = desired.map((d) => {
      const cur = current.find((c) => c.type === d.type);
      if (!cur || cur.status !== d.status || cur.reason !== d.reason || cur.message !== d.message) changed = true;
      return {
        ...d,
        lastHeartbeatTime: iso,
        lastTransitionTime: cur && cur.status === d.status ? (cur.lastTransitionTime ?? iso) : iso,
      };
    });
    const addresses = [
      { type: 'InternalIP', address: o.internalIP },
      { type: 'Hostname', address: this.node },
    ];
    const info = (node['status']?.nodeInfo ?? {}) as Record<string, string>;
    const infoChanged = Object.entries(o.nodeInfo).some(([k, v]) => info[k] !== v);
    const addrChanged = JSON.stringify(node['status']?.addresses ?? []) !== JSON.stringify(addresses);
    if (!changed && !infoChanged && !addrChanged && o.now - lastPostAt < reportEveryMs) return false;
    await this.call(
      'PATCH',
      `/api/v1/nodes/${this.node}/status`,
      { status: { conditions, addresses, nodeInfo: o.nodeInfo } },
      'application/merge-patch+json',
    );
    return true;
  }
}

/** The kubelet's node conditions, with its reasons and messages. */
export function desiredConditions(runtimeDownSince: number | undefined, now: number): Condition[] {
  let ready: Condition = {
    type: 'Ready',
    status: 'True',
    reason: 'KubeletReady',
    message: 'kubelet is posting ready status',
  };
  if (runtimeDownSince !== undefined) {
    const down = Math.floor((now - runtimeDownSince) / 1000);
    const pleg =
      down >= 180
        ? `, PLEG is not healthy: pleg was last seen active ${Math.floor(down / 60)}m${down % 60}s ago; threshold is 3m0s`
        : '';
    ready = { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: `container runtime is down${pleg}` };
  }
  return [
    {
      type: 'MemoryPressure',
      status: 'False',
      reason: 'KubeletHasSufficientMemory',
      message: 'kubelet has sufficient memory available',
    },
    {
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
