import { expect } from 'chai';
import { defaultRegistries } from '../../src/experiment/registries.js';
import { validateExperiment } from '../../src/experiment/validate.js';
import { faults } from '../../src/faults/index.js';
import { probes } from '../../src/probes/index.js';
import { recoverySteps } from '../../src/recovery/index.js';
import { READ_ONLY_FALLBACK, allows, allowsIn, derivePolicy, hasRbacRow } from '../../src/schedule/rbac.js';
import { experiment, hostCrash, scaleOnly, taintNodes } from './experiments.js';

describe('RBAC derived from the experiments', () => {
  it('is derived from experiments the real plugins accept', () => {
    for (const l of [hostCrash, scaleOnly, taintNodes]) {
      const { errors } = validateExperiment(l.file, JSON.stringify(l.experiment), defaultRegistries);
      expect(
        errors.map((e) => e.message),
        l.experiment.id,
      ).to.deep.equal([]);
    }
  });

  it('lets a node drill that cordons patch nodes, and gives it nothing on workloads or pods', () => {
    const policy = derivePolicy([hostCrash.experiment]);
    expect(policy.unknown).to.deep.equal([]);
    // The runner's own: the kube-system namespace (which cluster this is), its Lease, a read before each write.
    expect(policy.rules).to.deep.equal([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] },
    ]);
    expect(policy.namespaced).to.deep.equal({
      'kube-system': [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list', 'create', 'patch', 'delete'] },
      ],
    });
  });

  it('lets a node fault that patches nodes (taint-nodes) patch them, and a drain evict pods but not delete them', () => {
    const policy = derivePolicy([taintNodes.experiment]);
    expect(allows(policy.rules, '', 'nodes', 'patch')).to.equal(true);
    expect(allows(policy.rules, '', 'pods/eviction', 'create')).to.equal(true);
    expect(allows(policy.rules, '', 'pods', 'delete')).to.equal(false);
    // The workload is read where it lives; its kind is watched everywhere by the probe's informer.
    expect(policy.namespaced['gateway-system']).to.deep.equal([
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
    ]);
    const forced = experiment('forced', {
      ...taintNodes.experiment,
      recovery: { mode: 'automatic', steps: [{ type: 'drain', force: true }] },
    });
    expect(allows(derivePolicy([forced.experiment]).rules, '', 'pods', 'delete')).to.equal(true);
  });

  it('gives a scale-only drill the scale subresource of the one Deployment it names, in its namespace, and no node rights', () => {
    const policy = derivePolicy([scaleOnly.experiment]);
    expect(policy.unknown).to.deep.equal([]);
    expect(allows(policy.rules, '', 'nodes', 'patch')).to.equal(false);
    expect(allows(policy.rules, '', 'nodes', 'list')).to.equal(false);
    expect(allowsIn(policy, 'gateway-system', 'apps', 'deployments/scale', 'patch')).to.equal(true);
    expect(allowsIn(policy, 'kube-system', 'apps', 'deployments/scale', 'patch')).to.equal(false);
    expect(allowsIn(policy, 'gateway-system', 'apps', 'statefulsets/scale', 'patch')).to.equal(false);
    expect(allowsIn(policy, 'gateway-system', 'apps', 'deployments', 'patch')).to.equal(false);
    expect(policy.rules).to.deep.equal([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['list', 'watch'] },
    ]);
    expect(policy.namespaced).to.deep.equal({
      'gateway-system': [
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
        { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['patch'] },
      ],
      ...{
        'kube-system': [
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list', 'create', 'patch', 'delete'] },
        ],
      },
    });
  });

  it('grants objects a plugin keeps in its own namespace there, and asks for that namespace to be created', () => {
    const exp = experiment('d3-memory', {
      faults: [{ type: 'fill-node-memory' }],
      verify: [{ type: 'api-writable', namespace: 'drills' }],
    });
    const policy = derivePolicy([exp.experiment]);
    expect(policy.ownNamespaces).to.deep.equal(['drills', 'gameday']);
    expect(allowsIn(policy, 'gameday', '', 'pods', 'create')).to.equal(true);
    expect(allows(policy.rules, '', 'pods', 'create')).to.equal(false);
    expect(allowsIn(policy, 'drills', '', 'configmaps', 'delete')).to.equal(true);
    expect(allows(policy.rules, '', 'namespaces', 'create')).to.equal(true);
  });

  it('follows a step taking its workload from the faults to the Deployment create-pending-pod creates', () => {
    const exp = experiment('d3-lower', {
      faults: [{ type: 'create-pending-pod', memory: '512Mi' }],
      recovery: {
        mode: 'automatic',
        steps: [{ type: 'set-resources', workload: { from: 'faults' }, requests: { memory: '128Mi' } }],
      },
      verify: [{ type: 'no-pending-pods', namespace: 'gameday' }],
    });
    const policy = derivePolicy([exp.experiment]);
    expect(policy.namespaced['gameday']).to.deep.equal([
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'create', 'patch', 'delete'] },
    ]);
    expect(allows(policy.rules, 'apps', 'deployments', 'patch')).to.equal(false);
  });

  it('leaves out of a Role what the ClusterRole already allows everywhere', () => {
    const exp = experiment('both', {
      faults: [
        {
          type: 'scale-workload',
          workload: { namespace: 'gateway-system', kind: 'Deployment', name: 'gateway-proxy' },
        },
      ],
      verify: [{ type: 'pod-pending-with-reason', namespace: 'gateway-system' }, { type: 'no-pending-pods' }],
    });
    const policy = derivePolicy([exp.experiment]);
    expect(allows(policy.rules, '', 'pods', 'watch')).to.equal(true);
    expect(policy.namespaced['gateway-system']?.flatMap((r) => r.resources)).to.not.include('pods');
    expect(policy.namespaced['gateway-system']?.flatMap((r) => r.resources)).to.include('events');
  });

  it('grants a raw GET of an API server path only for the path an http-ok probe names', () => {
    const exp = experiment('api', {
      faults: [],
      verify: [
        { type: 'http-ok', path: '/readyz' },
        { type: 'http-ok', url: 'http://example.invalid/' },
      ],
    });
    expect(derivePolicy([exp.experiment]).rules).to.deep.equal([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
      { nonResourceURLs: ['/readyz'], verbs: ['get'] },
    ]);
  });

  it('merges the rights of several experiments into one rule per API group and verb set', () => {
    const { rules } = derivePolicy([hostCrash.experiment, scaleOnly.experiment, taintNodes.experiment]);
    const keys = rules.map((r) => `${r.apiGroups?.join()}|${r.verbs.join()}`);
    expect(new Set(keys).size).to.equal(keys.length);
    expect(allows(rules, '', 'nodes', 'patch')).to.equal(true);
  });

  it('gives an unknown type read-only access and reports it', () => {
    const exp = experiment('custom', { faults: [{ type: 'summon-dragons' }], verify: [{ type: 'no-notready-nodes' }] });
    const { rules, unknown } = derivePolicy([exp.experiment]);
    expect(unknown).to.deep.equal([{ kind: 'fault', type: 'summon-dragons', experiment: 'custom' }]);
    for (const g of READ_ONLY_FALLBACK) expect(allows(rules, g.group, g.resource, 'list'), g.resource).to.equal(true);
    const writes = ['create', 'update', 'patch', 'delete', 'deletecollection'];
    expect(rules.flatMap((r) => r.verbs).filter((v) => writes.includes(v))).to.deep.equal([]);
  });

  it('has a row for every fault, recovery step and probe gameday registers', () => {
    const missing = [
      ...Object.keys(faults)
        .filter((t) => !hasRbacRow('fault', t))
        .map((t) => `fault ${t}`),
      ...Object.keys(recoverySteps)
        .filter((t) => !hasRbacRow('step', t))
        .map((t) => `step ${t}`),
      ...Object.keys(probes)
        .filter((t) => !hasRbacRow('probe', t))
        .map((t) => `probe ${t}`),
    ];
    expect(missing, 'add these to src/schedule/rbac.ts with the API calls they make').to.deep.equal([]);
  });
});
