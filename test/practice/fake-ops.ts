import { InvalidInputError } from '../../src/errors.js';
import type {
  ControlPlaneComponent,
  EtcdEndpointHealth,
  EtcdMember,
  EtcdOps,
  EtcdSnapshot,
  NewNodeSpec,
  NodeOps,
  NodeService,
  ServiceAction,
  WriteResult,
} from '../../src/targets/target.js';

export type Call = [string, ...unknown[]];

/** NodeOps that remember every call and keep just enough state to answer serviceState. */
export class FakeNodeOps implements NodeOps {
  readonly calls: Call[] = [];
  readonly services = new Map<string, 'active' | 'inactive' | 'unknown'>();
  constructor(readonly known: string[] = ['10.128.38.1', '10.128.38.8']) {}
  private check(node: string): void {
    if (!this.known.includes(node)) throw new InvalidInputError(`No node named "${node}".`);
  }
  async service(node: string, service: NodeService, action: ServiceAction): Promise<void> {
    this.check(node);
    this.calls.push(['service', node, service, action]);
    this.services.set(`${node}/${service}`, action === 'stop' ? 'inactive' : 'active');
  }
  async power(node: string, action: 'off' | 'on'): Promise<void> {
    this.calls.push(['power', node, action]);
  }
  async network(node: string, action: 'disconnect' | 'connect'): Promise<void> {
    this.calls.push(['network', node, action]);
  }
  async freeze(node: string, action: 'pause' | 'unpause'): Promise<void> {
    this.calls.push(['freeze', node, action]);
  }
  async manifest(node: string, component: ControlPlaneComponent, action: 'out' | 'in'): Promise<void> {
    this.calls.push(['manifest', node, component, action]);
  }
  async pressure(node: string, resource: 'memory' | 'disk', amount: string): Promise<void> {
    this.calls.push(['pressure', node, resource, amount]);
  }
  async relieve(node: string, resource: 'memory' | 'disk'): Promise<void> {
    this.calls.push(['relieve', node, resource]);
  }
  async overload(node: string, action: 'start' | 'stop'): Promise<void> {
    this.calls.push(['overload', node, action]);
  }
  async addNode(spec: NewNodeSpec): Promise<string> {
    this.calls.push(['addNode', spec]);
    return spec.name ?? 'new-node';
  }
  async removeNode(node: string): Promise<void> {
    this.calls.push(['removeNode', node]);
  }
  async serviceState(node: string, service: NodeService): Promise<'active' | 'inactive' | 'unknown'> {
    this.check(node);
    return this.services.get(`${node}/${service}`) ?? 'active';
  }
}

/** A three-member etcd that remembers calls; members can be marked down to make health fail. */
export class FakeEtcdOps implements EtcdOps {
  readonly calls: Call[] = [];
  readonly down = new Set<string>();
  list: EtcdMember[] = [
    {
      id: '8e9e05c52164694d',
      name: 'etcd-10.128.38.1',
      peerURL: 'https://10.128.38.1:2380',
      clientURL: 'https://10.128.38.1:2379',
      node: '10.128.38.1',
    },
    {
      id: '91bc3c398fb3c146',
      name: 'etcd-10.128.38.2',
      peerURL: 'https://10.128.38.2:2380',
      clientURL: 'https://10.128.38.2:2379',
      node: '10.128.38.2',
    },
    {
      id: 'fd422379fda50e48',
      name: 'etcd-10.128.38.3',
      peerURL: 'https://10.128.38.3:2380',
      clientURL: 'https://10.128.38.3:2379',
      node: '10.128.38.3',
    },
  ];
  private snaps = 0;
  async members(): Promise<EtcdMember[]> {
    this.calls.push(['members']);
    return this.list.map((m) => ({ ...m }));
  }
  async running(): Promise<string[]> {
    return this.list.filter((m) => !this.down.has(m.name)).map((m) => m.name);
  }
  async stopMember(name: string, how: 'kill' | 'stop' | 'pause'): Promise<void> {
    this.calls.push(['stopMember', name, how]);
    this.down.add(name);
  }
  async startMember(name: string): Promise<void> {
    this.calls.push(['startMember', name]);
    this.down.delete(name);
  }
  async health(): Promise<EtcdEndpointHealth[]> {
    this.calls.push(['health']);
    const quorum = this.list.length - this.down.size > this.list.length / 2;
    return this.list.map((m) => {
      const healthy = quorum && !this.down.has(m.name);
      return {
        endpoint: m.clientURL,
        member: m.name,
        healthy,
        message: healthy
          ? `${m.clientURL} is healthy: successfully committed proposal: took = 2.1ms`
          : `${m.clientURL} is unhealthy: failed to commit proposal: context deadline exceeded`,
      };
    });
  }
  async snapshotSave(label?: string): Promise<EtcdSnapshot> {
    this.calls.push(['snapshotSave', label]);
    this.snaps++;
    return {
      path: `/var/lib/gameday/snapshots/${label ?? 'snapshot'}-${this.snaps}.db`,
      revision: 1234,
      keys: 567,
      takenAt: 1000,
    };
  }
  async restoreSingle(member: string, snapshot: EtcdSnapshot): Promise<void> {
    this.calls.push(['restoreSingle', member, snapshot.path]);
  }
  async memberRemove(name: string): Promise<void> {
    this.calls.push(['memberRemove', name]);
    if (!this.list.some((m) => m.name === name)) throw new InvalidInputError(`no member ${name}`);
    this.list = this.list.filter((m) => m.name !== name);
  }
  async memberAdd(name: string, node?: string): Promise<EtcdMember> {
    this.calls.push(['memberAdd', name, node]);
    const m: EtcdMember = {
      id: 'a1b2c3d4e5f60718',
      name,
      peerURL: `https://${node ?? name}:2380`,
      clientURL: `https://${node ?? name}:2379`,
      ...(node ? { node } : {}),
    };
    this.list.push(m);
    return m;
  }
  async pointApiserver(members: string[]): Promise<void> {
    this.calls.push(['pointApiserver', members]);
  }
  async write(key: string, value: string): Promise<WriteResult> {
    this.calls.push(['write', key, value]);
    return { ok: true, revision: 7 };
  }
  async read(prefix: string): Promise<Map<string, string>> {
    this.calls.push(['read', prefix]);
    return new Map([[`${prefix}a`, '1']]);
  }
}
