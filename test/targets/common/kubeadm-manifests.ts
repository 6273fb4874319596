/**
 * Static-pod manifests as kubeadm writes them (trimmed to the fields the etcd procedures read and edit), for
 * the fakes that answer `cat /etc/kubernetes/manifests/...` on a node.
 */
export function etcdManifest(o: {
  name: string;
  ip: string;
  initialCluster?: string;
  image?: string;
  pki?: string;
}): string {
  const pki = o.pki ?? '/etc/kubernetes/pki/etcd';
  return `apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://${o.ip}:2379
  labels:
    component: etcd
    tier: control-plane
  name: etcd
  namespace: kube-system
spec:
  containers:
  - command:
    - etcd
    - --advertise-client-urls=https://${o.ip}:2379
    - --cert-file=${pki}/server.crt
    - --client-cert-auth=true
    - --data-dir=/var/lib/etcd
    - --initial-advertise-peer-urls=https://${o.ip}:2380
    - --initial-cluster=${o.initialCluster ?? `${o.name}=https://${o.ip}:2380`}
    - --key-file=${pki}/server.key
    - --listen-client-urls=https://127.0.0.1:2379,https://${o.ip}:2379
    - --listen-metrics-urls=http://127.0.0.1:2381
    - --listen-peer-urls=https://${o.ip}:2380
    - --name=${o.name}
    - --peer-cert-file=${pki}/peer.crt
    - --peer-client-cert-auth=true
    - --peer-key-file=${pki}/peer.key
    - --peer-trusted-ca-file=${pki}/ca.crt
    - --snapshot-count=10000
    - --trusted-ca-file=${pki}/ca.crt
    image: ${o.image ?? 'registry.k8s.io/etcd:3.5.16-0'}
    imagePullPolicy: IfNotPresent
    name: etcd
  hostNetwork: true
`;
}

export function apiserverManifest(ip: string, etcdServers = 'https://127.0.0.1:2379'): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-apiserver
    - --advertise-address=${ip}
    - --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt
    - --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt
    - --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key
    - --etcd-servers=${etcdServers}
    image: registry.k8s.io/kube-apiserver:v1.31.0
    name: kube-apiserver
  hostNetwork: true
`;
}
