import { expect } from 'chai';
import { Scheduler } from '../../../src/sim/controllers/scheduler.js';
import { bare, events, node, testSim, type TestSim } from './helpers.js';

describe('Scheduler', () => {
  let sim: TestSim;
  afterEach(() => sim.close());

  it('binds a pending pod to a Ready node and records a Scheduled event', async () => {
    sim = testSim();
    sim.store.create('nodes', node('n1'));
    sim.start(new Scheduler());
    sim.create('pods', bare('p1', { memory: '1Gi' }));
    await sim.advance(10);
    const pod = sim.store.get('pods', 'default', 'p1')!;
    expect(pod.spec.nodeName).to.equal('n1');
    expect(events(sim.store, 'Scheduled')[0]?.message).to.equal('Successfully assigned default/p1 to n1');
  });

  it('words an insufficient-memory failure on 7 nodes exactly as Kubernetes does', async () => {
    sim = testSim();
    for (let i = 1; i <= 7; i++) sim.store.create('nodes', node(`n${i}`, { memory: '16Gi' }));
    sim.start(new Scheduler());
    sim.create('pods', bare('ballast', { memory: '20Gi' }));
    await sim.advance(10);
    const pod = sim.store.get('pods', 'default', 'ballast')!;
    expect(pod.spec.nodeName).to.equal(undefined);
    const expected =
      '0/7 nodes are available: 7 Insufficient memory. preemption: 0/7 nodes are available: 7 No preemption victims found for incoming pod.';
    const cond = (pod.status.conditions as { type: string; reason: string; message: string }[]).find(
      (c) => c.type === 'PodScheduled',
    );
    expect(cond?.reason).to.equal('Unschedulable');
    expect(cond?.message).to.equal(expected);
    const ev = events(sim.store, 'FailedScheduling')[0]!;
    expect(ev.type).to.equal('Warning');
    expect(ev.message).to.equal(expected);
  });

  it('omits the preemption summary when asked to, as the runbook era scheduler did', async () => {
    sim = testSim();
    for (let i = 1; i <= 10; i++) sim.store.create('nodes', node(`n${i}`, { memory: '4Gi' }));
    sim.start(new Scheduler({ preemptionMessage: false }));
    sim.create('pods', bare('busybox', { memory: '8Gi' }));
    await sim.advance(10);
    expect(events(sim.store, 'FailedScheduling')[0]?.message).to.equal(
      '0/10 nodes are available: 10 Insufficient memory.',
    );
  });

  it('sorts mixed reasons as Go sort.Strings does and says when preemption cannot help', async () => {
    sim = testSim();
    const master = [{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }];
    for (let i = 1; i <= 3; i++) sim.store.create('nodes', node(`m${i}`, { taints: master }));
    for (let i = 1; i <= 3; i++) sim.store.create('nodes', node(`w${i}`, { memory: '8Gi' }));
    const cordoned = node('w4');
    cordoned.spec.unschedulable = true;
    sim.store.create('nodes', cordoned);
    sim.start(new Scheduler());
    sim.create('pods', bare('big', { memory: '16Gi' }));
    await sim.advance(10);
    expect(events(sim.store, 'FailedScheduling')[0]?.message).to.equal(
      '0/7 nodes are available: 1 node(s) were unschedulable, 3 Insufficient memory, 3 node(s) had untolerated taint {node-role.kubernetes.io/master: }. ' +
        'preemption: 0/7 nodes are available: 3 No preemption victims found for incoming pod, 4 Preemption is not helpful for scheduling.',
    );
  });

  it('schedules the pod once a node with room appears', async () => {
    sim = testSim();
    sim.store.create('nodes', node('small', { memory: '2Gi' }));
    sim.start(new Scheduler());
    sim.create('pods', bare('p', { memory: '4Gi' }));
    await sim.advance(10);
    expect(sim.store.get('pods', 'default', 'p')!.spec.nodeName).to.equal(undefined);
    sim.store.create('nodes', node('big', { memory: '16Gi' }));
    await sim.advance(2_000);
    expect(sim.store.get('pods', 'default', 'p')!.spec.nodeName).to.equal('big');
  });

  it('retries an unschedulable pod every 5 minutes even when nothing changes', async () => {
    sim = testSim();
    sim.store.create('nodes', node('n1', { memory: '2Gi' }));
    sim.start(new Scheduler());
    sim.create('pods', bare('p', { memory: '4Gi' }));
    await sim.advance(10);
    await sim.advance(300_000);
    expect(events(sim.store, 'FailedScheduling')[0]?.count).to.equal(2);
  });

  it('honours taints with tolerations, nodeSelector, host ports and anti-affinity on the hostname', async () => {
    sim = testSim();
    sim.store.create('nodes', node('a', { labels: { disk: 'ssd' } }));
    sim.store.create('nodes', node('b'));
    sim.start(new Scheduler());
    sim.create('pods', bare('sel', { extra: { nodeSelector: { disk: 'ssd' } } }));
    const anti = {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: { app: 'x' } }, topologyKey: 'kubernetes.io/hostname' },
          ],
        },
      },
    };
    for (const n of ['x1', 'x2', 'x3']) {
      const p = bare(n, { extra: anti });
      p.metadata.labels = { app: 'x' };
      sim.create('pods', p);
    }
    await sim.advance(10);
    expect(sim.store.get('pods', 'default', 'sel')!.spec.nodeName).to.equal('a');
    const placed = ['x1', 'x2', 'x3'].map(
      (n) => sim.store.get('pods', 'default', n)!.spec.nodeName as string | undefined,
    );
    expect(placed.filter(Boolean).sort()).to.deep.equal(['a', 'b']);
    const msg = events(sim.store, 'FailedScheduling')[0]?.message;
    expect(msg).to.match(/^0\/2 nodes are available: 2 node\(s\) didn't match pod anti-affinity rules\./);
  });

  it('does nothing while kube-scheduler has no leader and catches up when one is elected', async () => {
    sim = testSim();
    sim.store.create('nodes', node('n1'));
    sim.controlPlane.set('kube-scheduler', false);
    sim.start(new Scheduler());
    sim.create('pods', bare('p'));
    await sim.advance(1_000);
    expect(sim.store.get('pods', 'default', 'p')!.spec.nodeName).to.equal(undefined);
    sim.controlPlane.set('kube-scheduler', true);
    await sim.advance(10);
    expect(sim.store.get('pods', 'default', 'p')!.spec.nodeName).to.equal('n1');
  });
});
