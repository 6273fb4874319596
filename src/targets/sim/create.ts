import type { CreatedTarget, TargetOptions } from '../create.js';
import { loadTopology } from '../../sim/topology/load-topology.js';
import { SimTarget } from './sim-target.js';
import { topologyNotices, withNotices } from '../topology-notice.js';

/** `--target sim`: a fresh simulator per experiment, so every drill starts from the same platform. */
export async function createSimTargetFromOptions(o: TargetOptions): Promise<CreatedTarget> {
  if (o.kubeconfig) {
    const { attachSimTarget } = await import('./attached-target.js');
    return withNotices(await attachSimTarget(o), topologyNotices(o, false));
  }
  const file = o.topology ?? o.experimentTopology;
  const loaded = file ? loadTopology(file) : undefined;
  const target = await SimTarget.create({
    seed: o.seed,
    dryRun: o.dryRun,
    ...(o.etcd === 'real' ? { etcd: 'real' as const } : {}),
    ...(o.etcd === 'real' && o.experiment?.clusters?.[0] ? { etcdClusters: [o.experiment.clusters[0]] } : {}),
    ...(loaded ? { topology: loaded.topology, params: loaded.params } : {}),
    ...(o.onResource ? { onResource: o.onResource } : {}),
    ...(o.speed !== undefined ? { clock: 'real' as const, speed: o.speed } : {}),
  });
  const notices = topologyNotices(o, true);
  return { target, journalTarget: { kind: 'sim', embedded: true }, ...(notices.length > 0 ? { notices } : {}) };
}
