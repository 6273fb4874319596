import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { errorMessage } from '../../errors.js';
import { ensurePrivateDirSync, writePrivateFileSync } from '../../private-files.js';
import type { ClusterIdentity } from './cluster-identity.js';
import { ClusterIdentityError } from './errors.js';

/**
 * The identities of the lab clusters gameday has acted on, recorded at first use, as ssh's known_hosts
 * records host keys: a later run whose kubeconfig gives an allow-listed context to another cluster is
 * refused. A profile can pin an identity instead (`identity` in the lab profile), which is stronger: a
 * record made at first use trusts whatever the first run reached.
 */
export interface KnownCluster extends ClusterIdentity {
  /** The lab profile that first reached it, for the person reading the file. */
  profile?: string;
  recordedAt: string;
}

/** Where the records live: $GAMEDAY_KNOWN_CLUSTERS, else the XDG state directory. */
export function knownClustersPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env['GAMEDAY_KNOWN_CLUSTERS']) return env['GAMEDAY_KNOWN_CLUSTERS'];
  const state = env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state');
  return join(state, 'gameday', 'known-clusters.json');
}

/** Records are keyed by the profile's cluster name and its context: the names the allow-list gives. */
export function knownClusterKey(cluster: string, context: string): string {
  return `${cluster}@${context}`;
}

export class KnownClusters {
  private constructor(
    readonly path: string,
    private readonly entries: Record<string, KnownCluster>,
  ) {}

  static load(path = knownClustersPath()): KnownClusters {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new KnownClusters(path, {});
      throw new ClusterIdentityError(`Cannot read the known clusters file ${path}: ${errorMessage(err)}.`);
    }
    try {
      const data = JSON.parse(text) as { clusters?: Record<string, KnownCluster> };
      if (typeof data !== 'object' || data === null || typeof data.clusters !== 'object' || data.clusters === null)
        throw new Error('expected {"clusters": {...}}');
      return new KnownClusters(path, data.clusters);
    } catch (err) {
      throw new ClusterIdentityError(
        `The known clusters file ${path} is damaged (${errorMessage(err)}); fix or remove it (gameday records every lab cluster again at its next use).`,
      );
    }
  }

  get(key: string): KnownCluster | undefined {
    return Object.hasOwn(this.entries, key) ? this.entries[key] : undefined;
  }

  /** Add a record and write the file at once (0600 in a 0700 directory: it names the lab's clusters). */
  record(key: string, identity: ClusterIdentity, profile: string | undefined, now = new Date()): void {
    this.entries[key] = { ...identity, ...(profile ? { profile } : {}), recordedAt: now.toISOString() };
    ensurePrivateDirSync(dirname(this.path));
    writePrivateFileSync(this.path, JSON.stringify({ clusters: this.entries }, null, 2) + '\n', { fsync: true });
  }
}
