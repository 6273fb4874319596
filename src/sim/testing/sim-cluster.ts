import { ControlPlane } from '../control-plane/control-plane.js';
import { SimEtcd, type SimEtcdOptions } from '../etcd/sim-etcd.js';
import { Hosts } from '../kubelet/hosts.js';
import { NodeLifecycleController } from '../node-lifecycle/controller.js';
import type { TopologyNode } from '../topology/types.js';
import { makeSimContext, type SimContextOptions, type TestSimContext } from './sim-context.js';

export interface SimClusterOptions extends Omit<SimContextOptions, 'controlPlane'> {
  nodes: TopologyNode[];
  /** etcd members (default: every master); false: no etcd model, the Store is always available. */
  etcd?: SimEtcdOptions | false;
}

/** The node side of one simulated cluster wired together: hosts and kubelets, control plane, node-lifecycle controller. */
export interface SimCluster {
  ctx: TestSimContext;
  hosts: Hosts;
  controlPlane: ControlPlane;
  nodeLifecycle: NodeLifecycleController;
  etcd: SimEtcd | undefined;
  close(): void;
}

export function makeSimCluster(opts: SimClusterOptions): SimCluster {
  const controlPlane = new ControlPlane();
  const ctx = makeSimContext({ ...opts, controlPlane });
  const hosts = new Hosts(ctx);
  for (const n of opts.nodes) hosts.addNode(n);
  const noMembers = opts.etcd === undefined && hosts.masterNodes().length === 0;
  const etcd = opts.etcd === false || noMembers ? undefined : new SimEtcd(ctx, hosts, opts.etcd ?? {});
  controlPlane.attach(ctx, hosts);
  const nodeLifecycle = new NodeLifecycleController();
  nodeLifecycle.start(ctx);
  return {
    ctx,
    hosts,
    controlPlane,
    nodeLifecycle,
    etcd,
    close(): void {
      etcd?.close();
      nodeLifecycle.stop();
      controlPlane.stop();
      hosts.close();
      ctx.clock.close();
    },
  };
}
