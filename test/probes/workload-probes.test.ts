import { expect } from 'chai';
import { allWorkloadsAvailable } from '../../src/probes/all-workloads-available.js';
import { podPendingWithReason } from '../../src/probes/pod-pending-with-reason.js';
import { podStatus } from '../../src/probes/pod-status.js';
import { podsMoved } from '../../src/probes/pods-moved.js';
import { podsRunning } from '../../src/probes/pods-running.js';
import { staticPodRunning } from '../../src/probes/static-pod-running.js';
import { workloadAvailable } from '../../src/probes/workload-available.js';
import { deployment, fakeContext, node, pod } from '../kit/fake-context.js';

const GW = { namespace: 'gateway-system', kind: 'Deployment' as const, name: 'gateway-proxy' };
const gwPod = (name: string, o: Parameters<typeof pod>[2] = {}) =>
  pod('gateway-system', name, { app: 'gateway-proxy', owner: 'ReplicaSet', node: '10.128.38.7', ...o });

describe('workload and pod probes', () => {
  it('workload-available compares available with desired, and with below: true detects the drop', async () => {
    const f = fakeContext({
      objects: { deployments: [deployment('gateway-system', 'gateway-proxy', { replicas: 2, available: 2 })] },
    });
    const ok = await workloadAvailable.start(f.ctx, { workload: GW });
    const below = await workloadAvailable.start(f.ctx, { workload: GW, below: true });
    expect(ok.evaluate()).to.deep.equal({ ok: true, observed: '2/2 available' });
    expect(below.evaluate().ok).to.equal(false);
    f.put('deployments', deployment('gateway-system', 'gateway-proxy', { replicas: 2, available: 1 }));
    expect(ok.evaluate()).to.deep.equal({ ok: false, observed: '1/2 available' });
    expect(below.evaluate().ok).to.equal(true);
  });

  it('workload-available judges a scaled-down workload against the replicas it had before the fault', async () => {
    const f = fakeContext({
      objects: { deployments: [deployment('gateway-system', 'gateway-proxy', { replicas: 0, available: 0 })] },
    });
    f.state.values.set('desiredBefore:business:gateway-system/Deployment/gateway-proxy', 2);
    const h = await workloadAvailable.start(f.ctx, { workload: GW });
    expect(h.evaluate()).to.deep.equal({ ok: false, observed: '0/2 available' });
  });

  it('workload-available does not count 0/0 as available (a workload another drill scaled to zero), unless zero is asked for', async () => {
    const f = fakeContext({
      objects: { deployments: [deployment('gateway-system', 'gateway-proxy', { replicas: 0, available: 0 })] },
    });
    const h = await workloadAvailable.start(f.ctx, { workload: GW });
    expect(h.evaluate()).to.deep.equal({ ok: false, observed: '0/0 available: scaled to zero, nothing serves' });
    expect((await workloadAvailable.start(f.ctx, { workload: GW, desired: 0 })).evaluate().ok).to.equal(true);
    expect((await workloadAvailable.start(f.ctx, { workload: GW, min: 0 })).evaluate().ok).to.equal(true);
  });

  it('all-workloads-available lists what is short, within the namespaces asked', async () => {
    const f = fakeContext({
      objects: {
        deployments: [
          deployment('gateway-system', 'gateway-proxy', { available: 1 }),
          deployment('skiff-nsf', 'nsf-server'),
        ],
        statefulsets: [
          {
            metadata: { name: 'nsf-redis', namespace: 'skiff-nsf' },
            spec: { replicas: 3 },
            status: { readyReplicas: 2 },
          },
        ],
      },
    });
    const all = await allWorkloadsAvailable.start(f.ctx, {});
    expect(all.evaluate()).to.deep.equal({
      ok: false,
      observed:
        '2 of 3 not available: gateway-system/Deployment/gateway-proxy 1/2, skiff-nsf/StatefulSet/nsf-redis 2/3',
    });
    const gw = await allWorkloadsAvailable.start(f.ctx, { namespaces: ['skiff-nsf'] });
    expect(gw.evaluate().observed).to.equal('1 of 2 not available: skiff-nsf/StatefulSet/nsf-redis 2/3');
  });

  it("pod-pending-with-reason passes on the scheduler's FailedScheduling event for an unscheduled pod", async () => {
    const pending = pod('gameday', 'gameday-pending-x', { phase: 'Pending', ready: false });
    pending.status.containerStatuses = [];
    const f = fakeContext({ objects: { pods: [pending] } });
    const h = await podPendingWithReason.start(f.ctx, { namespace: 'gameday' });
    expect(h.evaluate()).to.deep.equal({
      ok: false,
      observed: '1 Pending pod(s) without a FailedScheduling event yet',
    });
    f.put('events', {
      metadata: { name: 'e1', namespace: 'gameday' },
      involvedObject: { kind: 'Pod', name: 'gameday-pending-x', namespace: 'gameday', uid: 'uid-gameday-pending-x' },
      reason: 'FailedScheduling',
      message: '0/10 nodes are available: 10 Insufficient memory.',
    });
    expect(h.evaluate()).to.deep.equal({
      ok: true,
      observed: 'gameday/gameday-pending-x Pending: 0/10 nodes are available: 10 Insufficient memory.',
    });
  });

  it("pod-status matches a container's waiting reason, or its last termination for OOMKilled", async () => {
    const f = fakeContext({
      objects: {
        deployments: [deployment('gateway-system', 'gateway-proxy')],
        pods: [
          gwPod('gw-a'),
          gwPod('gw-b', {
            phase: 'Running',
            ready: false,
            waiting: 'CrashLoopBackOff',
            lastTerminated: 'OOMKilled',
            restarts: 4,
          }),
        ],
      },
    });
    const crash = await podStatus.start(f.ctx, { workload: GW, reason: 'CrashLoopBackOff' });
    const oom = await podStatus.start(f.ctx, { workload: GW, reason: 'OOMKilled', count: 2 });
    expect(crash.evaluate()).to.deep.equal({ ok: true, observed: 'gw-b CrashLoopBackOff; 1 other pod: gw-a Running' });
    expect(oom.evaluate().ok).to.equal(false);
  });

  it('pod-status names the crashing pod first, however many healthy ones sort before it (issue 18)', async () => {
    const f = fakeContext({
      objects: {
        deployments: [deployment('gateway-system', 'gateway-proxy')],
        pods: [
          gwPod('gw-a'),
          gwPod('gw-b'),
          gwPod('gw-c'),
          gwPod('gw-d'),
          gwPod('gw-z', { phase: 'Running', ready: false, waiting: 'CrashLoopBackOff', restarts: 3 }),
        ],
      },
    });
    const crash = await podStatus.start(f.ctx, { workload: GW, reason: 'CrashLoopBackOff' });
    expect(crash.evaluate()).to.deep.equal({
      ok: true,
      observed: 'gw-z CrashLoopBackOff; 4 other pods: gw-a Running, gw-b Running and 2 more',
    });
  });

  it('pods-running wants every pod Running and ready, as many as desired, and optionally no new restart', async () => {
    const f = fakeContext({
      objects: {
        deployments: [deployment('gateway-system', 'gateway-proxy')],
        pods: [gwPod('gw-a'), gwPod('gw-b', { restarts: 2 })],
      },
    });
    const h = await podsRunning.start(f.ctx, { workload: GW, noRestartsSince: true });
    expect(h.evaluate()).to.deep.equal({ ok: true, observed: '2/2 Running and ready' });
    f.put('pods', gwPod('gw-b', { restarts: 3 }));
    expect(h.evaluate()).to.deep.equal({ ok: false, observed: '2/2 Running and ready; gw-b restarted' });
    f.put('pods', gwPod('gw-c', { terminating: true }));
    expect(h.evaluate().observed).to.equal('2/2 Running and ready; gw-b restarted, gw-c Terminating');
  });

  it('pods-moved passes once the desired pods run Ready off the faulted node', async () => {
    const f = fakeContext({
      objects: {
        deployments: [deployment('gateway-system', 'gateway-proxy')],
        pods: [gwPod('gw-a', { node: '10.128.38.8' }), gwPod('gw-b', { node: '10.128.38.9' })],
      },
    });
    f.state.affectedNodes.set('business', ['10.128.38.8']);
    const h = await podsMoved.start(f.ctx, { workload: GW });
    expect(h.evaluate()).to.deep.equal({
      ok: false,
      observed: '1/2 Ready elsewhere; still on the faulted nodes: gw-a Running on 10.128.38.8',
    });
    f.put('pods', gwPod('gw-a', { node: '10.128.38.8', terminating: true }));
    f.put('pods', gwPod('gw-c', { node: '10.128.38.7' }));
    expect(h.evaluate().ok).to.equal(true);
  });

  it('static-pod-running finds the mirror pod by the component label on the node', async () => {
    const sched = pod('kube-system', 'kube-scheduler-10.128.38.1', { node: '10.128.38.1' });
    sched.metadata.labels = { component: 'kube-scheduler', tier: 'control-plane' };
    const f = fakeContext({ objects: { pods: [sched], nodes: [node('10.128.38.1', { master: true })] } });
    const h = await staticPodRunning.start(f.ctx, { component: 'kube-scheduler', nodes: { names: ['10.128.38.1'] } });
    expect(h.evaluate()).to.deep.equal({ ok: true, observed: 'kube-scheduler-10.128.38.1 Running ready' });
    f.remove('pods', 'kube-scheduler-10.128.38.1', 'kube-system');
    expect(h.evaluate()).to.deep.equal({ ok: false, observed: 'no kube-scheduler pod on 10.128.38.1' });
  });
});
