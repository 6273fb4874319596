import { serviceStep } from '../kit/node-step.js';

/** D8: start kubelet again after maintenance. */
export const startService = serviceStep('start', {
  name: 'start-service',
  summary: 'Start kubelet or the container runtime (docker, containerd) on nodes (systemctl start kubelet).',
});
