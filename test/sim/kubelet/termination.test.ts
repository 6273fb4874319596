import { expect } from 'chai';
import { cluster, pod, podOf, closeClusters } from './helpers.js';

const W = '10.128.38.6';

function markDeleted(ctx: ReturnType<typeof cluster>['ctx'], name: string, grace = 30): void {
  ctx.store.mutate('pods', 'default', name, (p) => {
    p.metadata.deletionTimestamp = new Date(ctx.clock.now() + grace * 1000).toISOString();
    p.metadata.deletionGracePeriodSeconds = grace;
  });
}

describe('simulated kubelet: graceful termination', () => {
  afterEach(closeClusters);
  it('stops the containers and removes a deleted pod within a few seconds on a healthy node', async () => {
    const { ctx } = cluster();
    ctx.store.create('pods', pod('web', W));
    await ctx.advance(20_000);
    const t0 = ctx.clock.now();
    let goneAt: number | undefined;
    ctx.store.onChange((e) => {
      if (e.type === 'DELETED' && e.object.metadata.name === 'web') goneAt = ctx.clock.now();
    });
    markDeleted(ctx, 'web');
    await ctx.advance(30_000);
    expect(podOf(ctx, 'web')).to.equal(undefined);
    expect(goneAt! - t0).to.equal(ctx.params.containerStopTime);
  });

  it('leaves a deleted pod Terminating while its node is powered off, and removes it after the node boots', async () => {
    const { ctx, hosts } = cluster();
    ctx.store.create('pods', pod('web', W));
    await ctx.advance(20_000);
    await hosts.ops().power(W, 'off');
    markDeleted(ctx, 'web');
    await ctx.advance(600_000);
    expect(podOf(ctx, 'web')?.metadata.deletionTimestamp).to.be.a('string');
    await hosts.ops().power(W, 'on');
    await ctx.advance(ctx.params.hostBootTime + 10_000);
    expect(podOf(ctx, 'web')).to.equal(undefined);
  });
});
