import type { KubeConfig } from '@kubernetes/client-node';
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
  PowerAction,
  ServiceAction,
  WriteResult,
} from '../../targets/target.js';

/** The path of a running simulator's control endpoint, under each simulated cluster's server URL. */
export const CONTROL_PATH = '/gameday/v1/ops';
/** What a running simulator says about itself (cluster, nodes, clock, speed). */
export const INFO_PATH = '/gameday/v1/info';

export interface RemoteOpsOptions {
  /**
   * The kubeconfig (current context: this cluster) whose credentials and certificate authority the calls
   * use, as client-node's own requests do: the user's token, and the simulator's certificate over https.
   */
  kubeConfig?: KubeConfig;
  /** A bearer token given directly, for a plain-http simulator reached without a kubeconfig. */
  token?: string | undefined;
  fetchImpl?: typeof fetch;
}

interface Answer {
  status: number;
  ok: boolean;
  text(): Promise<string>;
}

/** What `GET /gameday/v1/info` answers. */
export interface SimInfo {
  cluster: string;
  nodes: string[];
  clock: string;
  now: number;
  speed: number;
  /** New at each start: a simulator started again is another cluster (its journals do not apply). */
  instance?: string;
}

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
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private readonly token: string | undefined;
  private readonly kubeConfig: KubeConfig | undefined;

  constructor(serverUrl: string, options: RemoteOpsOptions = {}) {
    this.base = serverUrl.replace(/\/+$/, '');
    this.url = this.base + CONTROL_PATH;
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.kubeConfig = options.kubeConfig;
    this.token = options.token ?? options.kubeConfig?.getCurrentUser()?.token;
  }

  private async request(url: string, init: { method: string; body?: string; signal?: AbortSignal }): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.kubeConfig) {
      // client-node's connection settings (the https agent trusting the simulator's certificate, the
      // token) go with node-fetch, as in src/kube/client.ts.
      const opts = (await this.kubeConfig.applyToFetchOptions({})) as Record<string, unknown>;
      // client-node hands back node-fetch Headers, not a plain object.
      const given = new Headers(opts.headers as Record<string, string> | undefined);
      for (const [k, v] of Object.entries(headers)) given.set(k, v);
      const nodeFetch = (await import('node-fetch')).default;
      // node-fetch's own AbortSignal type is older than the DOM's; the object is the same.
      return nodeFetch(url, {
        ...(opts as object),
        ...init,
        headers: Object.fromEntries(given.entries()),
      } as Parameters<typeof nodeFetch>[1]);
    }
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    return this.fetchImpl(url, { ...init, headers });
  }

  private async send(url: string, init: { method: string; body?: string; signal?: AbortSignal }): Promise<Answer> {
    let res: Answer;
    try {
      res = await this.request(url, init);
    } catch (err) {
      throw new InfrastructureError(
        `Cannot reach the simulator's control endpoint ${url}: ${causeOf(err)}. Is \`gameday sim up\` still running?`,
        { cause: err },
      );
    }
    if (res.status === 401) {
      throw new InvalidInputError(
        `${this.base} refused the credentials (401 Unauthorized): ${
          this.token === undefined
            ? 'the kubeconfig user has no token'
            : "the kubeconfig user's token is not the simulator's"
        }. Each start of \`gameday sim up\` writes a new token into its kubeconfig: use the kubeconfig of the running simulator (for a real cluster, use --target kind or lab).`,
      );
    }
    return res;
  }

  /**
   * What the simulator says about itself. An InfrastructureError when the server does not answer as a
   * simulator; an InvalidInputError when it refuses the credentials.
   */
  async info(): Promise<SimInfo> {
    const url = this.base + INFO_PATH;
    const res = await this.send(url, { method: 'GET', signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    let parsed: Partial<SimInfo> | undefined;
    try {
      parsed = JSON.parse(text) as Partial<SimInfo>;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) throw new InfrastructureError(`GET ${INFO_PATH}: HTTP ${res.status}`);
    if (!parsed || typeof parsed !== 'object' || typeof parsed.cluster !== 'string')
      throw new InfrastructureError(`GET ${INFO_PATH}: it answered, but not as a simulator`);
    return {
      cluster: String(parsed.cluster ?? ''),
      nodes: Array.isArray(parsed.nodes) ? parsed.nodes.map(String) : [],
      clock: String(parsed.clock ?? ''),
      now: Number(parsed.now ?? 0),
      speed: Number(parsed.speed ?? 1) || 1,
      ...(typeof parsed.instance === 'string' ? { instance: parsed.instance } : {}),
    };
  }

  async call<T>(target: RemoteOpsTarget, method: string, args: unknown[]): Promise<T> {
    const body: RemoteOpsRequest = { target, method, args };
    const res = await this.send(this.url, { method: 'POST', body: JSON.stringify(body) });
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
  power(node: string, action: PowerAction): Promise<void> {
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
  options: RemoteOpsOptions = {},
): { nodes: NodeOps; etcd: EtcdOps; client: RemoteOpsClient } {
  const client = new RemoteOpsClient(serverUrl, options);
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
