import { expect } from 'chai';
import { loadExperiments } from '../../src/experiment/load.js';
import { runExperiment } from '../../src/engine/runner.js';
import { createLabTarget } from '../../src/targets/lab/lab-target.js';
import type { LabProfile } from '../../src/targets/lab/profile.js';
import { SimTarget } from '../../src/targets/sim/sim-target.js';
import type { Capability, Target } from '../../src/targets/target.js';
import { tempDir } from '../e2e/support.js';

/**
 * A drill that needs something its target cannot do is refused in preflight, with the target's reason and
 * the item's place in the file, before any fault is injected or any command runs.
 */
describe('a target that cannot do what a drill needs', function () {
  this.timeout(60_000);

  it('refuses the drill before anything changes, naming the item and the reason', async () => {
    const [loaded] = await loadExperiments(['experiments/d3-memory-add-node.json']);
    const target: Target = await SimTarget.create({ seed: 1 });
    const asked: Capability[] = [];
    target.cannot = (_cluster: string, capability: Capability) => {
      asked.push(capability);
      return capability === 'add-node' ? 'no spare host here.' : undefined;
    };
    try {
      const before = target.actions.entries.length;
      const r = await runExperiment(loaded!, target, {
        seed: 1,
        dryRun: false,
        signal: new AbortController().signal,
        journalDir: tempDir('journal'),
        journalTarget: { kind: 'sim', embedded: true },
      });
      expect(r.verdict).to.equal('error');
      expect(r.errorKind).to.equal('invalid-input');
      expect(r.error).to.match(
        /\/recovery\/steps\/0 \(add-node\): this sim target cannot do it: no spare host here\. Nothing was changed\./,
      );
      expect(target.actions.entries.slice(before).filter((a) => !a.readOnly)).to.deep.equal([]);
      expect(r.faults).to.deep.equal([]);
      expect(asked).to.include('add-node');
    } finally {
      await target.close();
    }
  });

  it("refuses a step that names a node the cluster does not have (D4a's migrate target) before the fault", async () => {
    const [loaded] = await loadExperiments(['experiments/d4a-etcd-member-migrate.json']);
    const exp = structuredClone(loaded!.experiment);
    (exp.recovery.steps![0] as { node?: string }).node = '10.9.9.9';
    const target = await SimTarget.create({ seed: 1 });
    try {
      const r = await runExperiment({ ...loaded!, experiment: exp }, target, {
        seed: 1,
        dryRun: false,
        signal: new AbortController().signal,
        journalDir: tempDir('journal'),
        journalTarget: { kind: 'sim', embedded: true },
      });
      expect(r.verdict).to.equal('error');
      expect(r.error).to.match(/\/recovery\/steps\/0: control: no node named 10\.9\.9\.9 to move the member to/);
      expect(r.faults).to.deep.equal([]);
      expect((await target.etcd('control').running()).length).to.equal(3);
    } finally {
      await target.close();
    }
  });

  it('on a lab profile: a missing power-on command, or one the profile calls unsupported, is a reason', () => {
    const profile: LabProfile = {
      clusters: [
        {
          name: 'lab',
          context: 'lab',
          nodes: { ssh: { user: 'ops' } },
          commands: { diskPressure: { unsupported: 'the disks are shared' } },
        },
      ],
    };
    const lab = createLabTarget({ profile, dryRun: true });
    expect(lab.cannot('lab', 'power')).to.match(/has no "powerOn" command to power a host on/);
    expect(lab.cannot('lab', 'disk-pressure')).to.equal(
      'The lab profile says it cannot fill the disk: the disks are shared',
    );
    expect(lab.cannot('lab', 'service')).to.equal(undefined);
    expect(lab.cannot('lab', 'etcd')).to.match(/no "etcd" section/);
  });
});
