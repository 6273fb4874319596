import { expect } from 'chai';
import type { KubeObject } from '../../../src/kube/objects.js';
import { admit } from '../../../src/sim/admission/index.js';
import type { Controller } from '../../../src/sim/context.js';
import { deleteObject } from '../../../src/sim/controllers/delete.js';
import { GarbageCollector } from '../../../src/sim/controllers/garbage-collector.js';
import { JOB_TRACKING_FINALIZER, JobController } from '../../../src/sim/controllers/job.js';
import { ROOT_CA_CONFIGMAP, NamespaceDefaultsController } from '../../../src/sim/controllers/namespace-defaults.js';
import { Scheduler } from '../../../src/sim/controllers/scheduler.js';
import { makeSimCluster, type SimCluster } from '../../../src/sim/testing/sim-cluster.js';

const NODES = [
  { name: '10.128.38.1', role: 'master' as const },
  { name: '10.128.38.6', role: 'worker' as const },
  { name: '10.128.38.7', role: 'worker' as const },
];

/** A Job as `kubectl create job NAME --image=busybox -- CMD...` sends it, through admission. */
function job(name: string, command: string[], spec: Record<string, unknown> = {}, sim?: SimCluster): KubeObject {
  return admit(
    'jobs',
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: 'default' },
      spec: {
        template: {
          metadata: {},
          spec: { containers: [{ name, image: 'busybox:1.36', command }], restartPolicy: 'Never' },
        },
        ...spec,
      },
    },
    undefined,
    { store: sim?.ctx.store },
  );
}

describe('Job controller', () => {
  let sim: SimCluster;
  let controllers: Controller[];
  beforeEach(async () => {
    sim = makeSimCluster({ nodes: NODES, etcd: false });
    controllers = [new Scheduler(), new JobController(), new GarbageCollector(), new NamespaceDefaultsController()];
    for (const c of controllers) c.start(sim.ctx);
    sim.ctx.store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    // Until then kube-controller-manager and kube-scheduler elect their leaders.
    await sim.ctx.advance(30_000);
  });
  afterEach(() => {
    for (const c of controllers) c.stop();
    sim.close();
  });

  const get = (name: string): KubeObject => sim.ctx.store.get('jobs', 'default', name)!;
  const podsOf = (name: string): KubeObject[] =>
    sim.ctx.store.list('pods', { namespace: 'default', labelSelector: `batch.kubernetes.io/job-name=${name}` });
  const conditions = (j: KubeObject): string[][] =>
    ((j.status?.conditions ?? []) as { type: string; reason: string }[]).map((c) => [c.type, c.reason]);

  it('selects its pods by its own uid and labels them with its name, as the apiserver defaults a Job', () => {
    const j = job('hello', ['echo', 'hi'], {}, sim);
    expect(j.spec.selector.matchLabels).to.deep.equal({ 'batch.kubernetes.io/controller-uid': j.metadata.uid });
    expect(j.spec.template.metadata.labels).to.include({
      'batch.kubernetes.io/job-name': 'hello',
      'job-name': 'hello',
      'controller-uid': j.metadata.uid,
    });
    expect(j.spec).to.include({
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
    });
    expect(j.metadata.labels).to.deep.equal(j.spec.template.metadata.labels);
  });

  it('runs completions pods, parallelism at a time, and completes with each counted once', async () => {
    sim.ctx.store.create('jobs', job('hello', ['echo', 'hi'], { completions: 3, parallelism: 2 }, sim));
    await sim.ctx.advance(2_000);
    expect(podsOf('hello').filter((p) => p.status?.phase !== 'Succeeded')).to.have.length(2);
    await sim.ctx.advance(60_000);
    const j = get('hello');
    expect(j.status).to.include({ succeeded: 3, ready: 0, terminating: 0 });
    expect(j.status.active).to.equal(undefined);
    expect(j.status.uncountedTerminatedPods).to.deep.equal({});
    expect(conditions(j)).to.deep.equal([
      ['SuccessCriteriaMet', 'CompletionsReached'],
      ['Complete', 'CompletionsReached'],
    ]);
    expect(Date.parse(j.status.completionTime)).to.be.greaterThan(Date.parse(j.status.startTime));
    const pods = podsOf('hello');
    expect(pods).to.have.length(3);
    expect(pods.every((p) => p.status?.phase === 'Succeeded' && !p.metadata.finalizers?.length)).to.equal(true);
    const events = sim.ctx.store.list('events').filter((e) => (e.involvedObject as { name: string }).name === 'hello');
    expect(events.filter((e) => e.reason === 'SuccessfulCreate')).to.have.length(3);
    expect(events.map((e) => e.reason)).to.include('Completed');
  });

  it('replaces failed pods after 10 s, then 20 s, and fails past backoffLimit', async () => {
    sim.ctx.store.create('jobs', job('flaky', ['sh', '-c', 'echo trying; exit 2'], { backoffLimit: 2 }, sim));
    await sim.ctx.advance(300_000);
    const j = get('flaky');
    expect(j.status).to.include({ failed: 3 });
    expect(conditions(j)).to.deep.equal([
      ['FailureTarget', 'BackoffLimitExceeded'],
      ['Failed', 'BackoffLimitExceeded'],
    ]);
    const created = podsOf('flaky')
      .map((p) => Date.parse(p.metadata.creationTimestamp!))
      .sort((a, b) => a - b);
    const finished = podsOf('flaky')
      .map((p) => Date.parse(p.status.containerStatuses[0].state.terminated.finishedAt))
      .sort((a, b) => a - b);
    expect(created).to.have.length(3);
    // Each replacement waits its back-off from the failure it replaces (whole seconds: creation timestamps).
    expect(Math.round((created[1]! - finished[0]!) / 1000)).to.equal(10);
    expect(Math.round((created[2]! - finished[1]!) / 1000)).to.equal(20);
  });

  it('fails a Job active longer than activeDeadlineSeconds and deletes its running pod', async () => {
    sim.ctx.store.create('jobs', job('slow', ['sleep', '600'], { activeDeadlineSeconds: 30 }, sim));
    await sim.ctx.advance(60_000);
    expect(conditions(get('slow'))).to.deep.equal([
      ['FailureTarget', 'DeadlineExceeded'],
      ['Failed', 'DeadlineExceeded'],
    ]);
    await sim.ctx.advance(60_000);
    expect(podsOf('slow').filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running')).to.deep.equal(
      [],
    );
  });

  it('lets the pods of a deleted Job go: the garbage collector deletes them and their finalizer is released', async () => {
    sim.ctx.store.create('jobs', job('forever', ['sleep', 'infinity'], {}, sim));
    await sim.ctx.advance(20_000);
    const [pod] = podsOf('forever');
    expect(pod!.metadata.finalizers).to.deep.equal([JOB_TRACKING_FINALIZER]);
    deleteObject(sim.ctx.store, 'jobs', 'default', 'forever', sim.ctx.clock.now(), { propagationPolicy: 'Background' });
    await sim.ctx.advance(60_000);
    expect(podsOf('forever')).to.deep.equal([]);
  });

  it('lets a Job deleted in the foreground go once its pods are gone', async () => {
    sim.ctx.store.create('jobs', job('fg', ['sleep', 'infinity'], {}, sim));
    await sim.ctx.advance(20_000);
    expect(podsOf('fg')).to.have.length(1);
    deleteObject(sim.ctx.store, 'jobs', 'default', 'fg', sim.ctx.clock.now(), { propagationPolicy: 'Foreground' });
    await sim.ctx.advance(60_000);
    expect(podsOf('fg')).to.deep.equal([]);
    expect(sim.ctx.store.get('jobs', 'default', 'fg')).to.equal(undefined);
  });

  it("gives every namespace its default ServiceAccount and the cluster's root CA, and puts them back", async () => {
    sim.ctx.store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    await sim.ctx.advance(1_000);
    expect(sim.ctx.store.get('serviceaccounts', 'team-a', 'default')).to.not.equal(undefined);
    const ca = sim.ctx.store.get('configmaps', 'team-a', ROOT_CA_CONFIGMAP)!;
    expect((ca.data as Record<string, string>)['ca.crt']).to.match(
      /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/,
    );
    sim.ctx.store.remove('serviceaccounts', 'team-a', 'default');
    sim.ctx.store.mutate('configmaps', 'team-a', ROOT_CA_CONFIGMAP, (o) => {
      o.data = { 'ca.crt': 'tampered' };
    });
    await sim.ctx.advance(1_000);
    expect(sim.ctx.store.get('serviceaccounts', 'team-a', 'default')).to.not.equal(undefined);
    expect(
      (sim.ctx.store.get('configmaps', 'team-a', ROOT_CA_CONFIGMAP)!.data as Record<string, string>)['ca.crt'],
    ).to.equal((ca.data as Record<string, string>)['ca.crt']);
  });
});
