import type { KubeObject } from '../kube/objects.js';

/** What kind's node images and kubeadm 1.31+ ship; used only when a node does not list its own. */
export const FALLBACK_PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';

interface NodeImage {
  names?: string[];
}

/**
 * The pause image a node already holds, as its kubelet lists it in status.images: a pod that only needs to
 * exist (ballast, a Pending placeholder) then starts without a pull, which a kind node or an air-gapped
 * lab host cannot do. The newest tag wins when a node holds several.
 */
export function pauseImageOf(node: KubeObject | undefined): string | undefined {
  const images = ((node?.status as { images?: NodeImage[] } | undefined)?.images ?? []).flatMap((i) => i.names ?? []);
  const tagged = images.filter((n) => /(^|\/)pause:[^/@]+$/.test(n));
  const version = (n: string): number[] => (/:(\d+(?:\.\d+)*)/.exec(n)?.[1] ?? '0').split('.').map(Number);
  const newer = (a: string, b: string): number => {
    const [x, y] = [version(a), version(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i++)
      if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
    return 0;
  };
  return tagged.sort(newer)[0];
}

/** The pause image most of `nodes` hold (for a pod not bound to one node yet), else the fallback. */
export function clusterPauseImage(nodes: readonly KubeObject[]): string {
  const counts = new Map<string, number>();
  for (const n of nodes) {
    const img = pauseImageOf(n);
    if (img) counts.set(img, (counts.get(img) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? FALLBACK_PAUSE_IMAGE;
}
