import { makeContext } from '../../src/engine/context.js';
import { newRunState, type PluginContext } from '../../src/kit/plugin.js';
import { Random } from '../../src/engine/random.js';
import { SimTarget } from '../../src/targets/sim/sim-target.js';

/** A plugin context on a fresh simulated Qingzhou platform, for steps that need Kubernetes to react. */
export async function simContext(cluster: string): Promise<{ ctx: PluginContext; target: SimTarget }> {
  const target = await SimTarget.create({ seed: 1 });
  const ctx = makeContext(
    {
      target,
      random: new Random(1),
      state: newRunState(),
      signal: new AbortController().signal,
      dryRun: false,
      note: () => undefined,
    },
    cluster,
  );
  return { ctx, target };
}
