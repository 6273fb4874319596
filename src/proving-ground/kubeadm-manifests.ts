import { stringify } from 'yaml';
import { APISERVER_ETCD_CLIENT, ETCD_PKI } from './pki.js';

/** The etcd image kubeadm's manifest names: the version the hosts really run (Debian bookworm's etcd). */
export const ETCD_IMAGE = 'registry.k8s.io/etcd:3.4.23-0';
export const KUBE_VERSION = 'v1.32.0';

export interface ControlPlaneHost {
  name: string;
  ip: string;
}

function staticPod(
  name: string,
  command: string[],
  image: string,
  volumes: [string, string, string][],
  extra: Record<string, unknown> = {},
): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...extra, labels: { component: name, tier: 'control-plane' }, name, namespace: 'kube-system' },
    spec: {
      containers: [
        {
          command,
          image,
          imagePullPolicy: 'IfNotPresent',
          name,
          volumeMounts: volumes.map(([vname, path]) => ({ mountPath: path, name: vname })),
        },
      ],
      hostNetwork: true,
      priority: 2000001000,
      priorityClassName: 'system-node-critical',
      volumes: volumes.map(([vname, path, type]) => ({ hostPath: { path, type }, name: vname })),
    },
  });
}

/**
 * kubeadm's stacked etcd member for `host`: TLS for clients and peers with kubeadm's certificate paths,
 * client and peer URLs on the host's own address, data in /var/lib/etcd. The three members bootstrap
 * together, so each lists all of them in --initial-cluster (kubeadm's first member lists only itself and the
 * others join; the result is the same three-member cluster).
 */
export function etcdManifest(host: ControlPlaneHost, all: readonly ControlPlaneHost[]): string {
  const ip = host.ip;
  return staticPod(
    'etcd',
    [
      'etcd',
      `--advertise-client-urls=https://${ip}:2379`,
      `--cert-file=${ETCD_PKI}/server.crt`,
      '--client-cert-auth=true',
      '--data-dir=/var/lib/etcd',
      `--initial-advertise-peer-urls=https://${ip}:2380`,
      `--initial-cluster=${all.map((h) => `${h.name}=https://${h.ip}:2380`).join(',')}`,
      `--key-file=${ETCD_PKI}/server.key`,
      `--listen-client-urls=https://127.0.0.1:2379,https://${ip}:2379`,
      '--listen-metrics-urls=http://127.0.0.1:2381',
      `--listen-peer-urls=https://${ip}:2380`,
      `--name=${host.name}`,
      `--peer-cert-file=${ETCD_PKI}/peer.crt`,
      '--peer-client-cert-auth=true',
      `--peer-key-file=${ETCD_PKI}/peer.key`,
      `--peer-trusted-ca-file=${ETCD_PKI}/ca.crt`,
      '--snapshot-count=10000',
      `--trusted-ca-file=${ETCD_PKI}/ca.crt`,
    ],
    ETCD_IMAGE,
    [
      ['etcd-certs', ETCD_PKI, 'DirectoryOrCreate'],
      ['etcd-data', '/var/lib/etcd', 'DirectoryOrCreate'],
    ],
    { annotations: { 'kubeadm.kubernetes.io/etcd.advertise-client-urls': `https://${ip}:2379` } },
  );
}

/** kube-apiserver as kubeadm writes it for a stacked control plane: --etcd-servers is the local member. */
export function apiserverManifest(host: ControlPlaneHost): string {
  return staticPod(
    'kube-apiserver',
    [
      'kube-apiserver',
      `--advertise-address=${host.ip}`,
      '--allow-privileged=true',
      '--authorization-mode=Node,RBAC',
      '--client-ca-file=/etc/kubernetes/pki/ca.crt',
      '--enable-admission-plugins=NodeRestriction',
      `--etcd-cafile=${ETCD_PKI}/ca.crt`,
      `--etcd-certfile=${APISERVER_ETCD_CLIENT}.crt`,
      `--etcd-keyfile=${APISERVER_ETCD_CLIENT}.key`,
      '--etcd-servers=https://127.0.0.1:2379',
      '--secure-port=6443',
      '--service-cluster-ip-range=10.96.0.0/16',
    ],
    `registry.k8s.io/kube-apiserver:${KUBE_VERSION}`,
    [
      ['ca-certs', '/etc/ssl/certs', 'DirectoryOrCreate'],
      ['k8s-certs', '/etc/kubernetes/pki', 'DirectoryOrCreate'],
    ],
    { annotations: { 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${host.ip}:6443` } },
  );
}

export function controllerManagerManifest(): string {
  return staticPod(
    'kube-controller-manager',
    [
      'kube-controller-manager',
      '--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf',
      '--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf',
      '--bind-address=127.0.0.1',
      '--kubeconfig=/etc/kubernetes/controller-manager.conf',
      '--leader-elect=true',
      '--use-service-account-credentials=true',
    ],
    `registry.k8s.io/kube-controller-manager:${KUBE_VERSION}`,
    [['k8s-certs', '/etc/kubernetes/pki', 'DirectoryOrCreate']],
  );
}

export function schedulerManifest(): string {
  return staticPod(
    'kube-scheduler',
    [
      'kube-scheduler',
      '--authentication-kubeconfig=/etc/kubernetes/scheduler.conf',
      '--authorization-kubeconfig=/etc/kubernetes/scheduler.conf',
      '--bind-address=127.0.0.1',
      '--kubeconfig=/etc/kubernetes/scheduler.conf',
      '--leader-elect=true',
    ],
    `registry.k8s.io/kube-scheduler:${KUBE_VERSION}`,
    [['kubeconfig', '/etc/kubernetes/scheduler.conf', 'FileOrCreate']],
  );
}
