import { serviceStep } from '../kit/node-step.js';

/** D8: after draining, stop kubelet before the repair. */
export const stopService = serviceStep('stop', {
  name: 'stop-service',
  undoable: true,
  summary:
    'Stop kubelet or the container runtime (docker, containerd) on nodes, as before a planned repair (systemctl stop kubelet).',
});
