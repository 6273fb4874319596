import { InfrastructureError, InvalidInputError } from '../../errors.js';
import type {
  ControlPlaneComponent,
  EtcdEndpointHealth,
  EtcdMember,
  EtcdOps,
  EtcdSnapshot,
  NewNodeSpec,
  NodeOps,
  NodeService,
  ServiceAction,
  WriteResult,
} from '../../targets/target.js';

/** The path of a running simulator's control endpoint, under each simulated cluster's server URL. */
export const CONTROL_PATH = '/gameday/v1/ops';

export type RemoteOpsTarget = 'nodes' | 'etcd';

/** What the control endpoint accepts: one NodeOps or EtcdOps method call with JSON arguments. */
export interface RemoteOpsRequest {
  target: RemoteOpsTarget;
  method: string;
  args: unknown[];
}

/** What it answers: the method's result, or the error message it threw (with a 4xx/5xx status). */
export type RemoteOpsResponse = { result?: unknown } | { error: string };

/**
 * Calls one method of a running simulator's NodeOps or EtcdOps over its control endpoint. A 4xx answer is
 * the caller's mistake (an unknown node, a member that does not exist): InvalidInputError, so the message
 * reads as the simulator wrote it. Anything else that goes wrong is an InfrastructureError naming the URL.
 */
export class RemoteOpsClient {
  readonly url: string;

  constructor(
    serverUrl: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.url = serverUrl.replace(/\/+$/, '') + CONTROL_PATH;
  }

  async call<T>(target: RemoteOpsTarget, method: string, args: unknown[]): Promise<T> {
    const body: RemoteOpsRequest = { target, method, args };
    let res: Response;
    try {
      res = await this.fetchImpl(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (err) {
      throw new InfrastructureError(
        `Cannot reach the simulator's control endpoint ${this.url}: ${causeOf(err)}. Is \`gameday sim up\` still running?`,
        { cause: err },
      );
    }
    const text = await res.text();
    let parsed: RemoteOpsResponse | undefined;
    try {
      parsed = text ? (JSON.parse(text) as RemoteOpsResponse) : {};
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const message =
        parsed && 'error' in parsed ? parsed.error : `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
      const Err = res.status >= 400 && res.status < 500 ? InvalidInputError : InfrastructureError;
      throw new Err(`${target}.${method}: ${message}`);
    }
    if (!parsed)
      throw new InfrastructureError(
        `${target}.${method}: the control endpoint ${this.url} answered with something that is not JSON.`,
      );
    if ('error' in parsed) throw new InfrastructureError(`${target}.${method}: ${parsed.error}`);
    return parsed.result as T;
  }
}

function causeOf(err: unknown): string {
  const e = err as { cause?: { code?: string; message?: string }; message?: string };
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/** NodeOps of a simulator running in another process. */
export class RemoteNodeOps implements NodeOps {
  constructor(private readonly client: RemoteOpsClient) {}
  private call<T = void>(method: keyof NodeOps, ...args: unknown[]): Promise<T> {
    return this.client.call<T>('nodes', method, args);
  }
  service(node: string, service: NodeService, action: ServiceAction): Promise<void> {
    return this.call('service', node, service, action);
  }
  power(node: string, action: 'off' | 'on'): Promise<void> {
    return this.call('power', node, action);
  }
  network(node: string, action: 'disconnect' | 'connect'): Promise<void> {
    return this.call('network', node, action);
  }
  freeze(node: string, action: 'pause' | 'unpause'): Promise<void> {
    return this.call('freeze', node, action);
  }
  manifest(node: string, component: ControlPlaneComponent, action: 'out' | 'in'): Promise<void> {
    return this.call('manifest', node, component, action);
  }
  pressure(node: string, resource: 'memory' | 'disk', amount: string): Promise<void> {
    return this.call('pressure', node, resource, amount);
  }
  relieve(node: string, resource: 'memory' | 'disk'): Promise<void> {
    return this.call('relieve', node, resource);
  }
  overload(node: string, action: 'start' | 'stop'): Promise<void> {
    return this.call('overload', node, action);
  }
  addNode(spec: NewNodeSpec): Promise<string> {
    return this.call<string>('addNode', spec);
  }
  removeNode(node: string): Promise<void> {
    return this.call('removeNode', node);
  }
  serviceState(node: string, service: NodeService): Promise<'active' | 'inactive' | 'unknown'> {
    return this.call('serviceState', node, service);
  }
}

/** EtcdOps of a simulator running in another process. */
export class RemoteEtcdOps implements EtcdOps {
  constructor(private readonly client: RemoteOpsClient) {}
  private call<T = void>(method: keyof EtcdOps, ...args: unknown[]): Promise<T> {
    return this.client.call<T>('etcd', method, args);
  }
  members(): Promise<EtcdMember[]> {
    return this.call('members');
  }
  running(): Promise<string[]> {
    return this.call('running');
  }
  stopMember(name: string, how: 'kill' | 'stop' | 'pause'): Promise<void> {
    return this.call('stopMember', name, how);
  }
  startMember(name: string): Promise<void> {
    return this.call('startMember', name);
  }
  health(): Promise<EtcdEndpointHealth[]> {
    return this.call('health');
  }
  snapshotSave(label?: string): Promise<EtcdSnapshot> {
    return label === undefined ? this.call('snapshotSave') : this.call('snapshotSave', label);
  }
  restoreSingle(member: string, snapshot: EtcdSnapshot): Promise<void> {
    return this.call('restoreSingle', member, snapshot);
  }
  memberRemove(name: string): Promise<void> {
    return this.call('memberRemove', name);
  }
  memberAdd(name: string, node?: string): Promise<EtcdMember> {
    return node === undefined ? this.call('memberAdd', name) : this.call('memberAdd', name, node);
  }
  pointApiserver(members: string[]): Promise<void> {
    return this.call('pointApiserver', members);
  }
  async write(key: string, value: string): Promise<WriteResult> {
    return this.call('write', key, value);
  }
  /** Maps do not survive JSON: the endpoint sends the entries as [key, value] pairs (or an object). */
  async read(prefix: string): Promise<Map<string, string>> {
    const raw = await this.call<[string, string][] | Record<string, string>>('read', prefix);
    return new Map(Array.isArray(raw) ? raw : Object.entries(raw ?? {}));
  }
}

/** Both sets of operations of one simulated cluster, from its server URL (the kubeconfig's `server`). */
export function remoteOps(
  serverUrl: string,
  fetchImpl?: typeof fetch,
): { nodes: NodeOps; etcd: EtcdOps; client: RemoteOpsClient } {
  const client = new RemoteOpsClient(serverUrl, fetchImpl);
  return { nodes: new RemoteNodeOps(client), etcd: new RemoteEtcdOps(client), client };
}

/**
 * The server side, for the integrator's control endpoint and for tests: runs one request against local ops
 * and says which status to answer with. Unknown targets and methods are 400; errors the ops throw keep
 * their message, with 400 for InvalidInputError (the caller named something wrong) and 500 otherwise.
 */
export async function dispatchRemoteOps(
  request: unknown,
  ops: { nodes: NodeOps; etcd: EtcdOps },
): Promise<{ status: number; body: RemoteOpsResponse }> {
  const r = request as Partial<RemoteOpsRequest> | null;
  if (
    !r ||
    (r.target !== 'nodes' && r.target !== 'etcd') ||
    typeof r.method !== 'string' ||
    !Array.isArray(r.args ?? [])
  ) {
    return { status: 400, body: { error: 'expected {"target": "nodes" | "etcd", "method": "<name>", "args": [...]}' } };
  }
  const impl = (r.target === 'nodes' ? ops.nodes : ops.etcd) as unknown as Record<string, unknown>;
  const fn = impl[r.method];
  if (r.method === 'constructor' || typeof fn !== 'function') {
    return { status: 400, body: { error: `unknown ${r.target} method "${r.method}"` } };
  }
  try {
    const result: unknown = await (fn as (...a: unknown[]) => unknown).apply(impl, r.args ?? []);
    return { status: 200, body: { result: result instanceof Map ? [...result.entries()] : result } };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { status: err instanceof InvalidInputError ? 400 : 500, body: { error: message } };
  }
}
