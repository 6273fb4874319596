import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../../errors.js';
import type { Kube } from '../../kube/kube.js';
import { ClusterIdentityError } from './errors.js';

/**
 * What makes a cluster the cluster it is, as far as a kubeconfig can lie about it: the API server's URL and
 * the CA that vouches for it (both read from the kubeconfig), and the UID of its kube-system namespace
 * (read from the cluster: it is made once, when the cluster is created, and no other cluster has it).
 * A context name is only a word in a file: `--kubeconfig other` or `KUBECONFIG=other` can give an
 * allow-listed name to any cluster.
 */
export interface ClusterIdentity {
  server: string;
  /** SHA-256 fingerprint of the CA certificate the kubeconfig trusts; "none" when it trusts none (http, or TLS unchecked). */
  ca: string;
  kubeSystemUid: string;
}

/** The part of the identity the kubeconfig alone gives. */
export type KubeconfigIdentity = Pick<ClusterIdentity, 'server' | 'ca'>;

/** A server URL as it identifies a cluster: lower-case scheme and host, no trailing slash. */
export function normaliseServer(server: string): string {
  try {
    const u = new URL(server);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`.toLowerCase();
  } catch {
    return server.trim().replace(/\/+$/, '').toLowerCase();
  }
}

/** The fingerprint of the first certificate of a PEM bundle, as openssl prints it (AA:BB:...). */
export function caFingerprint(pem: string | Buffer): string {
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch {
    // Not a certificate we can parse: still bind to its exact bytes.
    return `sha256:${createHash('sha256').update(pem).digest('hex')}`;
  }
}

/** Server and CA of `context` in `config`, without contacting anything. */
export function kubeconfigIdentity(config: KubeConfig, context: string, where: string): KubeconfigIdentity {
  const ctx = config.getContextObject(context);
  const cluster = ctx ? config.getCluster(ctx.cluster) : null;
  if (!ctx || !cluster) {
    throw new ClusterIdentityError(`The kubeconfig of ${where} has no cluster for its context.`);
  }
  let ca = 'none';
  if (!cluster.skipTLSVerify && cluster.server.startsWith('https:')) {
    if (cluster.caData) ca = caFingerprint(Buffer.from(cluster.caData, 'base64'));
    else if (cluster.caFile) {
      try {
        ca = caFingerprint(readFileSync(cluster.caFile));
      } catch (err) {
        throw new ClusterIdentityError(`Cannot read the CA file ${cluster.caFile} of ${where}: ${errorMessage(err)}.`);
      }
    } else ca = 'system';
  }
  return { server: normaliseServer(cluster.server), ca };
}

/** The UID of the cluster's kube-system namespace: a read-only GET, allowed in dry runs. */
export async function kubeSystemUid(kube: Kube, where: string): Promise<string> {
  let uid: string | undefined;
  try {
    uid = (await kube.get('namespaces', 'kube-system'))?.metadata.uid;
  } catch (err) {
    throw new ClusterIdentityError(
      `Cannot confirm which cluster ${where} leads to: reading namespace kube-system failed (${errorMessage(err)}). Nothing was touched.`,
    );
  }
  if (!uid) {
    throw new ClusterIdentityError(
      `Cannot confirm which cluster ${where} leads to: it has no kube-system namespace with a UID. Nothing was touched.`,
    );
  }
  return uid;
}

/** The fields of `expected` that `actual` does not match, in words; empty when they are the same cluster. */
export function identityDifferences(expected: Partial<ClusterIdentity>, actual: Partial<ClusterIdentity>): string[] {
  const out: string[] = [];
  if (
    expected.server !== undefined &&
    actual.server !== undefined &&
    normaliseServer(expected.server) !== actual.server
  )
    out.push(`API server ${actual.server}, expected ${normaliseServer(expected.server)}`);
  if (expected.ca !== undefined && actual.ca !== undefined && expected.ca !== actual.ca)
    out.push(`CA fingerprint ${actual.ca}, expected ${expected.ca}`);
  if (
    expected.kubeSystemUid !== undefined &&
    actual.kubeSystemUid !== undefined &&
    expected.kubeSystemUid !== actual.kubeSystemUid
  )
    out.push(`kube-system namespace UID ${actual.kubeSystemUid}, expected ${expected.kubeSystemUid}`);
  return out;
}
