import type { KubeConfig } from '@kubernetes/client-node';
import { JournalError, errorMessage } from '../errors.js';
import type { Target } from '../targets/target.js';
import { normaliseServer } from '../targets/common/cluster-identity.js';
import type { Journal, JournalClusterIdentity } from './journal.js';

/**
 * Which cluster a target's cluster is: its API server and a UID no other cluster has (the kube-system
 * namespace's, or what the target gives when its API may be down: a served simulator's instance). Either
 * may be unknown (the API down on a real cluster): what is known is compared.
 */
export async function identityOf(target: Target, cluster: string): Promise<JournalClusterIdentity> {
  const kube = target.kube(cluster);
  // A target without a kubeconfig (a test's fake) is known by its UID alone.
  const server = (kube.config as KubeConfig | undefined)?.getCurrentCluster()?.server;
  let uid: string | undefined;
  try {
    uid = target.clusterUid
      ? await target.clusterUid(cluster)
      : (await kube.get('namespaces', 'kube-system'))?.metadata.uid;
  } catch {
    uid = undefined;
  }
  return { ...(server ? { server: normaliseServer(server) } : {}), ...(uid ? { kubeSystemUid: uid } : {}) };
}

/**
 * Refuses a journal written on another cluster than the one the target reaches now (another kind cluster
 * of the same name, a simulator started again, a kubeconfig pointing elsewhere): applying it would put back
 * an old state over whatever was done since. Nothing is changed when it refuses.
 */
export async function checkIdentity(journal: Journal, target: Target): Promise<void> {
  const problems: string[] = [];
  for (const [cluster, was] of Object.entries(journal.data.clusters ?? {})) {
    if (!target.clusters().includes(cluster)) {
      problems.push(`cluster "${cluster}" is not on this target (it has ${target.clusters().join(', ')})`);
      continue;
    }
    let now: JournalClusterIdentity;
    try {
      now = await identityOf(target, cluster);
    } catch (err) {
      problems.push(`${cluster}: cannot tell which cluster it is (${errorMessage(err)})`);
      continue;
    }
    if (was.server && now.server && was.server !== now.server)
      problems.push(`${cluster}: the API server is ${now.server}, the journal's was ${was.server}`);
    if (was.kubeSystemUid && now.kubeSystemUid && was.kubeSystemUid !== now.kubeSystemUid)
      problems.push(`${cluster}: its UID is ${now.kubeSystemUid}, the journal's was ${was.kubeSystemUid}`);
  }
  if (problems.length > 0) {
    throw new JournalError(
      `${journal.path}: this journal was written on another cluster: ${problems.join('; ')}. Nothing was changed: an old journal must not overwrite what was done since. If that cluster is gone, the drill's changes went with it: delete the journal.`,
    );
  }
}
