import { KubeConfig } from '@kubernetes/client-node';
import { RealClock, type Clock } from '../../engine/clock.js';
import { InvalidInputError } from '../../errors.js';
import { createKube } from '../../kube/client.js';
import type { Kube } from '../../kube/kube.js';
import { CommandRunner, type Exec } from '../common/command-runner.js';
import { RunbookEtcdOps } from '../common/runbook-etcd.js';
import { ActionLog, type Capability, type EtcdOps, type NodeOps, type Target } from '../target.js';
import { findKindNodes, nodesNetwork, type KindNode } from './kind-cluster.js';
import { KindEtcdHost } from './kind-etcd-host.js';
import { KIND_CANNOT_ADD, KIND_CANNOT_PRESSURE, kindCannotRemove, KindNodeOps } from './kind-node-ops.js';

/** Options of `createKindTarget`; every one has a default that fits `kind create cluster --config kind-config.yaml`. */
export interface KindTargetOptions {
  /** The kind cluster's name (`kind create cluster --name <name>`). Default "gameday". */
  name?: string | undefined;
  /** A kubeconfig file to use instead of `kind get kubeconfig --name <name>`. */
  kubeconfig?: string | undefined;
  /** The context in that kubeconfig. Default "kind-<name>" (what kind writes). */
  context?: string | undefined;
  /** Record every command and write, run none but the read-only ones needed to plan. Default false. */
  dryRun?: boolean | undefined;
  /** Default: a RealClock. */
  clock?: Clock | undefined;
  /** Default: a new ActionLog. */
  actions?: ActionLog | undefined;
  /** The docker network the node containers are on. Default "kind". */
  network?: string | undefined;
  /** Namespace for the CPU-burner pods. Default "default". */
  podNamespace?: string | undefined;
  /** Image of the CPU burner pod (needs sh). Default "busybox:1.36" (pulled: kind nodes do not have it). */
  burnerImage?: string | undefined;
  /** Local directory etcd snapshots are copied to. Default ".gameday/snapshots". */
  snapshotDir?: string | undefined;
  /** Time limit of one command. Default 60 s. */
  commandTimeoutMs?: number | undefined;
  /** For tests: how commands run (default: execa) and how the Kube client is made (default: createKube). */
  exec?: Exec | undefined;
  makeKube?: ((o: Parameters<typeof createKube>[0]) => Kube) | undefined;
}

/**
 * A kind cluster on the local Docker engine. Its nodes are containers named after the Kubernetes nodes;
 * node operations are docker commands, etcd operations run etcdctl inside the etcd static pods (see
 * KindNodeOps and KindEtcdHost for the exact command lines and their limits).
 */
export class KindTarget implements Target {
  readonly kind = 'kind' as const;
  readonly clock: Clock;
  readonly actions: ActionLog;
  readonly name: string;
  readonly runner: CommandRunner;
  private kubeClient: Kube | undefined;
  private readonly nodeOps: KindNodeOps;
  private readonly etcdOps: RunbookEtcdOps;

  constructor(
    private readonly o: KindTargetOptions & { name: string; clock: Clock; actions: ActionLog },
    readonly nodeList: KindNode[],
    private readonly config: KubeConfig,
    runner: CommandRunner,
  ) {
    this.name = o.name;
    this.clock = o.clock;
    this.actions = o.actions;
    this.runner = runner;
    this.nodeOps = new KindNodeOps({
      runner,
      nodes: () => this.nodeList,
      kube: () => this.kube(this.name),
      network: o.network ?? 'kind',
      podNamespace: o.podNamespace ?? 'default',
      burnerImage: o.burnerImage ?? 'busybox:1.36',
    });
    this.etcdOps = new RunbookEtcdOps(
      new KindEtcdHost(
        runner,
        () => this.nodeList,
        this.nodeOps,
        o.network ?? 'kind',
        o.snapshotDir ?? '.gameday/snapshots',
      ),
    );
  }

  clusters(): string[] {
    return [this.name];
  }

  private check(cluster: string): void {
    if (cluster !== this.name) {
      throw new InvalidInputError(`This kind target drives cluster "${this.name}", not "${cluster}".`);
    }
  }

  kube(cluster: string): Kube {
    this.check(cluster);
    this.kubeClient ??= (this.o.makeKube ?? createKube)({
      cluster: this.name,
      config: this.config,
      clock: this.clock,
      actions: this.actions,
      dryRun: this.o.dryRun === true,
    });
    return this.kubeClient;
  }

  nodes(cluster: string): NodeOps {
    this.check(cluster);
    return this.nodeOps;
  }

  etcd(cluster: string): EtcdOps {
    this.check(cluster);
    return this.etcdOps;
  }

  cannot(_cluster: string, capability: Capability): string | undefined {
    if (capability === 'add-node') return KIND_CANNOT_ADD;
    if (capability === 'remove-node') return kindCannotRemove('<node>');
    if (capability === 'memory-pressure' || capability === 'disk-pressure') return KIND_CANNOT_PRESSURE[capability];
    return undefined;
  }

  close(): Promise<void> {
    this.kubeClient?.close();
    return Promise.resolve();
  }
}

/**
 * Find the kind cluster's node containers (`docker ps -a --filter label=io.x-k8s.kind.cluster=<name>`) and
 * its kubeconfig (`kind get kubeconfig --name <name>`, or the given file and context). Both are read-only
 * and run even in dry-run mode.
 */
export async function createKindTarget(options: KindTargetOptions = {}): Promise<KindTarget> {
  const name = options.name ?? 'gameday';
  const clock = options.clock ?? new RealClock();
  const actions = options.actions ?? new ActionLog();
  const runner = new CommandRunner({
    cluster: name,
    clock,
    actions,
    dryRun: options.dryRun === true,
    exec: options.exec,
    timeoutMs: options.commandTimeoutMs,
  });
  const nodes = await findKindNodes(runner, name);
  const config = new KubeConfig();
  if (options.kubeconfig) {
    config.loadFromFile(options.kubeconfig);
  } else {
    const r = await runner.run(['kind', 'get', 'kubeconfig', '--name', name], { readOnly: true });
    config.loadFromString(r.stdout);
  }
  const context = options.context ?? `kind-${name}`;
  if (!config.getContextObject(context)) {
    throw new InvalidInputError(
      `The kubeconfig has no context "${context}" (it has ${
        config
          .getContexts()
          .map((c) => c.name)
          .join(', ') || 'none'
      }).`,
    );
  }
  config.setCurrentContext(context);
  const network = options.network ?? nodesNetwork(nodes);
  return new KindTarget({ ...options, name, clock, actions, network }, nodes, config, runner);
}
