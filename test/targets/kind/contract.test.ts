import { execa } from 'execa';
import { createKindTarget } from '../../../src/targets/kind/kind-target.js';
import { describeTargetContract } from '../contract.js';

/**
 * The contract against a real kind cluster made from kind-config.yaml, when one is running here
 * (`kind create cluster --name gameday --config kind-config.yaml`); otherwise the suite skips.
 */
describeTargetContract('kind', async () => {
  const name = process.env['GAMEDAY_KIND_CLUSTER'] ?? 'gameday';
  const kind = await execa('kind', ['get', 'clusters'], { reject: false });
  if (kind.exitCode !== 0 || !kind.stdout.split('\n').includes(name)) {
    console.log(
      `      (no kind cluster "${name}" here: ${kind.exitCode !== 0 ? 'kind or docker is not available' : 'create it with kind create cluster --name gameday --config kind-config.yaml'})`,
    );
    return undefined;
  }
  const target = await createKindTarget({ name });
  return {
    target,
    worker: `${name}-worker`,
    controlPlane: `${name}-control-plane3`,
    timeoutMs: 5 * 60_000,
    dispose: () => target.close(),
  };
});
