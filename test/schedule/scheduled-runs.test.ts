import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { VirtualClock } from '../../src/engine/clock.js';
import { makeContext } from '../../src/engine/context.js';
import { Random } from '../../src/engine/random.js';
import { InvalidInputError } from '../../src/errors.js';
import { loadExperiments } from '../../src/experiment/load.js';
import { powerOffNode } from '../../src/faults/power-off-node.js';
import { newRunState } from '../../src/kit/plugin.js';
import { buildManifests, JOURNAL_DIR, type ScheduleOptions } from '../../src/schedule/manifests.js';
import { createLabTarget } from '../../src/targets/lab/lab-target.js';
import type { LabProfile } from '../../src/targets/lab/profile.js';
import { stubKube } from '../targets/kind/stub-kube.js';
import { IN_CLUSTER_PROFILE, IN_CLUSTER_PROFILE_TEXT, hostCrash } from './experiments.js';

const BASE: ScheduleOptions = {
  cron: '0 3 * * 1',
  namespace: 'gameday',
  image: 'gameday:0.1.0',
  target: 'lab',
  results: 'pvc',
  labProfile: { file: 'lab.json', text: IN_CLUSTER_PROFILE_TEXT },
};

type Doc = Record<string, unknown>;
const podSpec = (docs: Doc[]): Doc =>
  (docs.find((d) => d['kind'] === 'CronJob') as { spec: { jobTemplate: { spec: { template: { spec: Doc } } } } }).spec
    .jobTemplate.spec.template.spec;

describe('gameday schedule writes what works as generated (issue 13 item 13)', () => {
  it('issue 13 item 13: --target kind and --target lab without a profile are errors, and so is a time zone that does not exist', () => {
    expect(() => buildManifests([hostCrash], { ...BASE, target: 'kind' })).to.throw(
      InvalidInputError,
      '--target kind cannot run in a CronJob',
    );
    const { labProfile: _none, ...noProfile } = BASE;
    expect(() => buildManifests([hostCrash], noProfile)).to.throw(InvalidInputError, '--target lab needs --profile');
    for (const zone of ['Europe/Berln', 'Mars/Olympus_Mons', 'Local']) {
      expect(() => buildManifests([hostCrash], { ...BASE, timeZone: zone }), zone).to.throw(InvalidInputError, zone);
    }
    expect(() => buildManifests([hostCrash], { ...BASE, timeZone: 'Asia/Shanghai' })).to.not.throw();
    // A profile whose clusters the pod cannot reach (no "inCluster", no kubeconfig in the Secret).
    const remote = JSON.stringify({
      clusters: [{ ...IN_CLUSTER_PROFILE.clusters[0], inCluster: false, context: 'x' }],
    });
    expect(() => buildManifests([hostCrash], { ...BASE, labProfile: { file: 'remote.json', text: remote } })).to.throw(
      InvalidInputError,
      'has no kubeconfig for any of its clusters',
    );
  });

  it('issue 13 item 13: the job runs only drills its target can: no manual ones, no simulator-only faults, no D2 on its own node', async () => {
    const catalogue = await loadExperiments(['experiments']);
    const built = buildManifests(catalogue, BASE);
    const left = new Map(
      built.notes
        .filter((n) => n.startsWith('leaving out '))
        .map((n) => [/^leaving out (\S+) /.exec(n)![1]!, n.replace(/^leaving out \S+ \(\S+\): /, '')]),
    );
    expect(left.get('d1-host-lost-manual')).to.match(/^its recovery is manual/);
    expect(left.get('d11-gateway-proxy-out-of-memory')).to.equal('fault "set-memory-usage" runs only on sim, not lab.');
    expect(left.get('d6-cni-pod-broken')).to.equal('fault "break-cni-pod" runs only on sim, not lab.');
    expect(left.get('d2-power-loss')).to.match(
      /^fault "power-off-node" takes down every node of cluster "business", the node this job runs on among them/,
    );
    const shipped = Object.keys((built.docs.find((d) => d['kind'] === 'ConfigMap') as { data: object }).data);
    for (const id of left.keys()) expect(shipped).to.not.include(`${id}.json`);
    expect(shipped).to.include('d1-host-crash.json');
    expect(built.scheduled.length + left.size).to.equal(catalogue.length);
  });

  it('issue 13 item 13: before the drills, an init container rolls back what an earlier run left; the pod knows its node', () => {
    const spec = podSpec(buildManifests([hostCrash], BASE).docs);
    const [init] = spec['initContainers'] as { args: string[]; volumeMounts: { mountPath: string }[]; image: string }[];
    expect(init?.args).to.deep.equal(['rollback', '--journal-dir', JOURNAL_DIR]);
    expect(init?.image).to.equal('gameday:0.1.0');
    expect(init?.volumeMounts.map((m) => m.mountPath)).to.include('/results');
    const [main] = spec['containers'] as { args: string[]; env: Doc[] }[];
    expect(main?.args.slice(main.args.indexOf('--journal-dir'), main.args.indexOf('--journal-dir') + 2)).to.deep.equal([
      '--journal-dir',
      JOURNAL_DIR,
    ]);
    expect(main?.env).to.deep.include({
      name: 'GAMEDAY_NODE_NAME',
      valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } },
    });
    // Beside the journal on the volume that outlives the pod: the first run's record binds the later ones.
    expect(main?.env).to.deep.include({ name: 'GAMEDAY_KNOWN_CLUSTERS', value: '/results/.known-clusters.json' });
  });

  it('issue 13 item 13: a local template the image cannot run is said at schedule time', () => {
    const profile = structuredClone(IN_CLUSTER_PROFILE) as unknown as LabProfile;
    profile.commands = { ...profile.commands, freeze: { local: 'virsh suspend {node}' } };
    const built = buildManifests([hostCrash], {
      ...BASE,
      labProfile: { file: 'lab.json', text: JSON.stringify(profile) },
    });
    expect(
      built.notes.some((n) => n.startsWith('the lab profile\'s "freeze" command runs `virsh` in the job\'s pod')),
    ).to.equal(true);
  });
});

describe('the lab target inside the cluster it drills (issue 13 item 13)', () => {
  const env = { ...process.env };
  afterEach(() => {
    process.env = { ...env };
  });

  it('issue 13 item 13: with "inCluster": true the lab target uses the pod\'s service account and context', () => {
    process.env['KUBERNETES_SERVICE_HOST'] = '10.96.0.1';
    process.env['KUBERNETES_SERVICE_PORT'] = '443';
    // The service account files are read when the API is first called, not here.
    const t = createLabTarget({
      profile: structuredClone(IN_CLUSTER_PROFILE) as unknown as LabProfile,
      serviceAccountDir: mkdtempSync(join(tmpdir(), 'gameday-sa-')),
    });
    const kube = t.kube('business');
    expect(kube.config.getCurrentContext()).to.equal('inClusterContext');
    expect(kube.config.getCurrentCluster()?.server).to.equal('https://10.96.0.1:443');
  });

  it('issue 13 item 13: no fault takes down the node the job runs on; a random pick leaves it out', async () => {
    process.env['KUBERNETES_SERVICE_HOST'] = '10.96.0.1';
    process.env['KUBERNETES_SERVICE_PORT'] = '443';
    const workers = ['10.128.38.10', '10.128.38.11', '10.128.38.12'];
    const nodes = workers.map((name) => ({ metadata: { name } }));
    const t = createLabTarget({
      profile: structuredClone(IN_CLUSTER_PROFILE) as unknown as LabProfile,
      dryRun: true,
      clock: new VirtualClock(),
      selfNode: '10.128.38.11',
      makeKube: () => stubKube({ nodes }).kube,
    });
    for (let seed = 1; seed <= 20; seed++) {
      const ctx = makeContext(
        {
          target: t,
          random: new Random(seed),
          state: newRunState(),
          signal: new AbortController().signal,
          dryRun: true,
          note: () => undefined,
        },
        'business',
      );
      const plan = await powerOffNode.plan(ctx, { nodes: { role: 'worker', count: 1 } });
      expect(plan.nodes).to.not.include('10.128.38.11');
    }
    const ctx = makeContext(
      {
        target: t,
        random: new Random(1),
        state: newRunState(),
        signal: new AbortController().signal,
        dryRun: true,
        note: () => undefined,
      },
      'business',
    );
    for (const nodes of [{ names: ['10.128.38.11'] }, { role: 'worker' as const, all: true }]) {
      const err = await powerOffNode.plan(ctx, { nodes }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(InvalidInputError);
      expect((err as Error).message).to.include('would take down 10.128.38.11, the node gameday itself runs on');
    }
  });
});
