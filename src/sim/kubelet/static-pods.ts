import type { KubeObject } from '../../kube/objects.js';
import type { ControlPlaneComponent } from '../../targets/target.js';
import { ETCD_VERSION } from '../kubernetes-version.js';

export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

const IMAGES: Record<ControlPlaneComponent, (version: string) => string> = {
  etcd: () => `registry.k8s.io/etcd:${ETCD_VERSION}-0`,
  'kube-apiserver': (v) => `registry.k8s.io/kube-apiserver:${v}`,
  'kube-controller-manager': (v) => `registry.k8s.io/kube-controller-manager:${v}`,
  'kube-scheduler': (v) => `registry.k8s.io/kube-scheduler:${v}`,
};

/** The control plane's images for a Kubernetes version: kubeadm preloads them, so every registry has them. */
export function controlPlaneImages(version: string): string[] {
  return Object.values(IMAGES).map((image) => image(version));
}

const CPU: Record<ControlPlaneComponent, string | undefined> = {
  etcd: undefined,
  'kube-apiserver': '250m',
  'kube-controller-manager': '200m',
  'kube-scheduler': '100m',
};

function command(component: ControlPlaneComponent, ip: string, node: string): string[] {
  switch (component) {
    case 'etcd':
      return [
        'etcd',
        `--advertise-client-urls=https://${ip}:2379`,
        '--data-dir=/var/lib/etcd',
        `--initial-advertise-peer-urls=https://${ip}:2380`,
        `--listen-client-urls=https://127.0.0.1:2379,https://${ip}:2379`,
        `--listen-peer-urls=https://${ip}:2380`,
        `--name=${node}`,
      ];
    case 'kube-apiserver':
      return [
        'kube-apiserver',
        `--advertise-address=${ip}`,
        '--etcd-servers=https://127.0.0.1:2379',
        '--secure-port=6443',
      ];
    case 'kube-controller-manager':
      return ['kube-controller-manager', '--leader-elect=true', '--kubeconfig=/etc/kubernetes/controller-manager.conf'];
    case 'kube-scheduler':
      return ['kube-scheduler', '--leader-elect=true', '--kubeconfig=/etc/kubernetes/scheduler.conf'];
  }
}

/** A stable hash of the manifest, which the kubelet uses as the static pod's UID and config hash. */
function manifestHash(component: string, node: string): string {
  let h = 0x811c9dc5;
  for (const ch of `${component}/${node}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return (h.toString(16).padStart(8, '0') + 'a3c1f2e4d5b6c7d8e9f0a1b2c3d4e5f6').slice(0, 32);
}

/** The pod /etc/kubernetes/manifests/<component>.yaml describes on `node`, as kubeadm writes it. */
export function staticPod(component: ControlPlaneComponent, node: string, ip: string, version: string): KubeObject {
  const hash = manifestHash(component, node);
  const cpu = CPU[component];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${component}-${node}`,
      namespace: 'kube-system',
      uid: hash,
      labels: { component, tier: 'control-plane' },
      annotations: {
        'kubernetes.io/config.hash': hash,
        'kubernetes.io/config.source': 'file',
        'scheduler.alpha.kubernetes.io/critical-pod': '',
      },
    },
    spec: {
      nodeName: node,
      hostNetwork: true,
      priorityClassName: 'system-cluster-critical',
      priority: 2000000000,
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      securityContext: {},
      tolerations: [{ operator: 'Exists', effect: 'NoExecute' }],
      containers: [
        {
          name: component,
          image: IMAGES[component](version),
          imagePullPolicy: 'IfNotPresent',
          command: command(component, ip, node),
          resources: cpu ? { requests: { cpu } } : {},
          livenessProbe: {
            failureThreshold: 8,
            initialDelaySeconds: 15,
            timeoutSeconds: 15,
            periodSeconds: 10,
            httpGet: {
              host: component === 'etcd' ? '127.0.0.1' : ip,
              path: '/healthz',
              port: portOf(component),
              scheme: 'HTTPS',
            },
          },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
    },
  };
}

function portOf(component: ControlPlaneComponent): number {
  switch (component) {
    case 'etcd':
      return 2379;
    case 'kube-apiserver':
      return 6443;
    case 'kube-controller-manager':
      return 10252;
    case 'kube-scheduler':
      return 10251;
  }
}

/** The mirror pod the kubelet creates in the API for a static pod. */
export function mirrorPod(pod: KubeObject, nodeUid: string | undefined): KubeObject {
  const m = structuredClone(pod);
  delete m.metadata.uid;
  m.metadata.annotations = {
    ...m.metadata.annotations,
    [MIRROR_ANNOTATION]: m.metadata.annotations?.['kubernetes.io/config.hash'] ?? '',
  };
  if (nodeUid) {
    m.metadata.ownerReferences = [
      { apiVersion: 'v1', kind: 'Node', name: String(pod.spec?.nodeName), uid: nodeUid, controller: true },
    ];
  }
  return m;
}

export function isMirrorPod(pod: KubeObject): boolean {
  return pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined;
}
