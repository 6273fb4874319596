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

/**
 * The lab profile of a cluster that runs its own game days: gameday in a pod of it ("inCluster"), its hosts
 * over ssh with a key from the mounted Secret, their BMCs through ipmitool, its etcd.
 */
export const IN_CLUSTER_PROFILE = {
  name: 'qingzhou',
  clusters: [
    {
      name: 'business',
      inCluster: true,
      nodes: {
        ssh: {
          user: 'ops',
          key: '/etc/gameday/secrets/id_ed25519',
          options: ['-o', 'UserKnownHostsFile=/etc/gameday/secrets/known_hosts'],
        },
        hosts: { '10.128.38.6': { bmc: '10.128.200.6' } },
      },
      etcd: {
        endpoints: ['https://10.128.38.6:2379'],
        cacert: '/etc/kubernetes/pki/etcd/ca.crt',
        cert: '/etc/kubernetes/pki/apiserver-etcd-client.crt',
        key: '/etc/kubernetes/pki/apiserver-etcd-client.key',
        nodes: ['10.128.38.6'],
      },
    },
  ],
  commands: {
    powerOff: { local: 'ipmitool -I lanplus -H {bmc} -U admin -E power off' },
    powerOn: { local: 'ipmitool -I lanplus -H {bmc} -U admin -E power on' },
  },
};

export const IN_CLUSTER_PROFILE_TEXT = JSON.stringify(IN_CLUSTER_PROFILE, null, 2);
