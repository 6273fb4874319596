import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Journal } from '../../src/engine/journal.js';
import { SCRATCH_LABEL } from '../../src/kit/namespace.js';
import { thisProcess } from '../../src/engine/process-identity.js';
import { rollbackJournal } from '../../src/engine/rollback.js';
import { runExperiment } from '../../src/engine/runner.js';
import type { Experiment } from '../../src/experiment/types.js';
import type { KubeObject } from '../../src/kube/objects.js';
import type { RunResult } from '../../src/report/result.js';
import { SimTarget } from '../../src/targets/sim/sim-target.js';
import { tempDir } from '../e2e/support.js';

/**
 * Issue 15 item 2 and 12 on the simulator: what recovery steps change is journalled and undone like the
 * faults, every object the drill touched is compared with what it was before the drill, and a step that
 * would take down more than the blast radius allows is refused before it runs.
 */
const WORKER = '10.128.38.9';
const OTHER = '10.128.38.10';

function drill(over: Partial<Experiment>): Experiment {
  return {
    id: 'undo-recovery',
    title: 'test',
    description: 'test',
    runbook: 'test',
    clusters: ['business'],
    steadyState: [{ type: 'no-notready-nodes' }],
    faults: [{ type: 'stop-kubelet', nodes: { names: [WORKER] } }],
    recovery: { mode: 'automatic', steps: [{ type: 'restart-service', service: 'kubelet' }] },
    verify: [{ type: 'no-notready-nodes' }],
    targets: {},
    ...over,
  };
}

interface Run {
  result: RunResult;
  target: SimTarget;
  journal: Journal;
  node(name: string): Promise<KubeObject>;
}

/** Each run's journal directory, newest last: a test reads the journal while its drill runs. */
const tempDirs: string[] = [];

async function run(e: Experiment, before?: (t: SimTarget) => Promise<void>): Promise<Run> {
  const target = await SimTarget.create({ seed: 1 });
  await before?.(target);
  const dir = tempDir('undo-recovery');
  tempDirs.push(dir);
  const result = await runExperiment({ file: 'undo.json', experiment: e }, target, {
    seed: 1,
    dryRun: false,
    signal: new AbortController().signal,
    journalDir: dir,
    journalTarget: { kind: 'sim', embedded: true },
  });
  const [file] = readdirSync(dir).filter((n) => n.endsWith('.json'));
  return {
    result,
    target,
    journal: Journal.read(join(dir, file!)),
    node: async (name) => (await target.kube('business').get('nodes', name))!,
  };
}

describe('recovery steps are undone too, and the cluster is compared with what it was (issue 15 items 2, 12)', function () {
  this.timeout(60_000);
  const open: SimTarget[] = [];
  afterEach(async () => {
    for (const t of open.splice(0)) await t.close();
  });
  const go = async (e: Experiment, before?: (t: SimTarget) => Promise<void>): Promise<Run> => {
    const r = await run(e, before);
    open.push(r.target);
    return r;
  };

  it('a drain blocked by a PodDisruptionBudget left the node SchedulingDisabled: the rollback uncordons it and says so', async () => {
    const r = await go(
      drill({
        faults: [
          {
            type: 'taint-nodes',
            workload: { namespace: 'business', kind: 'Deployment', name: 'order-service' },
            nodes: { names: [WORKER] },
            effect: 'NoSchedule',
          },
        ],
        recovery: { mode: 'automatic', steps: [{ type: 'drain', maxWait: '30s' }] },
      }),
      async (t) => {
        // No order-service pod may be evicted: the drain waits, then gives up.
        await t
          .kube('business')
          .patch(
            'poddisruptionbudgets',
            'order-service',
            { spec: { minAvailable: 3 } },
            { namespace: 'business', type: 'merge' },
          );
      },
    );
    expect(r.result.verdict).to.equal('fail');
    expect(r.result.error).to.match(/drain 10\.128\.38\.9 timed out/);
    expect((await r.node(WORKER)).spec.unschedulable ?? false).to.equal(false);
    expect(r.result.rollback.ok, r.result.rollback.errors.join('\n')).to.equal(true);
    expect(r.result.rollback.restored).to.deep.equal([
      'put back business: node 10.128.38.9 schedulable with taints none',
    ]);
    const rec = r.journal.findObject({ cluster: 'business', resource: 'nodes', name: WORKER });
    expect(rec?.by).to.deep.equal(['the faults', '/recovery/steps/0 (drain)']);
    expect(rec?.before?.spec?.unschedulable).to.equal(undefined);
    expect(r.journal.data.state).to.equal('rolled-back');
  });

  it("a node cordoned before the drill stays cordoned: the rollback undoes the drill's uncordon, not the person's cordon", async () => {
    const r = await go(
      drill({
        recovery: {
          mode: 'automatic',
          steps: [
            { type: 'restart-service', service: 'kubelet' },
            { type: 'uncordon', nodes: { names: [OTHER] } },
          ],
        },
      }),
      async (t) => {
        await t.kube('business').patch('nodes', OTHER, { spec: { unschedulable: true } }, { type: 'merge' });
      },
    );
    expect(r.result.verdict).to.equal('pass');
    expect((await r.node(OTHER)).spec.unschedulable).to.equal(true);
    expect(r.result.rollback.restored).to.deep.equal([
      'put back business: node 10.128.38.10 cordoned with taints none',
    ]);
  });

  it('a kubelet a step stopped is started again; one a step stopped and a later step started is left alone', async () => {
    const r = await go(
      drill({
        blastRadius: { maxNodes: 2 },
        recovery: {
          mode: 'automatic',
          steps: [
            { type: 'restart-service', service: 'kubelet' },
            { type: 'stop-service', service: 'container-runtime', nodes: { names: [WORKER] } },
            { type: 'start-service', service: 'container-runtime', nodes: { names: [WORKER] } },
            { type: 'stop-service', service: 'kubelet', nodes: { names: [OTHER] } },
          ],
        },
        verify: [],
      }),
    );
    expect(r.result.verdict).to.equal('pass');
    expect(await r.target.nodes('business').serviceState(OTHER, 'kubelet')).to.equal('active');
    expect(r.result.rollback.reverted).to.deep.equal([
      'service 10.128.38.10 kubelet start on business (undoes /recovery/steps/3 (stop-service): service 10.128.38.10 kubelet stop)',
      'stop-kubelet on business',
    ]);
    expect(r.journal.data.changes?.map((c) => [c.by, c.status])).to.deep.equal([
      ['/recovery/steps/0 (restart-service)', 'done'],
      ['/recovery/steps/1 (stop-service)', 'superseded'],
      ['/recovery/steps/2 (start-service)', 'done'],
      ['/recovery/steps/3 (stop-service)', 'undone'],
    ]);
    expect(r.result.rollback.ok, r.result.rollback.errors.join('\n')).to.equal(true);
  });

  it('a host call goes ahead on a node the API cannot show (host operations do not depend on the API), unrecorded', async () => {
    const r = await go(
      drill({
        blastRadius: { maxNodes: 2 },
        recovery: {
          mode: 'automatic',
          steps: [
            { type: 'restart-service', service: 'kubelet' },
            { type: 'stop-service', service: 'kubelet', nodes: { names: [OTHER] } },
          ],
        },
        verify: [],
      }),
      (t) => {
        // The apiserver cannot answer for this node (as when it is down): reads of it fail.
        const kube = t.kube('business');
        const get = kube.get.bind(kube);
        kube.get = (resource, name, namespace) =>
          resource === 'nodes' && name === OTHER
            ? Promise.reject(new Error('connection refused'))
            : get(resource, name, namespace);
        return Promise.resolve();
      },
    );
    expect(r.result.steps.map((s) => [s.name, s.ok, s.error])).to.deep.equal([
      ['restart-service', true, undefined],
      ['stop-service', true, undefined],
    ]);
    expect(r.journal.data.objects?.some((o) => o.resource === 'nodes' && o.name === OTHER)).to.equal(false);
    // Its change is journalled and undone all the same.
    expect(r.result.rollback.reverted).to.include(
      'service 10.128.38.10 kubelet start on business (undoes /recovery/steps/1 (stop-service): service 10.128.38.10 kubelet stop)',
    );
    expect(await r.target.nodes('business').serviceState(OTHER, 'kubelet')).to.equal('active');
  });

  it('a template and a replica count recovery changed are put back as they were before the drill', async () => {
    const w = { namespace: 'business', kind: 'Deployment' as const, name: 'portal-web' };
    let before: KubeObject | undefined;
    const r = await go(
      drill({
        faults: [{ type: 'break-image', workload: w }],
        recovery: {
          mode: 'automatic',
          steps: [
            { type: 'set-resources', requests: { cpu: '+100m' } },
            { type: 'patch-tolerations', seconds: 30 },
            { type: 'scale', replicas: 3 },
          ],
        },
        steadyState: [{ type: 'workload-available', workload: w }],
        verify: [{ type: 'workload-available', workload: w }],
      }),
      async (t) => {
        before = await t.kube('business').get('deployments', w.name, w.namespace);
      },
    );
    expect(r.result.verdict, r.result.error).to.equal('pass');
    const after = (await r.target.kube('business').get('deployments', w.name, w.namespace))!;
    expect(after.spec.replicas).to.equal(before!.spec.replicas);
    expect(after.spec.template.spec.containers).to.deep.equal(before!.spec.template.spec.containers);
    expect(after.spec.template.spec.tolerations ?? []).to.deep.equal(before!.spec.template.spec.tolerations ?? []);
    expect(r.result.rollback.restored).to.deep.equal([
      'put back business: Deployment business/portal-web at 2 replicas',
      "put back business: Deployment business/portal-web's pod template as it was",
    ]);
    expect(r.result.rollback.ok, r.result.rollback.errors.join('\n')).to.equal(true);
  });

  it('a Service selector a step switched is switched back', async () => {
    const r = await go(
      drill({
        faults: [
          { type: 'scale-workload', workload: { namespace: 'business', kind: 'Deployment', name: 'portal-web' } },
        ],
        recovery: {
          mode: 'automatic',
          steps: [
            { type: 'patch-service', namespace: 'business', service: 'portal-web', selector: { app: 'user-service' } },
            { type: 'scale', replicas: 2 },
          ],
        },
        verify: [],
      }),
    );
    const svc = (await r.target.kube('business').get('services', 'portal-web', 'business'))!;
    expect(svc.spec.selector).to.deep.equal({ app: 'portal-web' });
    expect(r.result.rollback.restored).to.deep.equal([
      "put back business: Service business/portal-web's selector and ports",
    ]);
  });

  it('what the drill did not change but is different fails the rollback check, listed, and is left as the person made it', async () => {
    const r = await go(
      drill({ detect: [{ type: 'node-ready', nodes: { from: 'faults' }, ready: false }] }),
      async (t) => {
        // Someone cordons the drilled node during the drill: not the drill's to undo, but not as it was.
        t.clock.setTimer(
          20_000,
          () => void t.kube('business').patch('nodes', WORKER, { spec: { unschedulable: true } }, { type: 'merge' }),
        );
      },
    );
    expect(r.result.rollback.ok).to.equal(false);
    expect(r.result.rollback.errors).to.deep.equal([
      'left different from before the drill: business: node 10.128.38.9 is SchedulingDisabled (it was schedulable)',
    ]);
    expect(r.result.verdict).to.equal('error');
    expect((await r.node(WORKER)).spec.unschedulable).to.equal(true);
    expect(r.journal.data.state).to.equal('rollback-incomplete');
  });

  it('in a manual drill, the node its people cordoned as the runbook says is put back, from the journal too', async () => {
    let journalDuringRecovery: Journal | undefined;
    const r = await go(
      drill({
        detect: [{ type: 'node-ready', nodes: { from: 'faults' }, ready: false }],
        recovery: {
          mode: 'manual',
          steps: [{ type: 'cordon' }, { type: 'restart-service', service: 'kubelet' }],
        },
      }),
      async (t) => {
        // The on-call SRE, once the node is NotReady (about 40 s): cordons it, then starts kubelet again.
        t.clock.setTimer(90_000, () => {
          void (async () => {
            await t.kube('business').patch('nodes', WORKER, { spec: { unschedulable: true } }, { type: 'merge' });
            await t.nodes('business').service(WORKER, 'kubelet', 'start');
            const dir = tempDirs.at(-1)!;
            const [file] = readdirSync(dir).filter((n) => n.endsWith('.json'));
            journalDuringRecovery = Journal.read(join(dir, file!));
          })();
        });
      },
    );
    expect(r.result.verdict, r.result.error).to.equal('pass');
    expect(journalDuringRecovery?.data.manualRecovery, 'journalled before anyone acts').to.be.a('string');
    expect(r.result.rollback.ok, r.result.rollback.errors.join('\n')).to.equal(true);
    expect(r.result.rollback.restored).to.deep.equal([
      'put back business: node 10.128.38.9 schedulable with taints none',
    ]);
    expect((await r.node(WORKER)).spec.unschedulable ?? false).to.equal(false);

    // `gameday rollback` of that journal, as a crashed run left it, puts the cordon back too.
    await r.target.kube('business').patch('nodes', WORKER, { spec: { unschedulable: true } }, { type: 'merge' });
    const crashed = journalDuringRecovery!;
    crashed.data.process = { ...thisProcess(), startTime: 'another-start' };
    const report = await rollbackJournal(crashed, r.target, new AbortController().signal);
    expect(report.errors).to.deep.equal([]);
    expect((await r.node(WORKER)).spec.unschedulable ?? false).to.equal(false);
  });

  it("ends with none of its write probe's scratch ConfigMaps left, even one the probe could not delete", async () => {
    const r = await go(drill({ steadyState: [{ type: 'no-notready-nodes' }, { type: 'api-writable' }] }), async (t) => {
      // As when the API took a probe's create and then refused its delete: the ConfigMap stayed.
      await t.kube('business').create('namespaces', { metadata: { name: 'gameday' } });
      await t.kube('business').create('configmaps', {
        metadata: {
          name: 'gameday-api-writable-x1',
          namespace: 'gameday',
          labels: { [SCRATCH_LABEL]: 'api-writable' },
        },
      });
    });
    expect(r.result.verdict, r.result.error).to.equal('pass');
    const left = await r.target.kube('business').list('configmaps', { labelSelector: SCRATCH_LABEL });
    expect(left.items.map((c) => c.metadata.name)).to.deep.equal([]);
    expect(r.result.timeline.map((t) => t.text)).to.include(
      'removed gameday/gameday-api-writable-x1 its write probes had left',
    );
  });

  it('refuses a step that would stop the container runtime on every master, before it runs, and rolls back', async () => {
    const r = await go(
      drill({
        recovery: {
          mode: 'automatic',
          steps: [
            { type: 'restart-service', service: 'kubelet' },
            { type: 'stop-service', service: 'container-runtime', nodes: { role: 'master', all: true } },
          ],
        },
        blastRadius: { maxNodes: 4 },
      }),
    );
    expect(r.result.verdict).to.equal('error');
    expect(r.result.error).to.equal(
      'undo.json: /recovery/steps/1 (stop-service): refused before it ran, the blast radius is too large: business: with the faults, it would take down 3 of 3 control-plane nodes (10.128.38.6, 10.128.38.7, 10.128.38.8); set blastRadius.allowControlPlaneMajority to drill that; business: with the faults, it would leave 0 of 3 etcd members, below quorum (2); set blastRadius.allowQuorumLoss to drill that; the drill rolls back.',
    );
    for (const m of ['10.128.38.6', '10.128.38.7', '10.128.38.8'])
      expect(await r.target.nodes('business').serviceState(m, 'container-runtime')).to.equal('active');
    expect(r.result.rollback).to.deep.include({ ok: true, reverted: ['stop-kubelet on business'] });
  });

  it('refuses a step that would remove every master, naming etcd quorum as well', async () => {
    const r = await go(
      drill({
        recovery: { mode: 'automatic', steps: [{ type: 'remove-node', nodes: { role: 'master', all: true } }] },
        blastRadius: { maxNodes: 4, allowControlPlaneMajority: true },
      }),
    );
    expect(r.result.verdict).to.equal('error');
    expect(r.result.error).to.contain('with the faults, it would leave 0 of 3 etcd members, below quorum (2)');
    expect((await r.target.kube('business').list('nodes')).items).to.have.length(7);
  });

  it('refuses an etcd restore while etcd still has quorum (it would take the whole cluster down); allows it once quorum is lost', async () => {
    const restore = (count: number): Experiment =>
      drill({
        clusters: ['control'],
        steadyState: [],
        faults: [{ type: 'kill-etcd-members', members: { count }, snapshot: true }],
        recovery: { mode: 'automatic', steps: [{ type: 'etcd-restore-single' }] },
        verify: [],
        blastRadius: { maxEtcdMembers: 2, allowQuorumLoss: true },
      });
    const one = await go(restore(1));
    expect(one.result.verdict).to.equal('error');
    expect(one.result.error).to.contain(
      '/recovery/steps/0 (etcd-restore-single): refused before it ran, the blast radius is too large: control: with the faults, it would take down 3 etcd members',
    );
    const two = await go(restore(2));
    expect(two.result.steps.map((s) => [s.name, s.ok, s.error])).to.deep.equal([
      ['etcd-restore-single', true, undefined],
    ]);
  });

  it('lets a step act on what the faults already took down (restart the runtime the fault stopped)', async () => {
    const r = await go(
      drill({
        faults: [{ type: 'stop-container-runtime', nodes: { names: ['10.128.38.6'] } }],
        recovery: { mode: 'automatic', steps: [{ type: 'restart-service', service: 'container-runtime' }] },
      }),
    );
    expect(r.result.verdict, r.result.error).to.equal('pass');
  });
});
