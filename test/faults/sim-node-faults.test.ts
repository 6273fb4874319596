import { expect } from 'chai';
import { freezeNode } from '../../src/faults/freeze-node.js';
import { moveStaticPodManifest } from '../../src/faults/move-static-pod-manifest.js';
import { nodeMemoryPressure } from '../../src/faults/node-memory-pressure.js';
import { partitionNode } from '../../src/faults/partition-node.js';
import { powerOffNode } from '../../src/faults/power-off-node.js';
import { stopContainerRuntime } from '../../src/faults/stop-container-runtime.js';
import { stopKubelet } from '../../src/faults/stop-kubelet.js';
import { overloadNode } from '../../src/faults/overload-node.js';
import { conditionOf } from '../../src/kube/objects.js';
import { leaderElected } from '../../src/probes/leader-elected.js';
import { nodeReady } from '../../src/probes/node-ready.js';
import { staticPodRunning } from '../../src/probes/static-pod-running.js';
import type { Fault } from '../../src/kit/plugin.js';
import { simHarness, type SimHarness } from '../kit/sim-context.js';

const WORKER = '10.128.38.10';

describe('node faults on the simulator', function () {
  this.timeout(30_000);
  let h: SimHarness;
  beforeEach(async () => {
    h = await simHarness('business');
  });
  afterEach(async () => {
    await h.close();
  });

  const notReadyThenBack =
    (fault: Fault<{ nodes?: { names: string[] } }>, within: [number, number] = [30_000, 60_000]) =>
    async () => {
      const params = { nodes: { names: [WORKER] } };
      const plan = await fault.plan(h.ctx, params);
      expect(plan.nodes).to.deep.equal([WORKER]);
      const down = await nodeReady.start(h.ctx, { ...params, ready: false });
      const up = await nodeReady.start(h.ctx, params);
      expect(up.evaluate().ok).to.equal(true);
      await fault.inject(h.ctx, params, plan);
      await fault.inject(h.ctx, params, plan); // idempotent
      const detected = await h.until(down);
      // Silent nodes: the node-monitor grace period (40 s) after the last heartbeat (every 10 s).
      expect(detected).to.be.within(...within);
      expect(down.evaluate().observed).to.match(new RegExp(`^${WORKER.replace(/\./g, '\\.')} Ready=(Unknown|False)`));
      await fault.revert(h.ctx, params, plan);
      await fault.revert(h.ctx, params, plan); // idempotent
      await h.until(up, true, 300_000);
      down.stop();
      up.stop();
    };

  it(
    'stop-kubelet takes the node NotReady after the grace period, and revert brings it back',
    notReadyThenBack(stopKubelet),
  );
  it('power-off-node does the same as a host crash, and revert powers it on', notReadyThenBack(powerOffNode));
  it('partition-node cuts the node off, and revert reconnects it', notReadyThenBack(partitionNode));
  it('freeze-node hangs the host, and revert resumes it', notReadyThenBack(freezeNode));
  it('overload-node starves kubelet of its heartbeats, and revert ends the load', notReadyThenBack(overloadNode));
  // kubelet still posts status, and reports the runtime down at its next update (every 10 s).
  it(
    'stop-container-runtime makes kubelet report the node not ready, and revert starts the runtime',
    notReadyThenBack(stopContainerRuntime, [1, 20_000]),
  );

  it('node-memory-pressure makes kubelet report MemoryPressure, and revert frees the memory', async () => {
    const params = { nodes: { names: [WORKER] } };
    const plan = await nodeMemoryPressure.plan(h.ctx, params);
    const nodes = h.ctx.informer('nodes');
    await nodes.ready();
    const pressure = () => conditionOf(nodes.get(WORKER)!, 'MemoryPressure')?.status;
    expect(pressure()).to.equal('False');
    await nodeMemoryPressure.inject(h.ctx, params, plan);
    await h.ctx.clock.waitFor(() => pressure() === 'True', { timeoutMs: 120_000, what: 'MemoryPressure' });
    await nodeMemoryPressure.revert(h.ctx, params, plan);
    // The pressure condition holds for the transition period (5 min) after the pressure is gone.
    await h.ctx.clock.waitFor(() => pressure() === 'False', { timeoutMs: 900_000, what: 'no MemoryPressure' });
  });
});

describe('control-plane faults on the simulator', function () {
  this.timeout(30_000);
  let h: SimHarness;
  beforeEach(async () => {
    h = await simHarness('control');
  });
  afterEach(async () => {
    await h.close();
  });

  it('move-static-pod-manifest stops the scheduler on a master; its leader moves on; revert brings the pod back', async () => {
    const leases = h.ctx.informer('leases', { namespace: 'kube-system' });
    await leases.ready();
    const holder = String(leases.get('kube-scheduler', 'kube-system')?.spec?.holderIdentity).split('_')[0]!;
    const params = { component: 'kube-scheduler' as const, nodes: { names: [holder] } };
    const plan = await moveStaticPodManifest.plan(h.ctx, params);
    const running = await staticPodRunning.start(h.ctx, params);
    const leader = await leaderElected.start(h.ctx, { component: 'kube-scheduler' });
    expect(running.evaluate().ok, running.evaluate().observed).to.equal(true);
    await moveStaticPodManifest.inject(h.ctx, params, plan);
    await h.until(running, false, 120_000);
    expect(running.evaluate().observed).to.equal(`no kube-scheduler pod on ${holder}`);
    // Another master takes the lease once the old holder stops renewing it.
    await h.ctx.clock.sleep(60_000);
    await h.until(leader, true, 60_000);
    expect(leader.evaluate().observed).not.to.contain(holder);
    await moveStaticPodManifest.revert(h.ctx, params, plan);
    await h.until(running, true, 120_000);
    running.stop();
    leader.stop();
  });
});
