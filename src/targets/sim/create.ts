import type { CreatedTarget, TargetOptions } from '../create.js';
import { loadTopology } from '../../sim/topology/load-topology.js';
import { InvalidInputError } from '../../errors.js';
import { SimTarget } from './sim-target.js';

/** `--target sim`: a fresh simulator per experiment, so every drill starts from the same platform. */
export async function createSimTargetFromOptions(o: TargetOptions): Promise<CreatedTarget> {
  if (o.kubeconfig) {
    const { attachSimTarget } = await import('./attached-target.js');
    return attachSimTarget(o);
  }
  const file = o.topology ?? o.experimentTopology;
  const loaded = file ? loadTopology(file) : undefined;
  if (o.etcd === 'real') {
    throw new InvalidInputError('--etcd real is not available in this build of the simulator target yet.');
  }
  const target = await SimTarget.create({
    seed: o.seed,
    dryRun: o.dryRun,
    ...(loaded ? { topology: loaded.topology, params: loaded.params } : {}),
  });
  return { target, journalTarget: { kind: 'sim', embedded: true } };
}
