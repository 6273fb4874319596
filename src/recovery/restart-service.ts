import { serviceStep } from '../kit/node-step.js';

/** D1/D2/D6: `systemctl restart kubelet` (or docker) on the nodes. */
export const restartService = serviceStep('restart', {
  name: 'restart-service',
  summary: 'Restart kubelet or the container runtime (docker, containerd) on nodes (systemctl restart kubelet).',
});
