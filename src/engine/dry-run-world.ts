import jsonpatch, { type Operation } from 'fast-json-patch';
import { KubeApiError } from '../kube/errors.js';
import type { DeleteOptions, EvictionResult, Informer, Kube, ListOptions, PatchType } from '../kube/kube.js';
import type { KubeObject } from '../kube/objects.js';
import type { ResourceName } from '../kube/resources.js';
import type { NewNodeSpec, NodeOps } from '../targets/target.js';

type Entry = { object: KubeObject } | { deleted: true };

const keyOf = (resource: ResourceName, name: string, namespace?: string): string =>
  `${resource}|${namespace ?? ''}|${name}`;

/**
 * What a dry run would have changed, remembered so that the rest of the plan reads it back: a step that
 * acts on the Deployment a fault creates (set-resources after create-pending-pod), a probe naming the node
 * add-node joins. Writes still go nowhere (the target's dry-run client records and skips them); reads see
 * the cluster with the drill's own changes laid over it. Only what the drill does is known: what
 * Kubernetes would do in answer (new ReplicaSets, rescheduled pods) is not invented.
 */
export class DryRunWorld {
  private readonly entries = new Map<string, Entry>();
  /**
   * Per client, not per cluster: the faults, the steps and the rollback each reach a cluster through a client
   * of their own (the faults' refuses writes once the drill is over), all over the same world.
   */
  private readonly kubes = new WeakMap<Kube, Kube>();

  kube(inner: Kube): Kube {
    let k = this.kubes.get(inner);
    if (!k) {
      k = new DryRunKube(inner, this);
      this.kubes.set(inner, k);
    }
    return k;
  }

  /** Host operations as they are, except that a node joined or removed shows in the plan's reads. */
  nodes(inner: NodeOps, kube: Kube): NodeOps {
    const put = (o: KubeObject): void => this.put(kube.cluster, 'nodes', o);
    const remove = (name: string): void => this.remove(kube.cluster, 'nodes', name);
    return new Proxy(inner, {
      get(t, prop, receiver) {
        if (prop === 'addNode')
          return async (spec: NewNodeSpec): Promise<string> => {
            const name = await t.addNode(spec);
            put(joinedNode(name, spec));
            return name;
          };
        if (prop === 'removeNode')
          return async (node: string): Promise<void> => {
            await t.removeNode(node);
            remove(node);
          };
        const value = Reflect.get(t, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      },
    });
  }

  entry(cluster: string, resource: ResourceName, name: string, namespace?: string): Entry | undefined {
    return this.entries.get(`${cluster}|${keyOf(resource, name, namespace)}`);
  }

  put(cluster: string, resource: ResourceName, object: KubeObject): void {
    this.entries.set(`${cluster}|${keyOf(resource, object.metadata.name, object.metadata.namespace)}`, {
      object: structuredClone(object),
    });
  }

  remove(cluster: string, resource: ResourceName, name: string, namespace?: string): void {
    this.entries.set(`${cluster}|${keyOf(resource, name, namespace)}`, { deleted: true });
  }

  /** The objects of a resource the drill created or changed (and those it deleted), in one cluster. */
  changed(cluster: string, resource: ResourceName): { key: string; entry: Entry }[] {
    const prefix = `${cluster}|${resource}|`;
    return [...this.entries]
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, entry]) => ({ key: k.slice(cluster.length + 1), entry }));
  }
}

function joinedNode(name: string, spec: NewNodeSpec): KubeObject {
  const role = spec.role === 'master' ? { 'node-role.kubernetes.io/master': '' } : {};
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...role, ...(spec.labels ?? {}) } },
    spec: {},
    status: {
      capacity: { ...(spec.cpu ? { cpu: spec.cpu } : {}), ...(spec.memory ? { memory: spec.memory } : {}) },
      allocatable: { ...(spec.cpu ? { cpu: spec.cpu } : {}), ...(spec.memory ? { memory: spec.memory } : {}) },
      conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeJoining' }],
    },
  };
}

/** A label selector of equalities and existence ("app=x,tier"); anything richer is not evaluated. */
function simpleSelector(selector: string): ((labels: Record<string, string>) => boolean) | undefined {
  const parts = selector.split(',').map((p) => p.trim());
  const tests: ((l: Record<string, string>) => boolean)[] = [];
  for (const p of parts) {
    const eq = /^([\w./-]+)\s*==?\s*([\w.-]*)$/.exec(p);
    if (eq) tests.push((l) => l[eq[1]!] === eq[2]);
    else if (/^[\w./-]+$/.test(p)) tests.push((l) => l[p] !== undefined);
    else return undefined;
  }
  return (labels) => tests.every((t) => t(labels));
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A merge patch (RFC 7386); with `byName`, lists of named objects (containers) merge item by item as a
 * strategic merge patch does for them.
 */
function merge(target: unknown, patch: unknown, byName: boolean): unknown {
  if (byName && Array.isArray(patch) && Array.isArray(target)) {
    const named = (a: unknown[]): boolean => a.every((x) => isObj(x) && typeof x['name'] === 'string');
    if (named(patch) && named(target)) {
      const out = target.map((t) => {
        const p = patch.find((x) => (x as { name: string }).name === (t as { name: string }).name);
        return p === undefined ? t : merge(t, p, byName);
      });
      for (const p of patch)
        if (!target.some((t) => (t as { name: string }).name === (p as { name: string }).name)) out.push(p);
      return out;
    }
  }
  if (!isObj(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v, byName);
  }
  return out;
}

function patched(base: KubeObject, patch: unknown, type: PatchType): KubeObject {
  if (type === 'json') {
    try {
      return jsonpatch.applyPatch(structuredClone(base), patch as Operation[], false, false).newDocument;
    } catch {
      return base;
    }
  }
  return merge(base, patch, type === 'strategic') as KubeObject;
}

const REVISION = 'deployment.kubernetes.io/revision';

/**
 * A Deployment whose pod template changed is a new revision, the old one kept in its ReplicaSet: the one
 * thing the deployment controller does that a later step reads at once (rollout undo after a bad image).
 */
function revised(resource: ResourceName, before: KubeObject, after: KubeObject): KubeObject {
  if (resource !== 'deployments') return after;
  const template = (o: KubeObject): string => JSON.stringify((o.spec as { template?: unknown } | undefined)?.template);
  if (template(before) === template(after)) return after;
  const revision = Number(before.metadata.annotations?.[REVISION] ?? 0);
  if (!Number.isFinite(revision) || revision === 0) return after;
  return {
    ...after,
    metadata: { ...after.metadata, annotations: { ...after.metadata.annotations, [REVISION]: String(revision + 1) } },
  };
}

class DryRunKube implements Kube {
  constructor(
    private readonly inner: Kube,
    private readonly world: DryRunWorld,
  ) {}

  get cluster(): string {
    return this.inner.cluster;
  }
  get config(): Kube['config'] {
    return this.inner.config;
  }
  get dryRun(): boolean {
    return this.inner.dryRun;
  }

  async list(
    resource: ResourceName,
    options: ListOptions = {},
  ): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const real = await this.inner.list(resource, options);
    const changed = this.world.changed(this.cluster, resource);
    if (changed.length === 0) return real;
    const key = (o: KubeObject): string => keyOf(resource, o.metadata.name, o.metadata.namespace);
    const mine = new Map(changed.map((c) => [c.key, c.entry]));
    const items = real.items
      .filter((o) => !mine.has(key(o)))
      .concat(
        changed.flatMap(({ entry }) => {
          if (!('object' in entry)) return [];
          const o = entry.object;
          if (options.namespace !== undefined && o.metadata.namespace !== options.namespace) return [];
          if (options.fieldSelector) return [];
          if (options.labelSelector) {
            const test = simpleSelector(options.labelSelector);
            if (!test?.(o.metadata.labels ?? {})) return [];
          }
          return [structuredClone(o)];
        }),
      );
    return { items, resourceVersion: real.resourceVersion };
  }

  async get(resource: ResourceName, name: string, namespace?: string): Promise<KubeObject | undefined> {
    const e = this.world.entry(this.cluster, resource, name, namespace);
    if (e) return 'object' in e ? structuredClone(e.object) : undefined;
    return this.inner.get(resource, name, namespace);
  }

  async create(resource: ResourceName, obj: KubeObject): Promise<KubeObject> {
    const out = await this.inner.create(resource, obj);
    if (obj.metadata.name && (await this.get(resource, obj.metadata.name, obj.metadata.namespace))) {
      throw new KubeApiError(
        409,
        'AlreadyExists',
        `${this.cluster}: ${resource} "${obj.metadata.name}" already exists (as the dry run has it)`,
      );
    }
    if (obj.metadata.name) this.world.put(this.cluster, resource, { ...out, metadata: { ...out.metadata } });
    return out;
  }

  async replace(resource: ResourceName, obj: KubeObject): Promise<KubeObject> {
    const base = await this.get(resource, obj.metadata.name, obj.metadata.namespace);
    const out = await this.inner.replace(resource, obj);
    this.world.put(this.cluster, resource, base ? revised(resource, base, out) : out);
    return out;
  }

  async patch(
    resource: ResourceName,
    name: string,
    patch: unknown,
    options: { namespace?: string | undefined; type: PatchType },
  ): Promise<KubeObject> {
    const base = await this.get(resource, name, options.namespace);
    const out = await this.inner.patch(resource, name, patch, options);
    if (!base) return out;
    const next = revised(resource, base, patched(base, patch, options.type));
    this.world.put(this.cluster, resource, next);
    return structuredClone(next);
  }

  async delete(resource: ResourceName, name: string, options: DeleteOptions = {}): Promise<void> {
    await this.inner.delete(resource, name, options);
    this.world.remove(this.cluster, resource, name, options.namespace);
  }

  async evict(namespace: string, name: string): Promise<EvictionResult> {
    const r = await this.inner.evict(namespace, name);
    if (r.evicted) this.world.remove(this.cluster, 'pods', name, namespace);
    return r;
  }

  async scale(
    resource: 'deployments' | 'statefulsets' | 'replicasets',
    namespace: string,
    name: string,
    replicas: number,
  ): Promise<void> {
    const base = await this.get(resource, name, namespace);
    await this.inner.scale(resource, namespace, name, replicas);
    if (base) this.world.put(this.cluster, resource, { ...base, spec: { ...(base.spec ?? {}), replicas } });
  }

  informer(resource: ResourceName, options?: ListOptions): Informer {
    return this.inner.informer(resource, options);
  }

  raw(path: string): Promise<{ status: number; body: string }> {
    return this.inner.raw(path);
  }

  close(): void {
    this.inner.close();
  }
}
