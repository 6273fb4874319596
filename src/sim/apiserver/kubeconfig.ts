import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

export interface KubeconfigEntry {
  cluster: string;
  url: string;
}

/**
 * A kubeconfig for simulated clusters: one cluster, user and context per entry, the context named after
 * the cluster (`kubectl --context business get nodes`). Plain HTTP on loopback, so no credentials and no
 * TLS to verify.
 */
export function kubeconfigText(entries: KubeconfigEntry[], current?: string): string {
  const first = entries[0]?.cluster;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    // client-node refuses plain http unless TLS verification is explicitly off; kubectl does not mind.
    clusters: entries.map((e) => ({ name: e.cluster, cluster: { server: e.url, 'insecure-skip-tls-verify': true } })),
    users: entries.map((e) => ({ name: `${e.cluster}-user`, user: {} })),
    contexts: entries.map((e) => ({
      name: e.cluster,
      context: { cluster: e.cluster, user: `${e.cluster}-user`, namespace: 'default' },
    })),
    'current-context': current ?? first ?? '',
  };
  return stringify(doc);
}

export async function writeKubeconfig(path: string, entries: KubeconfigEntry[], current?: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, kubeconfigText(entries, current), { mode: 0o600 });
}
