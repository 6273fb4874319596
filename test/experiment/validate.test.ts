import { expect } from 'chai';
import { validateExperiment } from '../../src/experiment/validate.js';
import type { Registries } from '../../src/experiment/schema.js';
import { DURATION_PATTERN } from '../../src/kit/duration.js';
import { fixtureRegistries } from './fixture-plugins.js';

const base = {
  id: 'host-crash',
  title: 'Host crash',
  description: "One worker's kubelet stops.",
  runbook: 'D1',
  faults: [{ type: 'stop-kubelet', nodes: { count: 1 } }],
  recovery: { mode: 'self-heal' },
  verify: [{ type: 'nodes-ready' }],
};

function check(doc: unknown, registries: Registries = fixtureRegistries) {
  return validateExperiment('x.json', JSON.stringify(doc, null, 2), registries);
}

/** "path: message" for each issue, enough to read what a person would. */
function messages(doc: unknown, registries: Registries = fixtureRegistries): string[] {
  return check(doc, registries).errors.map((e) => `${e.path}: ${e.message}`);
}

describe('validateExperiment', () => {
  it('returns the experiment and no errors for a valid one', () => {
    const result = check(base);
    expect(result).to.deep.equal({ value: base, errors: [] });
  });

  it('returns no value when there is an error, and never throws for bad input', () => {
    for (const text of ['', 'null', '"just a string"', '{"faults": 1}', '\u0000']) {
      const result = validateExperiment('x.json', text, fixtureRegistries);
      expect(result.value).to.equal(undefined);
      expect(result.errors).to.not.be.empty;
    }
  });

  it('asks for the type of an item that has none, and lists the known ones', () => {
    expect(messages({ ...base, faults: [{ nodes: { count: 1 } }] })).to.deep.equal([
      '/faults/0: Missing required property "type". Known fault types: kill-etcd-members, power-off-node, stop-kubelet.',
    ]);
  });

  it('says when an item is not an object at all', () => {
    expect(messages({ ...base, faults: ['stop-kubelet'] })).to.deep.equal([
      '/faults/0: Expected item 0 of "faults" to be an object, got "stop-kubelet" (string)',
    ]);
  });

  it('reports an unknown step type in the recovery steps with the known step types', () => {
    expect(messages({ ...base, recovery: { mode: 'automatic', steps: [{ type: 'cordon' }] } })).to.deep.equal([
      '/recovery/steps/0/type: Unknown recovery step type "cordon"; did you mean "cordon-node"? Known recovery step types: cordon-node, restart-kubelet, uncordon-node.',
    ]);
  });

  it("suggests the closest allowed value of a plugin's enum parameter", () => {
    expect(
      messages({ ...base, faults: [{ type: 'stop-kubelet', nodes: { count: 1, role: 'wroker' } }] }),
    ).to.deep.equal([
      '/faults/0/nodes/role: Expected "role" to be "worker" or "control-plane", got "wroker" (string); did you mean "worker"?',
    ]);
  });

  it('treats a plugin parameter with the duration pattern as a duration, and rejects an empty "PT"', () => {
    const verify = [{ type: 'workloads-available', settle: 'PT' }];
    expect(messages({ ...base, verify })).to.deep.equal([
      '/verify/0/settle: Expected "settle" to be a duration such as "30s", "5m" or "PT5M", got "PT" (string)',
    ]);
  });

  it('merges the types a value may have into one message', () => {
    const registries: Registries = {
      ...fixtureRegistries,
      faults: {
        'scale-workload': {
          name: 'scale-workload',
          summary: 'Scales a workload.',
          params: {
            type: 'object',
            properties: {
              replicas: { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^\\d+%$' }], description: 'n' },
            },
          },
        },
      },
    };
    expect(messages({ ...base, faults: [{ type: 'scale-workload', replicas: true }] }, registries)).to.deep.equal([
      '/faults/0/replicas: Expected "replicas" to be an integer or a string, got true (boolean)',
    ]);
  });

  it('names the alternatives when a plugin needs one of several parameters', () => {
    const registries: Registries = {
      ...fixtureRegistries,
      faults: {
        'cordon-node': {
          name: 'cordon-node',
          summary: 'Cordons a node.',
          params: {
            type: 'object',
            properties: {
              node: { type: 'string', description: 'The node.' },
              selector: { type: 'string', description: 'A label selector.' },
            },
            oneOf: [{ required: ['node'] }, { required: ['selector'] }],
          },
        },
      },
    };
    expect(messages({ ...base, faults: [{ type: 'cordon-node' }] }, registries)).to.deep.equal([
      '/faults/0: Missing required property: one of "node" or "selector"',
    ]);
    expect(
      messages({ ...base, faults: [{ type: 'cordon-node', node: 'a', selector: 'b' }] }, registries),
    ).to.deep.equal(['/faults/0: Expected only one of "node" or "selector", got both']);
  });

  it('speaks only about the shape that fits best when a parameter may take several shapes', () => {
    const withNodes = (nodes: unknown): unknown => ({ ...base, faults: [{ type: 'stop-kubelet', nodes }] });
    expect(messages(withNodes({ cont: 1 }))).to.deep.equal([
      '/faults/0/nodes: Unknown property "cont"; did you mean "count"?',
    ]);
    expect(messages(withNodes({ from: 'fault' }))).to.deep.equal([
      '/faults/0/nodes/from: Expected "from" to be "faults", got "fault" (string); did you mean "faults"?',
    ]);
    expect(messages(withNodes({ names: 'a' }))).to.deep.equal([
      '/faults/0/nodes/names: Expected "names" to be an array, got "a" (string)',
    ]);
    expect(messages(withNodes('worker'))).to.deep.equal([
      '/faults/0/nodes: Expected "nodes" to be an object, got "worker" (string)',
    ]);
  });

  it('names a duplicate in a list', () => {
    expect(messages({ ...base, tags: ['node', 'etcd', 'node'] })).to.deep.equal([
      '/tags: Expected "tags" to have no duplicates, got "node" twice (items 0 and 2)',
    ]);
  });

  it('checks item clusters only when the experiment lists its clusters', () => {
    const faults = [{ type: 'stop-kubelet', cluster: 'paas', nodes: { count: 1 } }];
    expect(messages({ ...base, faults })).to.deep.equal([]);
    expect(messages({ ...base, clusters: ['control'], faults })).to.deep.equal([
      '/faults/0/cluster: Unknown cluster "paas". This experiment\'s clusters: control.',
    ]);
  });

  it('accepts "after" in sequence mode and quorum loss when it is allowed', () => {
    const doc = {
      ...base,
      faultMode: 'sequence',
      faults: [
        { type: 'kill-etcd-members', count: 1 },
        { type: 'kill-etcd-members', count: 1, after: '30s' },
      ],
      blastRadius: { maxEtcdMembers: 2, allowQuorumLoss: true },
    };
    expect(messages(doc)).to.deep.equal([]);
  });

  it('accepts targets that fit inside each other', () => {
    const targets = { timeToDetect: '60s', timeToReady: '5m', timeToRecover: 'PT10M', maxUnavailability: '1h30m' };
    const probes = { detect: [{ type: 'nodes-ready' }], monitors: [{ type: 'nodes-ready' }] };
    expect(messages({ ...base, ...probes, targets })).to.deep.equal([]);
  });

  it('refuses targets that nothing in the experiment can measure', () => {
    const targets = { timeToDetect: '60s', maxUnavailability: '0s', noDataLoss: true };
    expect(messages({ ...base, targets })).to.deep.equal([
      '/targets/timeToDetect: Target "timeToDetect" needs at least one probe in "detect": time to detect is measured until they pass',
      '/targets/maxUnavailability: Target "maxUnavailability" needs at least one probe in "monitors": unavailability is how long a monitor fails',
      '/targets/noDataLoss: Target "noDataLoss" needs an "etcd-data-intact" probe in "verify": it is what counts the keys read back',
    ]);
  });

  it('runs the cross-field rules only once the schema passes, so they never speak about ill-typed fields', () => {
    const doc = { ...base, title: '', recovery: { mode: 'automatic' } };
    expect(messages(doc)).to.deep.equal(['/title: Expected "title" to be a non-empty string, got "" (string)']);
  });

  it('uses the duration pattern the engine parses', () => {
    expect(new RegExp(DURATION_PATTERN).test('1h30m')).to.equal(true);
  });
});
