import { expect } from 'chai';
import { execa } from 'execa';
import { loadExperiments } from '../../src/experiment/load.js';
import { runExperiment } from '../../src/engine/runner.js';
import { SimTarget } from '../../src/targets/sim/sim-target.js';
import { requireEtcd } from '../etcd/require-etcd.js';
import { tempDir } from './support.js';

// The catalogue's etcd drills against a real 3-member etcd cluster backing the simulated apiserver: the
// runbook's etcdctl snapshot, restore and member commands for real.
describe('the etcd drills on real etcd', function () {
  this.timeout(120_000);
  before(function () {
    requireEtcd(this);
  });

  for (const file of [
    'd4a-etcd-one-member-down',
    'd4a-etcd-member-migrate',
    'd4b-etcd-two-members-down',
    'd4c-etcd-all-members-down',
  ]) {
    it(`${file} passes, with every snapshotted key checked back independently with etcdctl`, async () => {
      const [loaded] = await loadExperiments([`experiments/${file}.json`]);
      const target = await SimTarget.create({ seed: 1, etcd: 'real', etcdClusters: loaded!.experiment.clusters ?? [] });
      try {
        const result = await runExperiment(loaded!, target, {
          seed: 1,
          dryRun: false,
          signal: new AbortController().signal,
          journalDir: tempDir('journal'),
          journalTarget: { kind: 'sim', embedded: true },
        });
        expect(result.verdict, `${result.error ?? ''} ${result.checks.map((c) => c.message).join('; ')}`).to.equal(
          'pass',
        );
        // The commands were the real ones.
        expect(result.actions.some((a) => a.kind === 'command' && /etcdctl/.test(a.text))).to.equal(true);
        // Independently of gameday's own probes: etcdctl against the cluster the apiserver points at.
        const cluster = loaded!.experiment.clusters![0]!;
        const ops = target.etcd(cluster);
        const members = await ops.members();
        expect(members).to.have.length(3);
        const endpoints = members.map((m) => m.clientURL).join(',');
        const health = await execa('etcdctl', ['--endpoints', endpoints, 'endpoint', 'health'], {
          env: { ETCDCTL_API: '3' },
          reject: false,
        });
        expect(health.exitCode, health.stderr).to.equal(0);
        expect(health.stdout + health.stderr).to.match(/is healthy: successfully committed proposal/);
        const registry = await execa(
          'etcdctl',
          ['--endpoints', endpoints, 'get', '/registry/minions/', '--prefix', '--keys-only'],
          { env: { ETCDCTL_API: '3' } },
        );
        expect(registry.stdout.split('\n').filter(Boolean).length).to.be.greaterThan(0);
        if (result.data) {
          expect(result.data.lostBeforeSnapshot).to.equal(0);
        }
      } finally {
        await target.close();
      }
    });
  }
});
