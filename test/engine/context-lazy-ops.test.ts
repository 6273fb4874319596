import { expect } from 'chai';
import { VirtualClock } from '../../src/engine/clock.js';
import { makeContext } from '../../src/engine/context.js';
import { Random } from '../../src/engine/random.js';
import { InvalidInputError } from '../../src/errors.js';
import { newRunState } from '../../src/kit/plugin.js';
import type { Kube } from '../../src/kube/kube.js';
import { ActionLog, type NodeOps, type Target } from '../../src/targets/target.js';

describe('plugin context', () => {
  it('asks the target for node and etcd operations only when a plugin uses them', () => {
    const asked: string[] = [];
    // A lab cluster without an "etcd" section: target.etcd() refuses, as LabTarget does.
    const target: Target = {
      kind: 'lab',
      clock: new VirtualClock(),
      actions: new ActionLog(),
      clusters: () => ['control'],
      kube: () => ({ informer: () => undefined }) as unknown as Kube,
      nodes: () => {
        asked.push('nodes');
        return {} as NodeOps;
      },
      etcd: () => {
        asked.push('etcd');
        throw new InvalidInputError('The lab profile has no "etcd" section for cluster "control".');
      },
      close: () => Promise.resolve(),
    };
    const ctx = makeContext(
      {
        target,
        random: new Random(1),
        state: newRunState(),
        signal: new AbortController().signal,
        dryRun: false,
        note: () => undefined,
      },
      'control',
    );
    expect(asked).to.deep.equal([]);
    expect(ctx.nodes).to.deep.equal({});
    expect(asked).to.deep.equal(['nodes']);
    expect(() => ctx.etcd).to.throw(InvalidInputError, /no "etcd" section/);
  });
});
