import type { RealEtcdOps } from '../../etcd/real-etcd-ops.js';
import type { EtcdEndpointHealth, EtcdMember, EtcdOps, EtcdSnapshot, WriteResult } from '../../targets/target.js';
import type { EtcdBackedStore } from './etcd-backend.js';

/**
 * The runbook's etcd procedures on real etcd (RealEtcdOps), with the simulated apiserver following them:
 * a single-member restore refuses API writes while it runs and then reloads the Store from the restored
 * member (objects created after the snapshot are gone, as on a real cluster); repointing the apiserver
 * (`--etcd-servers`) moves the write-through to the new member list and re-lists from it.
 */
export class BackedEtcdOps implements EtcdOps {
  constructor(
    readonly inner: RealEtcdOps,
    readonly backend: EtcdBackedStore,
  ) {}

  members(): Promise<EtcdMember[]> {
    return this.inner.members();
  }

  running(): Promise<string[]> {
    return this.inner.running();
  }

  stopMember(name: string, how: 'kill' | 'stop' | 'pause'): Promise<void> {
    return this.inner.stopMember(name, how);
  }

  startMember(name: string): Promise<void> {
    return this.inner.startMember(name);
  }

  health(): Promise<EtcdEndpointHealth[]> {
    return this.inner.health();
  }

  snapshotSave(label?: string): Promise<EtcdSnapshot> {
    return this.inner.snapshotSave(label);
  }

  async restoreSingle(member: string, snapshot: EtcdSnapshot): Promise<void> {
    await this.backend.beginRestore();
    try {
      await this.inner.restoreSingle(member, snapshot);
    } catch (err) {
      this.backend.abortRestore();
      throw err;
    }
    await this.backend.finishRestore();
  }

  memberRemove(name: string): Promise<void> {
    return this.inner.memberRemove(name);
  }

  memberAdd(name: string, node?: string): Promise<EtcdMember> {
    return this.inner.memberAdd(name, node);
  }

  async pointApiserver(members: string[]): Promise<void> {
    await this.inner.pointApiserver(members);
    // The backend reads RealEtcdOps.clientEndpoints() on every request: the new list is in use already.
    await this.backend.reloadFromEtcd();
  }

  write(key: string, value: string): Promise<WriteResult> {
    return this.inner.write(key, value);
  }

  read(prefix: string): Promise<Map<string, string>> {
    return this.inner.read(prefix);
  }
}
