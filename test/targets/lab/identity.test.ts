import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { VirtualClock } from '../../../src/engine/clock.js';
import { BlastRadiusError } from '../../../src/errors.js';
import { Simulator } from '../../../src/sim/simulator.js';
import { DEFAULT_PARAMS } from '../../../src/sim/params.js';
import { defaultTopology } from '../../../src/sim/topology/default-topology.js';
import { ClusterIdentityError } from '../../../src/targets/common/errors.js';
import { KnownClusters } from '../../../src/targets/common/known-clusters.js';
import { createLabTarget } from '../../../src/targets/lab/lab-target.js';
import type { LabProfile } from '../../../src/targets/lab/profile.js';
import { ActionLog } from '../../../src/targets/target.js';

/** Both simulators take the same token: what tells the clusters apart must be their identity. */
const TOKEN = 'identity-test-token-0123456789';

/** A kubeconfig whose context `name` leads to `server` (a simulator served on loopback). */
function kubeconfigFor(dir: string, file: string, name: string, server: string): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: ${TOKEN}}}]
contexts: [{name: ${name}, context: {cluster: c, user: u}}]
current-context: ${name}
`,
  );
  return path;
}

describe('lab allow-list bound to cluster identity', function () {
  this.timeout(60_000);
  // Two real API servers (served simulators): the lab's business cluster, and another cluster.
  let lab: Simulator;
  let other: Simulator;
  let dir: string;
  let good: string;
  let wrong: string;
  let profile: LabProfile;
  let start: (seed: number) => Promise<Simulator>;

  before(async () => {
    start = async (seed: number) => {
      const sim = await Simulator.start({
        topology: defaultTopology(),
        params: DEFAULT_PARAMS,
        clock: new VirtualClock(),
        seed,
        serve: true,
        token: TOKEN,
      });
      await sim.settle();
      return sim;
    };
    lab = await start(3);
    other = await start(4);
    dir = mkdtempSync(join(tmpdir(), 'gameday-identity-'));
    good = kubeconfigFor(dir, 'lab.yaml', 'business-admin', lab.cluster('business').server!.url);
    wrong = kubeconfigFor(dir, 'other.yaml', 'business-admin', other.cluster('business').server!.url);
    profile = {
      clusters: [{ name: 'business', context: 'business-admin', kubeconfig: good, nodes: { ssh: { user: 'ops' } } }],
    };
  });
  after(async () => {
    await lab?.close();
    await other?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const knownFile = (name: string) => join(dir, `${name}-known.json`);

  it('records the identity at first use in a private file, then accepts the same cluster', async () => {
    const known = KnownClusters.load(knownFile('first'));
    const notices = await createLabTarget({ profile }).verifyIdentities({ known });
    expect(notices).to.have.length(1);
    expect(notices[0]).to.match(/First use of cluster "business".*: recorded its identity/);
    const saved = JSON.parse(readFileSync(knownFile('first'), 'utf8')) as {
      clusters: Record<string, { kubeSystemUid: string; server: string }>;
    };
    const uid = lab.cluster('business').ctx.store.get('namespaces', undefined, 'kube-system')?.metadata.uid;
    expect(saved.clusters['business@business-admin']?.kubeSystemUid).to.equal(uid);
    expect(saved.clusters['business@business-admin']?.server).to.equal(
      lab.cluster('business').server!.url.replace(/\/$/, ''),
    );
    expect(statSync(knownFile('first')).mode & 0o777).to.equal(0o600);
    expect(
      await createLabTarget({ profile }).verifyIdentities({ known: KnownClusters.load(knownFile('first')) }),
    ).to.deep.equal([]);
  });

  it('refuses --kubeconfig that gives the allowed context name to another cluster, before any write', async () => {
    const known = KnownClusters.load(knownFile('second'));
    await createLabTarget({ profile }).verifyIdentities({ known });
    const actions = new ActionLog();
    const target = createLabTarget({ profile, kubeconfig: wrong, actions });
    const err = await target.verifyIdentities({ known: KnownClusters.load(knownFile('second')) }).then(
      () => new Error('accepted'),
      (e: unknown) => e as Error,
    );
    expect(err).to.be.instanceOf(ClusterIdentityError).and.instanceOf(BlastRadiusError);
    expect(err.message).to.include(`Refusing cluster "business" (context "business-admin" in ${wrong})`);
    expect(err.message).to.include(`API server ${other.cluster('business').server!.url.replace(/\/$/, '')}, expected`);
    expect(err.message).to.include('Nothing was touched');
    expect(
      actions.entries.every((a) => a.text.startsWith('get ') || a.readOnly === true),
      JSON.stringify(actions.entries),
    ).to.equal(true);
  });

  it('refuses KUBECONFIG=other the same way (no --kubeconfig, no kubeconfig in the profile)', async () => {
    const known = KnownClusters.load(knownFile('env'));
    const bare: LabProfile = { ...profile, clusters: [{ ...profile.clusters[0]!, kubeconfig: undefined as never }] };
    delete (bare.clusters[0] as { kubeconfig?: string }).kubeconfig;
    const saved = process.env['KUBECONFIG'];
    try {
      process.env['KUBECONFIG'] = good;
      await createLabTarget({ profile: bare }).verifyIdentities({ known });
      process.env['KUBECONFIG'] = wrong;
      const err = await createLabTarget({ profile: bare })
        .verifyIdentities({ known: KnownClusters.load(knownFile('env')) })
        .then(
          () => new Error('accepted'),
          (e: unknown) => e as Error,
        );
      expect(err).to.be.instanceOf(ClusterIdentityError);
      expect(err.message).to.include(`$KUBECONFIG (${wrong})`);
    } finally {
      if (saved === undefined) delete process.env['KUBECONFIG'];
      else process.env['KUBECONFIG'] = saved;
    }
  });

  it('refuses a cluster whose kube-system UID differs from the one the profile pins, even on first use', async () => {
    const pinned: LabProfile = {
      ...profile,
      clusters: [{ ...profile.clusters[0]!, identity: { kubeSystemUid: '00000000-0000-0000-0000-000000000000' } }],
    };
    const err = await createLabTarget({ profile: pinned })
      .verifyIdentities({ known: KnownClusters.load(knownFile('pinned')) })
      .then(
        () => new Error('accepted'),
        (e: unknown) => e as Error,
      );
    expect(err).to.be.instanceOf(ClusterIdentityError);
    expect(err.message).to.match(/kube-system namespace UID [0-9a-f-]+, expected 00000000-0000-0000-0000-000000000000/);
    expect(err.message).to.include('the one the lab profile');
    expect(existsSync(knownFile('pinned')), 'a pinned cluster is not recorded').to.equal(false);
  });

  it('records nothing in a dry run', async () => {
    const notices = await createLabTarget({ profile, dryRun: true }).verifyIdentities({
      known: KnownClusters.load(knownFile('dry')),
    });
    expect(notices).to.deep.equal([]);
    expect(existsSync(knownFile('dry'))).to.equal(false);
  });

  it('for a rollback, accepts a cluster whose API does not answer when its server and CA match the record', async () => {
    const known = KnownClusters.load(knownFile('offline'));
    await createLabTarget({ profile }).verifyIdentities({ known });
    // The same server URL, nothing listening any more (the drill powered the control plane off).
    const down = await start(5);
    const url = down.cluster('business').server!.url;
    await down.close();
    const gone = kubeconfigFor(dir, 'down.yaml', 'business-admin', url);
    const record = JSON.parse(readFileSync(knownFile('offline'), 'utf8')) as {
      clusters: Record<string, { server: string }>;
    };
    record.clusters['business@business-admin']!.server = url.replace(/\/$/, '');
    writeFileSync(knownFile('offline'), JSON.stringify(record));
    const target = createLabTarget({ profile, kubeconfig: gone, commandTimeoutMs: 2000 });
    const offline = await target.verifyIdentities({ known: KnownClusters.load(knownFile('offline')), offline: true });
    expect(offline[0]).to.match(/does not answer; its server and CA match/);
    const strict = await createLabTarget({ profile, kubeconfig: gone })
      .verifyIdentities({ known: KnownClusters.load(knownFile('offline')) })
      .then(
        () => new Error('accepted'),
        (e: unknown) => e as Error,
      );
    expect(strict).to.be.instanceOf(ClusterIdentityError);
    expect(strict.message).to.match(/Cannot confirm which cluster/);
  });

  it('`gameday run --target lab --yes --kubeconfig other` exits 2 and leaves the other cluster as it was', async function () {
    if (!existsSync(join(process.cwd(), 'dist', 'src', 'cli', 'main.js'))) {
      console.log('      (dist/ is not built: run `npm run build`)');
      this.skip();
    }
    // The catalogue's D11 drill scales gateway-proxy on cluster "control" to zero: the incident that was reported.
    const ctl = (sim: Simulator, f: string) =>
      kubeconfigFor(dir, f, 'control-admin', sim.cluster('control').server!.url);
    const labControl: LabProfile = {
      clusters: [
        {
          name: 'control',
          context: 'control-admin',
          kubeconfig: ctl(lab, 'lab-control.yaml'),
          nodes: { ssh: { user: 'ops' } },
        },
      ],
    };
    const file = join(dir, 'lab-cli.json');
    writeFileSync(file, JSON.stringify(labControl));
    const known = knownFile('cli');
    await createLabTarget({ profile: labControl }).verifyIdentities({ known: KnownClusters.load(known) });
    const exp = join(process.cwd(), 'experiments', 'd11-gateway-proxy-scaled-to-zero.json');
    const before = other.cluster('control').ctx.store.get('deployments', 'gateway-system', 'gateway-proxy');
    const r = await execa(
      'node',
      [
        'bin/gameday.js',
        'run',
        exp,
        '--target',
        'lab',
        '--profile',
        file,
        '--yes',
        '--journal-dir',
        join(dir, 'j'),
        '--kubeconfig',
        ctl(other, 'other-control.yaml'),
      ],
      { reject: false, env: { NO_COLOR: '1', GAMEDAY_KNOWN_CLUSTERS: known } },
    );
    expect(r.exitCode, r.stdout + r.stderr).to.equal(2);
    expect(r.stdout + r.stderr).to.include('leads to another cluster than the one gameday recorded');
    const gw = other.cluster('control').ctx.store.get('deployments', 'gateway-system', 'gateway-proxy');
    expect(gw?.spec.replicas).to.equal(2);
    // Not scaled and scaled back by a rollback: never written at all.
    expect(gw?.metadata.resourceVersion).to.equal(before?.metadata.resourceVersion);
  });
});
