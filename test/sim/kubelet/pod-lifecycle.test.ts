import { expect } from 'chai';
import { conditionOf } from '../../../src/kube/objects.js';
import { cluster, containerStatus, eventsFor, pod, podOf, watchPod, closeClusters } from './helpers.js';

describe('simulated kubelet: pod lifecycle', () => {
  afterEach(closeClusters);
  it('pulls the image, starts the container and turns the pod Running and Ready with an IP from the node CIDR', async () => {
    const { ctx } = cluster();
    const t0 = ctx.clock.now();
    ctx.store.create('pods', pod('web', '10.128.38.6'));
    await ctx.advance(30_000);
    const p = podOf(ctx, 'web')!;
    expect(p.status.phase).to.equal('Running');
    expect(conditionOf(p, 'Ready')?.status).to.equal('True');
    expect(conditionOf(p, 'ContainersReady')?.status).to.equal('True');
    expect(conditionOf(p, 'Initialized')?.status).to.equal('True');
    expect(conditionOf(p, 'PodScheduled')?.status).to.equal('True');
    expect(p.status.podIP).to.match(/^10\.244\.1\.\d+$/);
    expect(p.status.hostIP).to.equal('10.128.38.6');
    const readyAt = Date.parse(conditionOf(p, 'Ready')!.lastTransitionTime!);
    expect(readyAt - t0).to.equal(ctx.params.imagePullTime + ctx.params.containerStartTime);
    const reasons = eventsFor(ctx, 'web').map((e) => e.reason);
    expect(reasons).to.include.members(['Pulling', 'Pulled', 'Created', 'Started']);
  });

  it('restarts a crashing container with back-off 10, 20, 40, 80, 160, 300, 300 s and reports CrashLoopBackOff', async () => {
    const { ctx } = cluster();
    ctx.store.create('pods', pod('crasher', '10.128.38.6', { annotations: { 'sim.gameday.io/crash': 'true' } }));
    const starts: number[] = [];
    const finishes: number[] = [];
    let seenBackOff = false;
    watchPod(ctx, 'crasher', (p) => {
      const cs = containerStatus(p);
      const running = cs?.state?.running?.startedAt as string | undefined;
      if (running && !starts.includes(Date.parse(running))) starts.push(Date.parse(running));
      const fin = cs?.lastState?.terminated?.finishedAt as string | undefined;
      if (fin && !finishes.includes(Date.parse(fin))) finishes.push(Date.parse(fin));
      if (cs?.state?.waiting?.reason === 'CrashLoopBackOff') seenBackOff = true;
    });
    await ctx.advance(20 * 60_000);
    const delays = starts.slice(1).map((s, i) => (s - finishes[i]!) / 1000);
    expect(delays.slice(0, 7)).to.deep.equal([10, 20, 40, 80, 160, 300, 300]);
    expect(seenBackOff).to.equal(true);
    const p = podOf(ctx, 'crasher')!;
    expect(containerStatus(p)!.restartCount).to.be.greaterThanOrEqual(7);
    expect(containerStatus(p)!.lastState.terminated.exitCode).to.equal(1);
    const backoff = eventsFor(ctx, 'crasher').find((e) => e.reason === 'BackOff');
    expect(backoff?.message).to.equal(
      `Back-off restarting failed container app in pod crasher_default(${p.metadata.uid})`,
    );
  });

  it('OOM-kills a container using more memory than its limit with exit code 137', async () => {
    const { ctx } = cluster();
    ctx.store.create(
      'pods',
      pod('hungry', '10.128.38.6', {
        annotations: { 'sim.gameday.io/memory-usage': '900Mi' },
        container: { resources: { limits: { memory: '512Mi' }, requests: { memory: '512Mi' } } },
      }),
    );
    await ctx.advance(60_000);
    const cs = containerStatus(podOf(ctx, 'hungry'))!;
    expect(cs.lastState.terminated.reason).to.equal('OOMKilled');
    expect(cs.lastState.terminated.exitCode).to.equal(137);
    expect(cs.restartCount).to.be.greaterThan(0);
  });
});
