import { expect } from 'chai';
import { ImageRegistry, normalizeReference } from '../../../src/sim/kubelet/registry.js';
import { closeClusters, cluster, containerStatus, eventsFor, pod, podOf, watchPod } from './helpers.js';

const W = '10.128.38.6';

describe('simulated image registry', () => {
  afterEach(closeClusters);

  it('normalizes references as containerd does', () => {
    expect(normalizeReference('nginx')).to.deep.equal({
      repository: 'docker.io/library/nginx',
      reference: 'docker.io/library/nginx:latest',
    });
    expect(normalizeReference('calico/node:v3.3.7').reference).to.equal('docker.io/calico/node:v3.3.7');
    expect(normalizeReference('hub.qingzhou.io/nsf/nsf-server:3.2.0').reference).to.equal(
      'hub.qingzhou.io/nsf/nsf-server:3.2.0',
    );
    expect(normalizeReference('localhost:5000/app').reference).to.equal('localhost:5000/app:latest');
  });

  it('serves the images listed, every tag of a repository listed with :*, and nothing else', () => {
    const r = new ImageRegistry(['redis:4.0.14', 'nginx:*', 'hub.qingzhou.io/nsf/nsf-server:3.2.0']);
    expect(r.has('docker.io/library/redis:4.0.14')).to.equal(true);
    expect(r.has('redis:5.0')).to.equal(false);
    expect(r.has('nginx')).to.equal(true);
    expect(r.has('nginx:1.25')).to.equal(true);
    expect(r.has('ngnix:1.99')).to.equal(false);
    expect(r.has('hub.qingzhou.io/nsf/nsf-server:3.2.1')).to.equal(false);
    // Without a list everything pulls but the names that say they do not exist.
    expect(new ImageRegistry().has('anything:1')).to.equal(true);
    expect(new ImageRegistry().has('registry.invalid/x:1')).to.equal(false);
  });

  it('fails a typo with the runtime\'s "not found", then backs off 10 s doubling, and pulls once fixed', async () => {
    const { ctx, hosts } = cluster();
    hosts.registry = new ImageRegistry(['nginx:*']);
    ctx.store.create('pods', pod('typo', W, { container: { image: 'ngnix:1.99' } }));
    const pulls: number[] = [];
    watchPod(ctx, 'typo', (p, at) => {
      if (containerStatus(p)?.state?.waiting?.reason === 'ErrImagePull' && pulls[pulls.length - 1] !== at)
        pulls.push(at);
    });
    await ctx.advance(90_000);
    const ref = 'docker.io/library/ngnix:1.99';
    const failed = eventsFor(ctx, 'typo').find((e) => e.message.startsWith('Failed to pull image'))!;
    expect(failed.message).to.equal(
      `Failed to pull image "ngnix:1.99": rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`,
    );
    expect(containerStatus(podOf(ctx, 'typo'))!.state.waiting).to.deep.equal({
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "ngnix:1.99"',
    });
    // Each failed pull is 2 s of pulling after the back-off: 10 s, then 20 s, then 40 s.
    const gaps = pulls.slice(1).map((t, i) => t - pulls[i]!);
    expect(gaps.slice(0, 2)).to.deep.equal([12_000, 22_000]);
    ctx.store.remove('pods', 'default', 'typo');
    ctx.store.create('pods', pod('fixed', W, { container: { image: 'nginx:1.99' } }));
    await ctx.advance(30_000);
    expect(containerStatus(podOf(ctx, 'fixed'))!.state).to.have.property('running');
  });
});
