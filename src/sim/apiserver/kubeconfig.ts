import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

export interface KubeconfigEntry {
  cluster: string;
  url: string;
  /** The simulator's bearer token (SimApiServer.token). */
  token: string;
  /** For an https URL: the certificate clients trust (Simulator.ca, PEM). */
  ca?: string | undefined;
}

/**
 * A kubeconfig for simulated clusters: one cluster, user and context per entry, the context named after
 * the cluster (`kubectl --context business get nodes`). The user's bearer token keeps other local programs
 * and web pages out; kubectl sends it only over https, with the simulator's certificate as the authority.
 */
export function kubeconfigText(entries: KubeconfigEntry[], current?: string): string {
  const first = entries[0]?.cluster;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: entries.map((e) => ({
      name: e.cluster,
      // Over https clients verify the simulator's own certificate; client-node refuses plain http unless
      // verification is explicitly off.
      cluster: e.ca
        ? { server: e.url, 'certificate-authority-data': Buffer.from(e.ca).toString('base64') }
        : { server: e.url, 'insecure-skip-tls-verify': true },
    })),
    users: entries.map((e) => ({ name: `${e.cluster}-user`, user: { token: e.token } })),
    contexts: entries.map((e) => ({
      name: e.cluster,
      context: { cluster: e.cluster, user: `${e.cluster}-user`, namespace: 'default' },
    })),
    'current-context': current ?? first ?? '',
  };
  return stringify(doc);
}

/**
 * Written 0600 because it holds the token: to a new file renamed over the old one, so an existing file with
 * a wider mode never holds the new token.
 */
export async function writeKubeconfig(path: string, entries: KubeconfigEntry[], current?: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, kubeconfigText(entries, current), { mode: 0o600, flag: 'wx' });
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}
