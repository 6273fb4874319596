import { existsSync } from 'node:fs';
import { expect } from 'chai';
import { execa } from 'execa';
import { RealClock } from '../../../src/engine/clock.js';
import { Etcdctl } from '../../../src/etcd/etcdctl.js';
import type { KubeObject } from '../../../src/kube/objects.js';
import { startEtcdBackedSim, type EtcdBackedSim } from '../../../src/sim/etcd-backed/etcd-backed-sim.js';
import { ETCD_REQUEST_TIMED_OUT } from '../../../src/sim/etcd-backed/etcd-backend.js';
import { Store, StoreError, type StoreEvent } from '../../../src/sim/store/store.js';
import { processAlive, requireEtcd } from '../../etcd/require-etcd.js';

function configMap(name: string, data: Record<string, string> = { k: name }): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data };
}

function node(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {}, status: { conditions: [] } };
}

function pod(name: string, ns = 'skiff-nsf'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns },
    spec: { nodeName: '10.128.38.6', containers: [{ name: 'c', image: 'tomcat' }] },
    status: { phase: 'Pending' },
  };
}

/** The write refusal a create meets, or undefined when it is accepted. */
function createError(store: Store, name: string): unknown {
  try {
    store.create('configmaps', configMap(name));
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('EtcdBackedStore: the simulated apiserver on a real etcd cluster', function () {
  this.timeout(120_000);
  let clock: RealClock;
  let store: Store;
  let sim: EtcdBackedSim | undefined;
  let events: string[];

  before(function () {
    requireEtcd(this);
  });

  beforeEach(async () => {
    clock = new RealClock();
    store = new Store(clock);
    store.create('nodes', node('10.128.38.1'));
    events = [];
    sim = await startEtcdBackedSim(store, { backend: { onEvent: (l) => events.push(l) } });
  });

  afterEach(async () => {
    const s = sim;
    sim = undefined;
    if (s) {
      const root = s.cluster.root;
      const pids = s.cluster.memberRecords().flatMap((m) => (m.pid === undefined ? [] : [m.pid]));
      await s.close();
      // Nothing left behind: no member process, no temp directory.
      expect(pids.filter(processAlive)).to.deep.equal([]);
      expect(existsSync(root)).to.equal(false);
    }
    clock.close();
  });

  /** `etcdctl get /registry/ --prefix --keys-only` against the members that run, as a person would type it. */
  async function registryKeys(): Promise<string[]> {
    const endpoints = sim!.cluster.liveEndpoints().join(',');
    const { stdout } = await execa('etcdctl', [
      `--endpoints=${endpoints}`,
      'get',
      '/registry/',
      '--prefix',
      '--keys-only',
    ]);
    return stdout.split('\n').filter((l) => l.trim() !== '');
  }

  async function storedJson(key: string): Promise<KubeObject | undefined> {
    const got = await new Etcdctl({ endpoints: sim!.cluster.liveEndpoints() }).get(key);
    const v = got.kvs[0]?.value;
    return v === undefined ? undefined : (JSON.parse(v) as KubeObject);
  }

  async function flushed(): Promise<void> {
    expect(await sim!.backend.flushed(10_000), 'every change committed to etcd').to.equal(true);
  }

  /** Poll (real time) until `check` holds; fails the test after `timeoutMs`. */
  async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await clock.sleep(50);
    }
  }

  it('writes what the store held before and every later change under kube-apiserver keys, and deletes them', async () => {
    store.create('pods', pod('nsf-redis-0'));
    store.create('configmaps', configMap('settings'));
    store.create('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'gw', namespace: 'gateway-system' },
      spec: {},
    });
    store.create('endpoints', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'gw', namespace: 'gateway-system' },
    });
    store.create('deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'gateway-proxy', namespace: 'gateway-system' },
      spec: { replicas: 2 },
    });
    store.create('leases', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'n1', namespace: 'kube-node-lease' },
      spec: {},
    });
    await flushed();
    expect(await registryKeys()).to.have.members([
      '/registry/minions/10.128.38.1',
      '/registry/pods/skiff-nsf/nsf-redis-0',
      '/registry/configmaps/default/settings',
      '/registry/services/specs/gateway-system/gw',
      '/registry/services/endpoints/gateway-system/gw',
      '/registry/deployments/gateway-system/gateway-proxy',
      '/registry/leases/kube-node-lease/n1',
    ]);

    // Many changes to one key in a row: etcd ends with the last.
    for (let i = 1; i <= 20; i++) {
      store.mutate('pods', 'skiff-nsf', 'nsf-redis-0', (p) => {
        p.status = { phase: i === 20 ? 'Running' : `step-${i}` };
      });
    }
    await flushed();
    const stored = await storedJson('/registry/pods/skiff-nsf/nsf-redis-0');
    expect(stored?.status).to.deep.equal({ phase: 'Running' });
    expect(stored?.metadata.uid).to.equal(store.get('pods', 'skiff-nsf', 'nsf-redis-0')?.metadata.uid);
    expect(stored?.metadata.resourceVersion, 'kube-apiserver does not store the resourceVersion').to.equal(undefined);

    store.remove('pods', 'skiff-nsf', 'nsf-redis-0');
    store.remove('nodes', undefined, '10.128.38.1');
    await flushed();
    const keys = await registryKeys();
    expect(keys).to.not.include('/registry/pods/skiff-nsf/nsf-redis-0');
    expect(keys).to.not.include('/registry/minions/10.128.38.1');
    expect(keys).to.include('/registry/configmaps/default/settings');
    expect(sim!.backend.stats.failedTxns).to.equal(0);
  });

  it('keeps up with a burst of a thousand creates, in a few transactions', async () => {
    for (let i = 0; i < 1000; i++) store.create('pods', pod(`burst-${i}`, 'burst'));
    await flushed();
    const keys = await registryKeys();
    expect(keys.filter((k) => k.startsWith('/registry/pods/burst/'))).to.have.length(1000);
    expect(sim!.backend.stats.committedTxns).to.be.below(40);
  });

  it('refuses writes with etcd words once two members are killed, and takes them again when they restart', async () => {
    expect(createError(store, 'before')).to.equal(undefined);
    await flushed();
    await sim!.etcdOps.stopMember('etcd2', 'kill');
    await sim!.etcdOps.stopMember('etcd3', 'kill');

    await until('the API to refuse writes', () => createError(store, `probe-${Date.now()}`) !== undefined);
    const err = createError(store, 'refused');
    expect(err).to.be.instanceOf(StoreError);
    expect((err as StoreError).reason).to.equal('Unavailable');
    expect((err as StoreError).message).to.equal(ETCD_REQUEST_TIMED_OUT);
    expect(store.get('configmaps', 'default', 'refused')).to.equal(undefined);
    expect(sim!.backend.available).to.equal(false);
    await until('the health loop to report the outage', () => events.some((e) => e.includes('refuses writes')));

    // The runbook's first try: restart the two members in place.
    await sim!.etcdOps.startMember('etcd2');
    await sim!.etcdOps.startMember('etcd3');
    await until('the API to accept writes again', () => createError(store, 'after-restart') === undefined);
    await flushed();
    const keys = await registryKeys();
    expect(keys).to.include('/registry/configmaps/default/before');
    expect(keys).to.include('/registry/configmaps/default/after-restart');
    expect(keys).to.not.include('/registry/configmaps/default/refused');
    // Every change the store accepted during the detection window committed once quorum was back.
    const accepted = store.list('configmaps').map((c) => `/registry/configmaps/default/${c.metadata.name}`);
    expect(keys.filter((k) => k.startsWith('/registry/configmaps/'))).to.have.members(accepted);
  });

  it('keeps a change not yet committed across a reload from etcd, then writes it', async () => {
    store.create('configmaps', configMap('committed'));
    await flushed();
    const seen: StoreEvent[] = [];
    const stop = store.onChange((e) => seen.push(e));
    // Still queued when the reload reads etcd: the write-through sends on the next macrotask.
    store.create('configmaps', configMap('queued'));
    store.remove('configmaps', 'default', 'committed');
    const result = await sim!.backend.reloadFromEtcd();
    stop();
    expect(result.discardedWrites).to.equal(0);
    expect(store.get('configmaps', 'default', 'queued')).to.not.equal(undefined);
    expect(store.get('configmaps', 'default', 'committed')).to.equal(undefined);
    expect(seen.map((e) => `${e.type} ${e.object.metadata.name}`)).to.deep.equal(['ADDED queued', 'DELETED committed']);
    await flushed();
    const keys = await registryKeys();
    expect(keys).to.include('/registry/configmaps/default/queued');
    expect(keys).to.not.include('/registry/configmaps/default/committed');
  });

  it('does not take a simulator that keeps the event loop busy for a stalled etcd', async () => {
    /** Create a configmap every 2 ms for `ms` without yielding; returns how many were refused. */
    const busyWrites = (prefix: string, ms: number): number => {
      let refused = 0;
      const end = Date.now() + ms;
      for (let i = 0; Date.now() < end; i++) {
        if (createError(store, `${prefix}-${i}`) !== undefined) refused++;
        const next = Date.now() + 2;
        while (Date.now() < next) {
          // busy: the event loop cannot run
        }
      }
      return refused;
    };
    expect(busyWrites('before-any-send', 1200)).to.equal(0);
    // Now with a transaction in flight whose answer arrives while the loop is busy.
    store.create('configmaps', configMap('in-flight'));
    await new Promise((r) => setImmediate(r));
    expect(busyWrites('while-in-flight', 1200)).to.equal(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(busyWrites('after', 100)).to.equal(0);
    await flushed();
    // A transaction whose timeout fired during the busy second may have been retried; no outage was seen.
    expect(sim!.backend.stats.outages).to.equal(0);
    expect(sim!.backend.available).to.equal(true);
  });

  it('fails over from a hung member to the two that keep quorum', async () => {
    // etcd1 is the first endpoint, the one the write-through starts with. If it leads, the other two elect
    // a new leader first (about a second without commits): the API may refuse writes meanwhile.
    await sim!.etcdOps.stopMember('etcd1', 'pause');
    store.create('configmaps', configMap('while-etcd1-hangs'));
    await flushed();
    await until('the API to accept writes', () => sim!.backend.available);
    expect(createError(store, 'second-while-etcd1-hangs')).to.equal(undefined);
    await flushed();
    expect(await registryKeys()).to.include.members([
      '/registry/configmaps/default/while-etcd1-hangs',
      '/registry/configmaps/default/second-while-etcd1-hangs',
    ]);
    expect((await sim!.etcdOps.running()).sort(), 'etcd1 still hangs').to.deep.equal(['etcd2', 'etcd3']);
    await sim!.etcdOps.startMember('etcd1');
  });

  it('after a snapshot restore and growing back to three, has exactly what the snapshot had plus later writes', async () => {
    const ops = sim!.etcdOps;
    store.create('configmaps', configMap('before-snapshot'));
    store.create('configmaps', configMap('changed-after-snapshot', { v: 'old' }));
    await flushed();
    const snapshot = await ops.snapshotSave('d4b');
    store.create('configmaps', configMap('after-snapshot'));
    store.mutate('configmaps', 'default', 'changed-after-snapshot', (c) => {
      c['data'] = { v: 'new' };
    });
    await flushed();
    const seen: StoreEvent[] = [];
    const stopWatching = store.onChange((e) => seen.push(e));

    await ops.stopMember('etcd2', 'kill');
    await ops.stopMember('etcd3', 'kill');
    await until('the API to refuse writes', () => !sim!.backend.available);

    await ops.restoreSingle('etcd1', snapshot);
    await ops.pointApiserver(['etcd1']);
    expect(store.get('configmaps', 'default', 'after-snapshot'), 'created after the snapshot: gone').to.equal(
      undefined,
    );
    expect(store.get('configmaps', 'default', 'before-snapshot')).to.not.equal(undefined);
    expect(store.get('configmaps', 'default', 'changed-after-snapshot')?.['data']).to.deep.equal({ v: 'old' });
    expect(store.get('nodes', undefined, '10.128.38.1')).to.not.equal(undefined);
    expect(seen.some((e) => e.type === 'DELETED' && e.object.metadata.name === 'after-snapshot')).to.equal(true);
    expect(seen.some((e) => e.type === 'MODIFIED' && e.object.metadata.name === 'changed-after-snapshot')).to.equal(
      true,
    );
    expect(createError(store, 'on-one-member')).to.equal(undefined);

    await ops.memberAdd('etcd2');
    await ops.memberAdd('etcd3');
    await ops.pointApiserver(['etcd1', 'etcd2', 'etcd3']);
    expect(createError(store, 'on-three-members')).to.equal(undefined);
    stopWatching();
    await flushed();

    expect((await ops.members()).map((m) => m.name).sort()).to.deep.equal(['etcd1', 'etcd2', 'etcd3']);
    const keys = await registryKeys();
    expect(keys.filter((k) => k.startsWith('/registry/configmaps/'))).to.have.members([
      '/registry/configmaps/default/before-snapshot',
      '/registry/configmaps/default/changed-after-snapshot',
      '/registry/configmaps/default/on-one-member',
      '/registry/configmaps/default/on-three-members',
    ]);
    expect(keys).to.include('/registry/minions/10.128.38.1');
    expect(sim!.backend.stats.reloads).to.be.greaterThanOrEqual(1);
  });

  it('follows a restore it was not told about, seeing the new cluster ID', async () => {
    store.create('configmaps', configMap('before-snapshot'));
    await flushed();
    const snapshot = await sim!.etcdOps.snapshotSave('behind-its-back');
    store.create('configmaps', configMap('after-snapshot'));
    await flushed();
    // The RealEtcdOps underneath: the backend only sees etcd change.
    await sim!.etcdOps.inner.restoreSingle('etcd1', snapshot);
    await until('the store to reload from the restored member', () => sim!.backend.stats.reloads > 0);
    await until('the API to accept writes', () => sim!.backend.available);
    expect(store.get('configmaps', 'default', 'after-snapshot')).to.equal(undefined);
    expect(store.get('configmaps', 'default', 'before-snapshot')).to.not.equal(undefined);
    expect(events.some((e) => e.includes('cluster ID changed'))).to.equal(true);
  });
});
