import { expect } from 'chai';
import { conditionOf } from '../../../src/kube/objects.js';
import { cluster, containerStatus, eventsFor, pod, podOf, watchPod, closeClusters } from './helpers.js';

const W = '10.128.38.6';

describe('simulated kubelet: pod failures', () => {
  afterEach(closeClusters);
  it('reports ErrImagePull then ImagePullBackOff for an image that does not exist, retrying with back-off', async () => {
    const { ctx } = cluster();
    ctx.store.create('pods', pod('bad', W, { container: { image: 'registry.local/app:doesnotexist' } }));
    const reasons: string[] = [];
    watchPod(ctx, 'bad', (p) => {
      const r = containerStatus(p)?.state?.waiting?.reason as string | undefined;
      if (r && reasons[reasons.length - 1] !== r) reasons.push(r);
    });
    await ctx.advance(120_000);
    expect(reasons.slice(0, 3)).to.deep.equal(['ContainerCreating', 'ErrImagePull', 'ImagePullBackOff']);
    const p = podOf(ctx, 'bad')!;
    expect(p.status.phase).to.equal('Pending');
    const events = eventsFor(ctx, 'bad');
    const backoff = events.find((e) => e.reason === 'BackOff')!;
    expect(backoff.message).to.equal('Back-off pulling image "registry.local/app:doesnotexist"');
    const pulls = events.find((e) => e.reason === 'Pulling')!;
    // 10 + 20 + 40 s of back-off fit in two minutes after the first pull: four attempts.
    expect(pulls.count).to.equal(4);
    expect(
      events.some((e) => e.message.startsWith('Failed to pull image "registry.local/app:doesnotexist": rpc error')),
    ).to.equal(true);
  });

  it('fails the pull when the imagePullSecret is missing, and succeeds once the image is fixed', async () => {
    const { ctx } = cluster();
    ctx.store.create('pods', pod('private', W, { spec: { imagePullSecrets: [{ name: 'regcred' }] } }));
    await ctx.advance(30_000);
    expect(containerStatus(podOf(ctx, 'private'))!.state.waiting.reason).to.equal('ImagePullBackOff');
    expect(eventsFor(ctx, 'private').map((e) => e.reason)).to.include('FailedToRetrieveImagePullSecret');
    ctx.store.create('secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'regcred', namespace: 'default' },
      data: {},
    });
    await ctx.advance(60_000);
    expect(podOf(ctx, 'private')!.status.phase).to.equal('Running');
  });

  it('waits in ContainerCreating with FailedMount while a ConfigMap volume is missing, then starts when it appears', async () => {
    const { ctx } = cluster();
    ctx.store.create(
      'pods',
      pod('cfg', W, {
        spec: { volumes: [{ name: 'config', configMap: { name: 'app-config' } }] },
      }),
    );
    await ctx.advance(30_000);
    const p = podOf(ctx, 'cfg')!;
    expect(p.status.phase).to.equal('Pending');
    expect(containerStatus(p)!.state.waiting.reason).to.equal('ContainerCreating');
    const mount = eventsFor(ctx, 'cfg').find((e) => e.reason === 'FailedMount')!;
    expect(mount.message).to.equal('MountVolume.SetUp failed for volume "config" : configmap "app-config" not found');
    ctx.store.create('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app-config', namespace: 'default' },
      data: {},
    });
    await ctx.advance(10_000);
    expect(conditionOf(podOf(ctx, 'cfg')!, 'Ready')?.status).to.equal('True');
  });

  it('reports CreateContainerConfigError for a missing Secret in envFrom', async () => {
    const { ctx } = cluster();
    ctx.store.create('pods', pod('env', W, { container: { envFrom: [{ secretRef: { name: 'db-password' } }] } }));
    await ctx.advance(20_000);
    const cs = containerStatus(podOf(ctx, 'env'))!;
    expect(cs.state.waiting).to.deep.equal({
      reason: 'CreateContainerConfigError',
      message: 'secret "db-password" not found',
    });
  });

  it('keeps new pods in ContainerCreating with FailedCreatePodSandBox while the node CNI pod is not Ready', async () => {
    const { ctx } = cluster();
    ctx.store.create('pods', {
      ...pod('calico-node-x1', W, { annotations: { 'sim.gameday.io/readiness': 'fail' }, spec: { hostNetwork: true } }),
      metadata: {
        name: 'calico-node-x1',
        namespace: 'kube-system',
        labels: { 'k8s-app': 'calico-node' },
        annotations: { 'sim.gameday.io/readiness': 'fail' },
      },
    });
    ctx.store.create('pods', pod('app', W));
    await ctx.advance(30_000);
    expect(containerStatus(podOf(ctx, 'app'))!.state.waiting.reason).to.equal('ContainerCreating');
    expect(eventsFor(ctx, 'app').some((e) => e.reason === 'FailedCreatePodSandBox')).to.equal(true);
    // Deleting the broken CNI pod (its DaemonSet would recreate a healthy one) unblocks the node.
    ctx.store.mutate('pods', 'kube-system', 'calico-node-x1', (p) => {
      p.metadata.deletionTimestamp = new Date(ctx.clock.now()).toISOString();
      p.metadata.deletionGracePeriodSeconds = 30;
    });
    await ctx.advance(30_000);
    expect(ctx.store.get('pods', 'kube-system', 'calico-node-x1')).to.equal(undefined);
    expect(podOf(ctx, 'app')!.status.phase).to.equal('Running');
  });

  it('crashes a running container once its pod is annotated to crash, as a fault patching it does', async () => {
    const { ctx } = cluster();
    ctx.store.create('pods', pod('victim', W));
    await ctx.advance(20_000);
    expect(podOf(ctx, 'victim')!.status.phase).to.equal('Running');
    ctx.store.mutate('pods', 'default', 'victim', (p) => {
      p.metadata.annotations = { 'sim.gameday.io/crash': 'true' };
    });
    await ctx.advance(60_000);
    const cs = containerStatus(podOf(ctx, 'victim'))!;
    expect(cs.restartCount).to.be.greaterThan(0);
    expect(cs.lastState.terminated.exitCode).to.equal(1);
    expect(cs.state.waiting?.reason ?? 'running').to.be.oneOf(['CrashLoopBackOff', 'running']);
  });

  it('kills a container failing its liveness probe after failureThreshold x periodSeconds', async () => {
    const { ctx } = cluster();
    ctx.store.create(
      'pods',
      pod('live', W, {
        annotations: { 'sim.gameday.io/liveness': 'fail' },
        container: {
          livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5, failureThreshold: 3 },
        },
      }),
    );
    let firstStart: number | undefined;
    let firstKill: number | undefined;
    watchPod(ctx, 'live', (p) => {
      const cs = containerStatus(p);
      if (cs?.state?.running && firstStart === undefined) firstStart = Date.parse(cs.state.running.startedAt);
      if (cs?.lastState?.terminated && firstKill === undefined)
        firstKill = Date.parse(cs.lastState.terminated.finishedAt);
    });
    await ctx.advance(60_000);
    expect(firstKill! - firstStart!).to.equal(15_000);
    expect(
      eventsFor(ctx, 'live').some((e) => e.message === 'Container app failed liveness probe, will be restarted'),
    ).to.equal(true);
  });

  it('kills a container whose exec liveness probe exits non-zero, as crash-container writes it on a real cluster', async () => {
    const { ctx } = cluster();
    ctx.store.create(
      'pods',
      pod('exits', W, {
        container: {
          livenessProbe: { exec: { command: ['/bin/sh', '-c', 'exit 1'] }, periodSeconds: 5, failureThreshold: 1 },
        },
      }),
    );
    ctx.store.create(
      'pods',
      pod('healthy', W, {
        container: { livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 5 } },
      }),
    );
    await ctx.advance(60_000);
    expect(containerStatus(podOf(ctx, 'exits'))!.restartCount).to.be.greaterThan(0);
    expect(
      eventsFor(ctx, 'exits').some((e) => e.message === 'Container app failed liveness probe, will be restarted'),
    ).to.equal(true);
    expect(containerStatus(podOf(ctx, 'healthy'))!.restartCount).to.equal(0);
  });

  it('keeps a container failing readiness Running but not Ready', async () => {
    const { ctx } = cluster();
    ctx.store.create('pods', pod('unready', W, { annotations: { 'sim.gameday.io/readiness': 'fail' } }));
    await ctx.advance(60_000);
    const p = podOf(ctx, 'unready')!;
    expect(p.status.phase).to.equal('Running');
    expect(conditionOf(p, 'Ready')).to.include({
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [app]',
    });
    expect(containerStatus(p)!.restartCount).to.equal(0);
  });
});
