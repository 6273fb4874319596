import { expect } from 'chai';
import type { KubeObject } from '../../../src/kube/objects.js';
import { EndpointsController } from '../../../src/sim/controllers/endpoints.js';
import { EndpointSliceController } from '../../../src/sim/controllers/endpointslice.js';
import { GarbageCollector } from '../../../src/sim/controllers/garbage-collector.js';
import { testSim, type TestSim } from './helpers.js';

function backendPod(name: string, ip: string, o: { ready?: boolean; app?: string; node?: string } = {}): KubeObject {
  return {
    metadata: { name, namespace: 'shop', labels: { app: o.app ?? 'web' } },
    spec: {
      nodeName: o.node ?? 'node-a',
      containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ name: 'http', containerPort: 8080 }] }],
    },
    status: {
      phase: 'Running',
      podIP: ip,
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

function service(name: string, spec: Record<string, unknown>): KubeObject {
  return { metadata: { name, namespace: 'shop', labels: { tier: 'front' } }, spec };
}

const slicesOf = (sim: TestSim, svc: string): KubeObject[] =>
  sim.store.list('endpointslices', { namespace: 'shop', labelSelector: `kubernetes.io/service-name=${svc}` });

describe('endpoints and EndpointSlice controllers', () => {
  let sim: TestSim;
  beforeEach(() => {
    sim = testSim();
    sim.create('namespaces', { metadata: { name: 'shop' } });
    sim.start(new EndpointsController(), new EndpointSliceController(), new GarbageCollector());
  });
  afterEach(() => sim.close());

  it('lists ready pods under addresses and the others under notReadyAddresses, with the named targetPort resolved', async () => {
    sim.store.create('pods', backendPod('web-2', '10.244.1.10'));
    sim.store.create('pods', backendPod('web-1', '10.244.1.9'));
    sim.store.create('pods', backendPod('web-3', '10.244.2.4', { ready: false, node: 'node-b' }));
    sim.store.create('pods', backendPod('db-1', '10.244.2.5', { app: 'db' }));
    sim.create(
      'services',
      service('web', { selector: { app: 'web' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] }),
    );
    await sim.advance(1000);
    const ep = sim.store.get('endpoints', 'shop', 'web')!;
    expect(ep.metadata.labels).to.deep.equal({ tier: 'front' });
    expect(ep.metadata.annotations).to.have.property('endpoints.kubernetes.io/last-change-trigger-time');
    const subsets = ep.subsets as Record<string, any>[];
    expect(subsets).to.have.length(1);
    expect(subsets[0]!.addresses.map((a: { ip: string }) => a.ip)).to.deep.equal(['10.244.1.9', '10.244.1.10']);
    expect(subsets[0]!.addresses[0]).to.deep.include({ nodeName: 'node-a' });
    expect(subsets[0]!.addresses[0].targetRef).to.deep.include({ kind: 'Pod', name: 'web-1', namespace: 'shop' });
    expect(subsets[0]!.notReadyAddresses.map((a: { ip: string }) => a.ip)).to.deep.equal(['10.244.2.4']);
    expect(subsets[0]!.ports).to.deep.equal([{ name: 'web', port: 8080, protocol: 'TCP' }]);

    const slices = slicesOf(sim, 'web');
    expect(slices).to.have.length(1);
    const s = slices[0]!;
    expect(s.metadata.name).to.match(/^web-[a-z0-9]{5}$/);
    expect(s.metadata.labels).to.deep.equal({
      tier: 'front',
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    });
    expect(s.metadata.ownerReferences?.[0]).to.deep.include({ kind: 'Service', name: 'web', controller: true });
    expect(s.addressType).to.equal('IPv4');
    expect(s.ports).to.deep.equal([{ name: 'web', port: 8080, protocol: 'TCP' }]);
    expect((s.endpoints as any[]).map((e) => [e.addresses[0], e.conditions.ready])).to.deep.equal([
      ['10.244.1.9', true],
      ['10.244.1.10', true],
      ['10.244.2.4', false],
    ]);
  });

  it('drops a terminating pod from Endpoints but keeps it in the slice as terminating, and keeps the slice name', async () => {
    sim.store.create('pods', backendPod('web-1', '10.244.1.9'));
    sim.store.create('pods', backendPod('web-2', '10.244.1.10'));
    sim.create('services', service('web', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] }));
    await sim.advance(1000);
    const name = slicesOf(sim, 'web')[0]!.metadata.name;
    sim.store.mutate('pods', 'shop', 'web-2', (p) => {
      p.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    });
    await sim.advance(1000);
    const subsets = sim.store.get('endpoints', 'shop', 'web')!.subsets as Record<string, any>[];
    expect(subsets[0]!.addresses.map((a: { ip: string }) => a.ip)).to.deep.equal(['10.244.1.9']);
    expect(subsets[0]!.notReadyAddresses).to.equal(undefined);
    const slices = slicesOf(sim, 'web');
    expect(slices.map((x) => x.metadata.name)).to.deep.equal([name]);
    expect((slices[0]!.endpoints as any[])[1].conditions).to.deep.equal({
      ready: false,
      serving: true,
      terminating: true,
    });
  });

  it('leaves a pod out when a named targetPort does not resolve, and keeps an empty placeholder slice', async () => {
    sim.store.create('pods', backendPod('web-1', '10.244.1.9'));
    sim.create('services', service('web', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'https' }] }));
    await sim.advance(1000);
    expect(sim.store.get('endpoints', 'shop', 'web')!.subsets).to.equal(undefined);
    const slices = slicesOf(sim, 'web');
    expect(slices).to.have.length(1);
    expect(slices[0]!.endpoints).to.deep.equal([]);
  });

  it('lists a headless Service without ports, labels it headless, and cleans up when the Service goes', async () => {
    const pod = backendPod('redis-0', '10.244.1.20', { app: 'redis' });
    pod.spec.hostname = 'redis-0';
    pod.spec.subdomain = 'redis';
    sim.store.create('pods', pod);
    sim.create('services', service('redis', { selector: { app: 'redis' }, clusterIP: 'None' }));
    await sim.advance(1000);
    const ep = sim.store.get('endpoints', 'shop', 'redis')!;
    expect(ep.metadata.labels).to.deep.include({ 'service.kubernetes.io/headless': '' });
    expect(ep.subsets).to.deep.equal([
      {
        addresses: [
          {
            ip: '10.244.1.20',
            hostname: 'redis-0',
            nodeName: 'node-a',
            targetRef: {
              kind: 'Pod',
              namespace: 'shop',
              name: 'redis-0',
              uid: pod.metadata.uid ?? sim.store.get('pods', 'shop', 'redis-0')!.metadata.uid,
            },
          },
        ],
      },
    ]);
    sim.store.remove('services', 'shop', 'redis');
    await sim.advance(1000);
    expect(sim.store.get('endpoints', 'shop', 'redis')).to.equal(undefined);
    expect(slicesOf(sim, 'redis')).to.deep.equal([]);
  });

  it('leaves the Endpoints of a Service without a selector to whoever writes them', async () => {
    sim.create('services', service('external', { ports: [{ port: 5432 }] }));
    sim.create('endpoints', {
      metadata: { name: 'external', namespace: 'shop' },
      subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432 }] }],
    });
    await sim.advance(1000);
    expect(sim.store.get('endpoints', 'shop', 'external')!.subsets).to.deep.equal([
      { addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432 }] },
    ]);
    expect(slicesOf(sim, 'external')).to.deep.equal([]);
  });
});
