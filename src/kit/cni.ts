import { InvalidInputError } from '../errors.js';
import type { PluginContext } from './plugin.js';
import type { WorkloadRef } from './selectors.js';

/** DaemonSets of the common CNI plugins, in the order they are looked for. */
export const CNI_DAEMONSETS = [
  'calico-node',
  'kube-flannel-ds',
  'kube-flannel',
  'cilium',
  'kindnet',
  'weave-net',
  'canal',
  'antrea-agent',
  'kube-router',
];

/** The cluster's CNI DaemonSet: the one named, or the first well-known one found in kube-system / kube-flannel. */
export async function findCniDaemonSet(ctx: PluginContext, name?: string, namespace?: string): Promise<WorkloadRef> {
  const namespaces = namespace ? [namespace] : ['kube-system', 'kube-flannel', 'calico-system'];
  const found: string[] = [];
  for (const ns of namespaces) {
    const { items } = await ctx.kube.list('daemonsets', { namespace: ns });
    const names = items.map((d) => d.metadata.name);
    found.push(...names.map((n) => `${ns}/${n}`));
    const hit = name ? names.find((n) => n === name) : CNI_DAEMONSETS.find((c) => names.includes(c));
    if (hit) return { namespace: ns, kind: 'DaemonSet', name: hit };
  }
  throw new InvalidInputError(
    `${ctx.cluster}: no CNI DaemonSet ${name ? `named "${name}"` : `(one of ${CNI_DAEMONSETS.join(', ')})`} in ${namespaces.join(', ')}; DaemonSets there: ${found.join(', ') || 'none'}. Name it with "daemonSet".`,
  );
}
