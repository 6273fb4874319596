import { expect } from 'chai';
import { stopContainerRuntime } from '../../src/faults/stop-container-runtime.js';
import { conditionOf, type KubeObject } from '../../src/kube/objects.js';
import { simHarness, type SimHarness } from '../kit/sim-context.js';

const WORKER = '10.128.38.10';

interface ContainerStatus {
  name: string;
  restartCount: number;
  state: { running?: { startedAt: string }; terminated?: { exitCode: number } };
}

/** Each container: its restarts, and since when it runs (or how it ended). */
function statuses(pod: KubeObject): { name: string; restartCount: number; since: number | string }[] {
  return ((pod.status as { containerStatuses?: ContainerStatus[] } | undefined)?.containerStatuses ?? []).map((c) => ({
    name: c.name,
    restartCount: c.restartCount,
    since: c.state.running ? Date.parse(c.state.running.startedAt) : `terminated ${c.state.terminated?.exitCode}`,
  }));
}

describe('stop-container-runtime on the simulator', function () {
  this.timeout(30_000);
  let h: SimHarness;
  beforeEach(async () => {
    h = await simHarness('business');
  });
  afterEach(async () => {
    await h.close();
  });

  it("issue 13 item 8: running containers keep running (containerd's KillMode=process); the node turns NotReady", async () => {
    const pods = h.ctx.informer('pods', { fieldSelector: `spec.nodeName=${WORKER}` });
    const nodes = h.ctx.informer('nodes');
    await Promise.all([pods.ready(), nodes.ready()]);
    const before = pods.items().map((p) => [p.metadata.name, statuses(p)] as const);
    expect(before.length).to.be.greaterThan(0);
    for (const [, s] of before) for (const c of s) expect(c.since, c.name).to.be.a('number');

    const params = { nodes: { names: [WORKER] } };
    const plan = await stopContainerRuntime.plan(h.ctx, params);
    await stopContainerRuntime.inject(h.ctx, params, plan);
    const ready = () => conditionOf(nodes.get(WORKER)!, 'Ready');
    await h.ctx.clock.waitFor(() => ready()?.status === 'False', { timeoutMs: 60_000, what: 'NotReady' });
    expect(ready()?.message).to.match(/^container runtime is down/);
    await h.ctx.clock.sleep(30_000);
    // Nothing was killed: the same containers, still running, no restart.
    expect(pods.items().map((p) => [p.metadata.name, statuses(p)] as const)).to.deep.equal(before);

    await stopContainerRuntime.revert(h.ctx, params, plan);
    await h.ctx.clock.waitFor(() => ready()?.status === 'True', { timeoutMs: 120_000, what: 'Ready' });
    expect(pods.items().map((p) => [p.metadata.name, statuses(p)] as const)).to.deep.equal(before);
  });
});
