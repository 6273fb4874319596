import { expect } from 'chai';
import type { KubeObject } from '../../src/kube/objects.js';
import { describeChange } from '../../src/practice/api-transcript.js';
import { nodeObject, podObject } from './fake-kube.js';

describe('the API transcript', () => {
  it("words a cordon and a taint a person added, but not the node controller's taints", () => {
    const before = nodeObject('10.128.38.8');
    const after = structuredClone(before);
    after.spec = {
      unschedulable: true,
      taints: [
        { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
        { key: 'maintenance', value: 'disk', effect: 'NoSchedule' },
      ],
    };
    expect(describeChange('nodes', 'MODIFIED', before, after)).to.equal(
      'node 10.128.38.8 cordoned, taint maintenance=disk:NoSchedule added',
    );
    const onlySystem = structuredClone(before);
    onlySystem.spec = { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] };
    expect(describeChange('nodes', 'MODIFIED', before, onlySystem)).to.equal(undefined);
  });

  it('words a rollout restart and a resources change, and ignores status-only updates', () => {
    const d = (gen: number, extra: Record<string, unknown> = {}): KubeObject => ({
      metadata: { name: 'gateway-proxy', namespace: 'gateway-system', generation: gen },
      spec: {
        replicas: 2,
        template: {
          metadata: { annotations: extra },
          spec: {
            containers: [
              { name: 'gw', resources: { limits: { cpu: gen > 2 ? '2000m' : '2', memory: gen > 3 ? '3Gi' : '2Gi' } } },
            ],
          },
        },
      },
    });
    expect(describeChange('deployments', 'MODIFIED', d(1), d(1))).to.equal(undefined);
    expect(
      describeChange(
        'deployments',
        'MODIFIED',
        d(1),
        d(2, { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:01:00Z' }),
      ),
    ).to.equal('deployment gateway-system/gateway-proxy: rollout restart (restartedAt 2026-01-01T00:01:00Z)');
    expect(describeChange('deployments', 'MODIFIED', d(2), d(3))).to.equal(
      'deployment gateway-system/gateway-proxy: spec changed (generation 3)',
    );
    expect(describeChange('deployments', 'MODIFIED', d(3), d(4))).to.match(/container gw resources .*3Gi/);
  });

  it('records a DaemonSet pod a person deleted, but not ReplicaSet churn or taint-manager evictions', () => {
    const ds = podObject('kube-system', 'calico-node-x', '10.128.38.8');
    ds.metadata.ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'calico-node', uid: 'u', controller: true },
    ];
    expect(describeChange('pods', 'DELETED', ds, ds)).to.equal('pod kube-system/calico-node-x deleted');
    const rs = structuredClone(ds);
    rs.metadata.ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: 'u', controller: true },
    ];
    expect(describeChange('pods', 'DELETED', rs, rs)).to.equal(undefined);
    const evicted = structuredClone(ds);
    evicted.status.conditions = [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager' }];
    expect(describeChange('pods', 'DELETED', evicted, evicted)).to.equal(undefined);
  });
});
