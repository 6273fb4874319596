import type { KubeObject } from '../../kube/objects.js';

const CNI_APPS = new Set([
  'calico-node',
  'flannel',
  'kube-flannel',
  'kube-flannel-ds',
  'cilium',
  'weave-net',
  'canal',
  'kube-router',
  'kindnet',
]);

/**
 * Whether a pod is the node's CNI agent (its DaemonSet pod): marked with annotation
 * `sim.gameday.io/cni: "true"`, or labelled k8s-app/app with a well-known CNI name. While the CNI pod on a node
 * is not Ready, new pod sandboxes on that node cannot get a network.
 */
export function isCniPod(pod: KubeObject): boolean {
  if (pod.metadata.annotations?.['sim.gameday.io/cni'] === 'true') return true;
  const l = pod.metadata.labels ?? {};
  return (
    CNI_APPS.has(l['k8s-app'] ?? '') || CNI_APPS.has(l.app ?? '') || CNI_APPS.has(l['app.kubernetes.io/name'] ?? '')
  );
}
