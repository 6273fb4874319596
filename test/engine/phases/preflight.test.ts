import { expect } from 'chai';
import { closeFakes } from '../../kit/fake-context.js';
import { fakeDrill, runFake } from '../fake-drill.js';

describe('phases/preflight: what the experiment names exists, before anything is touched', () => {
  afterEach(closeFakes);

  it('refuses a cluster the target does not have, naming the file, the path and the clusters there are', async () => {
    const { result, world } = await runFake(fakeDrill({ clusters: ['business', 'control'] }));
    expect(result).to.deep.include({
      verdict: 'error',
      errorKind: 'invalid-input',
      error: `fake.json: /clusters/1: expected one of this target's clusters (business), got "control".`,
    });
    expect(result.phases.map((p) => [p.name, p.ok])).to.deep.equal([
      ['preflight', false],
      ['rollback', true],
    ]);
    expect(world.log).to.deep.equal([]);
  });

  it('refuses an unknown fault or step type, listing the known ones, before the steady state is asked', async () => {
    const fault = await runFake(fakeDrill({ faults: [{ type: 'meteor-strike' }] }));
    expect(fault.result.errorKind).to.equal('invalid-input');
    expect(fault.result.error).to.match(/^Unknown fault type "meteor-strike"\. Known: .*fake-fault/);
    const step = await runFake(fakeDrill({ recovery: { mode: 'automatic', steps: [{ type: 'pray' }] } }));
    expect(step.result.error).to.match(/^Unknown recovery step type "pray"\. Known: .*fake-step/);
    expect([...fault.world.log, ...step.world.log]).to.deep.equal([]);
  });

  it('does not mistake an inherited property name for a plugin', async () => {
    const { result } = await runFake(fakeDrill({ faults: [{ type: 'constructor' }] }));
    expect(result.error).to.match(/^Unknown fault type "constructor"/);
  });
});
