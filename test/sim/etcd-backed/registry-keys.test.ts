import { expect } from 'chai';
import { parseRegistryKey, prefixRangeEnd, registryKey } from '../../../src/sim/etcd-backed/registry-keys.js';

describe('registry keys: kube-apiserver etcd layout', () => {
  it('puts objects where kube-apiserver does, with its historical prefixes for nodes, services and endpoints', () => {
    expect(registryKey('pods', 'skiff-nsf', 'nsf-redis-0')).to.equal('/registry/pods/skiff-nsf/nsf-redis-0');
    expect(registryKey('nodes', undefined, '10.128.38.6')).to.equal('/registry/minions/10.128.38.6');
    expect(registryKey('services', 'default', 'kubernetes')).to.equal('/registry/services/specs/default/kubernetes');
    expect(registryKey('endpoints', 'default', 'kubernetes')).to.equal(
      '/registry/services/endpoints/default/kubernetes',
    );
    expect(registryKey('deployments', 'gateway-system', 'gateway-proxy')).to.equal(
      '/registry/deployments/gateway-system/gateway-proxy',
    );
    expect(registryKey('leases', 'kube-node-lease', 'n1')).to.equal('/registry/leases/kube-node-lease/n1');
    expect(registryKey('namespaces', undefined, 'default')).to.equal('/registry/namespaces/default');
  });

  it('reads every key it writes back to the same resource, namespace and name', () => {
    const cases: [string, string | undefined, string][] = [
      ['pods', 'ns', 'p'],
      ['nodes', undefined, '10.128.38.1'],
      ['services', 'default', 'kubernetes'],
      ['endpoints', 'default', 'kubernetes'],
      ['poddisruptionbudgets', 'skiff-nsf', 'pdb'],
      ['namespaces', undefined, 'kube-system'],
    ];
    for (const [resource, namespace, name] of cases) {
      expect(parseRegistryKey(registryKey(resource, namespace, name))).to.deep.equal({ resource, namespace, name });
    }
  });

  it('ignores keys that do not name an object', () => {
    expect(parseRegistryKey('/registry/health')).to.equal(undefined);
    expect(parseRegistryKey('/gameday/steady/1')).to.equal(undefined);
    expect(parseRegistryKey('/registry/pods/a/b/c')).to.equal(undefined);
    expect(parseRegistryKey('/registry/pods//b')).to.equal(undefined);
  });

  it('ends a prefix range just past the prefix', () => {
    expect(prefixRangeEnd('/registry/').toString('utf8')).to.equal('/registry0');
  });
});
