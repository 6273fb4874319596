import { expect } from 'chai';
import { DrillLease, LEASE_LABEL, LEASE_NAMESPACE, overlap, type DrillRadius } from '../../src/engine/lease.js';
import { runExperiment } from '../../src/engine/runner.js';
import type { Experiment } from '../../src/experiment/types.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { SimTarget } from '../../src/targets/sim/sim-target.js';
import { kubeletDrill, tempDir } from '../e2e/support.js';

/**
 * Issue 15 item 8: a drill on a cluster another process can reach takes a coordination Lease naming what
 * its faults hit; another drill touching the same things is refused before it changes anything.
 */
const radius = (o: Partial<DrillRadius>): DrillRadius => ({
  nodes: [],
  workloads: [],
  members: [],
  controlPlane: false,
  ...o,
});

const micro = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z');

/** Another drill's lease, as another process would have written it. */
function foreignLease(name: string, r: DrillRadius, renewedAgoMs = 0): KubeObject {
  const renewed = Date.now() - renewedAgoMs;
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: LEASE_NAMESPACE,
      labels: { [LEASE_LABEL]: 'true' },
      annotations: { 'gameday.io/experiment': 'other-drill', 'gameday.io/blast-radius': JSON.stringify(r) },
    },
    spec: {
      holderIdentity: `run-${name}`,
      leaseDurationSeconds: 120,
      acquireTime: micro(renewed),
      renewTime: micro(renewed),
    },
  };
}

describe('drill leases (issue 15 item 8)', function () {
  this.timeout(60_000);
  let target: SimTarget;
  beforeEach(async () => {
    target = await SimTarget.create({ seed: 1 });
  });
  afterEach(async () => target.close());

  const drill = (e: Experiment) =>
    runExperiment({ file: 'two.json', experiment: e }, target, {
      seed: 1,
      dryRun: false,
      signal: new AbortController().signal,
      journalDir: tempDir('lease'),
      // As attached to `sim up`: another process could reach the cluster.
      journalTarget: { kind: 'sim', embedded: false, kubeconfig: '/dev/null' },
    });
  const leases = async (): Promise<string[]> =>
    (
      await target.kube('business').list('leases', { namespace: LEASE_NAMESPACE, labelSelector: LEASE_LABEL })
    ).items.map((l) => l.metadata.name);

  it('refuses a drill whose faults hit a node another live drill holds, before any change', async () => {
    await target.kube('business').create('leases', foreignLease('gameday-other', radius({ nodes: ['10.128.38.10'] })));
    const r = await drill(kubeletDrill());
    expect(r.verdict).to.equal('error');
    expect(r.error).to.match(
      /^two\.json: refused before any change: drill run-gameday-other \(other-drill\) is running on business and touches the same node\(s\) 10\.128\.38\.10 /,
    );
    expect(r.faults).to.deep.equal([]);
    expect(await target.nodes('business').serviceState('10.128.38.10', 'kubelet')).to.equal('active');
    expect(await leases()).to.deep.equal(['gameday-other']);
  });

  it('runs beside a drill that touches something else, or whose lease has expired, and deletes its own lease at the end', async () => {
    await target
      .kube('business')
      .create('leases', foreignLease('gameday-elsewhere', radius({ nodes: ['10.128.38.11'] })));
    await target
      .kube('business')
      .create('leases', foreignLease('gameday-crashed', radius({ nodes: ['10.128.38.10'] }), 10 * 60_000));
    let during: string[] = [];
    const e = kubeletDrill({
      recovery: {
        mode: 'automatic',
        steps: [{ type: 'restart-service', service: 'kubelet', nodes: { from: 'faults' } }],
      },
    });
    const done = drill(e);
    target.clock.setTimer(1000, () => void leases().then((l) => (during = l)));
    const r = await done;
    expect(r.verdict, r.error).to.equal('pass');
    expect(during.filter((n) => n.includes('test-kubelet-stopped'))).to.have.length(1);
    expect((await leases()).sort()).to.deep.equal(['gameday-crashed', 'gameday-elsewhere']);
  });

  it('of two drills started at once on the same workload, the one that acquired later gives way', async () => {
    const kube = target.kube('business');
    const w = radius({ workloads: ['business/Deployment/order-service'] });
    const first = await DrillLease.acquire(kube, { runId: 'run-a', experiment: 'a', radius: w, file: 'a.json' });
    // b's check before creating sees a: refused at once.
    const err = await DrillLease.acquire(kube, { runId: 'run-b', experiment: 'b', radius: w, file: 'b.json' }).catch(
      (x: unknown) => x,
    );
    expect((err as Error).message).to.contain(
      'b.json: refused before any change: drill run-a (a) is running on business',
    );
    expect(await leases()).to.deep.equal(['gameday-run-a']);
    await first.release();
    expect(await leases()).to.deep.equal([]);
  });

  it('counts two drills on the control plane as overlapping even on different masters; otherwise what they share', () => {
    expect(
      overlap(radius({ nodes: ['m1'], controlPlane: true }), radius({ members: ['etcd-m2'], controlPlane: true })),
    ).to.deep.equal(['the control plane (masters or etcd)']);
    expect(overlap(radius({ nodes: ['w1'] }), radius({ nodes: ['w2'] }))).to.deep.equal([]);
    expect(
      overlap(radius({ nodes: ['w1'], workloads: ['a'] }), radius({ nodes: ['w1'], workloads: ['a'] })),
    ).to.deep.equal(['node(s) w1', 'workload(s) a']);
  });
});
