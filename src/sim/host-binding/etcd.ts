import { InfrastructureError, errorMessage } from '../../errors.js';
import { EtcdBackedStore } from '../etcd-backed/etcd-backend.js';
import { EtcdGateway, type EtcdTls } from '../../etcd/gateway.js';
import { HEALTH_KEY } from '../etcd-backed/etcd-backend.js';
import type { Store } from '../store/store.js';

/**
 * The simulated apiserver's storage on the proving ground's etcd: kubeadm's members on the hosts, TLS with
 * the apiserver's etcd client certificate, the endpoints following kube-apiserver's --etcd-servers.
 * Waits (bounded) until a member answers a linearizable read, then writes the Store's content.
 */
export async function startEtcdBackedStore(
  store: Store,
  endpoints: () => string[],
  tls: EtcdTls,
  timeoutMs: number,
  onEvent?: (line: string) => void,
): Promise<EtcdBackedStore> {
  const probe = new EtcdGateway(endpoints, 2000, tls);
  const deadline = Date.now() + timeoutMs;
  let why: string | undefined = 'not asked yet';
  try {
    while ((why = await probe.probe(HEALTH_KEY)) !== undefined) {
      if (Date.now() >= deadline) {
        throw new InfrastructureError(
          `The hosts' etcd members (${endpoints().join(', ')}) did not answer within ${Math.round(timeoutMs / 1000)} s: ${why}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } catch (err) {
    if (err instanceof InfrastructureError) throw err;
    throw new InfrastructureError(`Probing the hosts' etcd: ${errorMessage(err)}`, { cause: err });
  } finally {
    probe.close();
  }
  const backend = new EtcdBackedStore(store, { endpoints, tls, ...(onEvent ? { onEvent } : {}) });
  await backend.start();
  return backend;
}
