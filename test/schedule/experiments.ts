import type { Experiment, LoadedExperiment } from '../../src/experiment/types.js';

/** Experiments as the loader returns them, built in code: the RBAC derivation reads only their items. */
export function experiment(id: string, parts: Partial<Experiment>): LoadedExperiment {
  return {
    file: `experiments/${id}.json`,
    experiment: {
      id,
      title: id,
      description: `${id}, built for the RBAC tests.`,
      runbook: 'D1',
      faults: [],
      recovery: { mode: 'self-heal' },
      verify: [],
      ...parts,
    },
  };
}

/** D1 by the runbook: kubelet stopped, then cordon, restart kubelet, uncordon; nodes watched. */
export const hostCrash = experiment('d1-host-crash', {
  steadyState: [{ type: 'no-notready-nodes' }],
  faults: [{ type: 'stop-kubelet', nodes: { role: 'worker', count: 1 } }],
  detect: [{ type: 'node-ready', ready: false }],
  recovery: {
    mode: 'automatic',
    steps: [{ type: 'cordon' }, { type: 'restart-service', service: 'kubelet' }, { type: 'uncordon' }],
  },
  verify: [{ type: 'no-notready-nodes' }],
});

/** D11: gateway-proxy scaled to zero and left to nobody but the check. */
export const scaleOnly = experiment('d11-gateway-scaled-down', {
  faults: [
    {
      type: 'scale-workload',
      workload: { namespace: 'gateway-system', kind: 'Deployment', name: 'gateway-proxy' },
      replicas: 0,
    },
  ],
  recovery: { mode: 'self-heal' },
  verify: [
    {
      type: 'workload-available',
      workload: { namespace: 'gateway-system', kind: 'Deployment', name: 'gateway-proxy' },
    },
  ],
});

/** D11 with the pods kept off their nodes by a taint. */
export const taintNodes = experiment('d11-gateway-tainted', {
  faults: [
    { type: 'taint-nodes', workload: { namespace: 'gateway-system', kind: 'Deployment', name: 'gateway-proxy' } },
  ],
  recovery: { mode: 'automatic', steps: [{ type: 'drain', nodes: { from: 'faults' } }] },
  verify: [{ type: 'workload-available', workload: { from: 'faults' } }],
});
