import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { HostConfig } from './host/host-config.js';
import { apiserverManifest, controllerManagerManifest, etcdManifest, schedulerManifest } from './kubeadm-manifests.js';
import { SSH_USER } from './image.js';
import type { HostSpec } from './layout.js';
import { APISERVER_ETCD_CLIENT, ETCD_PKI } from './pki.js';

export interface HostFilesInput {
  host: HostSpec;
  all: readonly HostSpec[];
  /** The API as the host reaches it (the gateway listener) and the token the kubelet presents. */
  apiUrl: string;
  token: string;
  channelUrl: string;
  pkiDir: string;
  sshPublicKey: string;
  /** The CA of the simulated API's serving certificate, which the kubelet checks it against. */
  apiCa: string;
  bootDelayMs: number;
}

function put(root: string, path: string, content: string | Buffer, mode = 0o644): void {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content, { mode });
}

/**
 * The files a host starts with, laid out under `root` as they go into the container (`docker cp`): what
 * kubeadm leaves on a node (kubelet.conf; on control planes the static pod manifests and the etcd PKI),
 * the login key of the lab user, and /etc/gameday/host.json for init and the agent.
 */
export function writeHostFiles(root: string, o: HostFilesInput): void {
  const { host } = o;
  const config: HostConfig = {
    node: host.name,
    internalIP: host.ip,
    bootDelayMs: o.bootDelayMs,
    channel: { url: o.channelUrl, token: o.token },
  };
  put(root, 'etc/gameday/host.json', JSON.stringify(config, null, 2) + '\n', 0o600);
  put(
    root,
    'etc/kubernetes/kubelet.conf',
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'kubernetes',
          cluster: { server: o.apiUrl, 'certificate-authority-data': Buffer.from(o.apiCa).toString('base64') },
        },
      ],
      users: [{ name: `system:node:${host.name}`, user: { token: o.token } }],
      contexts: [{ name: 'default', context: { cluster: 'kubernetes', user: `system:node:${host.name}` } }],
      'current-context': 'default',
    }),
    0o600,
  );
  put(root, `etc/ssh/authorized_keys/${SSH_USER}`, o.sshPublicKey.trim() + '\n', 0o644);
  if (host.role !== 'control-plane') return;
  const cps = o.all.filter((h) => h.role === 'control-plane');
  put(root, 'etc/kubernetes/manifests/etcd.yaml', etcdManifest(host, cps), 0o600);
  put(root, 'etc/kubernetes/manifests/kube-apiserver.yaml', apiserverManifest(host), 0o600);
  put(root, 'etc/kubernetes/manifests/kube-controller-manager.yaml', controllerManagerManifest(), 0o600);
  put(root, 'etc/kubernetes/manifests/kube-scheduler.yaml', schedulerManifest(), 0o600);
  const pki = (from: string, to: string, mode: number): void =>
    put(root, to.slice(1), readFileSync(join(o.pkiDir, from)), mode);
  pki('ca.crt', `${ETCD_PKI}/ca.crt`, 0o644);
  pki('ca.key', `${ETCD_PKI}/ca.key`, 0o600);
  for (const f of ['server', 'peer', 'healthcheck-client']) {
    pki(`${host.name}/${f}.crt`, `${ETCD_PKI}/${f}.crt`, 0o644);
    pki(`${host.name}/${f}.key`, `${ETCD_PKI}/${f}.key`, 0o600);
  }
  pki('apiserver-etcd-client.crt', `${APISERVER_ETCD_CLIENT}.crt`, 0o644);
  pki('apiserver-etcd-client.key', `${APISERVER_ETCD_CLIENT}.key`, 0o600);
}
