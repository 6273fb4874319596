import { LocalEtcdCluster, type LocalEtcdClusterOptions } from '../../etcd/local-cluster.js';
import { RealEtcdOps, type RealEtcdOpsOptions } from '../../etcd/real-etcd-ops.js';
import type { Store } from '../store/store.js';
import { BackedEtcdOps } from './backed-etcd-ops.js';
import { EtcdBackedStore, type EtcdBackendOptions } from './etcd-backend.js';

export interface EtcdBackedSimOptions {
  /** The local cluster (member names default to etcd1..etcd3, tmpParent, keepData, ...). */
  cluster?: Omit<LocalEtcdClusterOptions, 'onCommand'>;
  /** RealEtcdOps' timeouts and options. */
  ops?: Omit<RealEtcdOpsOptions, 'onCommand'>;
  /** The write-through's timeouts; the endpoints are always RealEtcdOps.clientEndpoints(). */
  backend?: Omit<EtcdBackendOptions, 'endpoints'>;
  /** Every command line run: etcd processes, etcdctl, signals sent to members, the apiserver repointed. */
  onCommand?: (line: string) => void;
}

export interface EtcdBackedSim {
  /** The cluster's EtcdOps for the sim target: real etcd, the Store following restores and repointing. */
  etcdOps: BackedEtcdOps;
  backend: EtcdBackedStore;
  cluster: LocalEtcdCluster;
  /** Stop the write-through, kill every member and remove the temp directories. */
  close(): Promise<void>;
}

/**
 * `--etcd real`: start a 3-member etcd cluster on loopback (free ports, a temp root) and make `store` a
 * write-through cache of it under `/registry/`. Resolves once etcd holds everything the Store holds.
 * Throws EtcdMissingError (naming the Debian packages) when etcd or etcdctl is not installed.
 */
export async function startEtcdBackedSim(store: Store, options: EtcdBackedSimOptions = {}): Promise<EtcdBackedSim> {
  const onCommand = options.onCommand;
  const cluster = new LocalEtcdCluster({ ...options.cluster, ...(onCommand ? { onCommand } : {}) });
  await cluster.start();
  let backend: EtcdBackedStore | undefined;
  try {
    const ops = new RealEtcdOps(cluster, { ...options.ops, ...(onCommand ? { onCommand } : {}) });
    backend = new EtcdBackedStore(store, { ...options.backend, endpoints: () => ops.clientEndpoints() });
    await backend.start();
    const started = backend;
    return {
      etcdOps: new BackedEtcdOps(ops, started),
      backend: started,
      cluster,
      close: async () => {
        await started.close();
        await cluster.close();
      },
    };
  } catch (err) {
    await backend?.close();
    await cluster.close();
    throw err;
  }
}
