import { SimTarget } from '../../../src/targets/sim/sim-target.js';
import { describeTargetContract } from '../contract.js';

describeTargetContract('sim', async () => {
  const target = await SimTarget.create({ seed: 7 });
  return {
    target,
    cluster: 'business',
    worker: '10.128.38.10',
    controlPlane: '10.128.38.6',
    dispose: () => target.close(),
  };
});
