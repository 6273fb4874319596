import { few } from './probe.js';
import type { MemberSelector, NodeSelector, WorkloadSelector } from './selectors.js';
import type { NodeService } from '../targets/target.js';
import type { ServiceName } from './schema.js';

/** Selectors in plain words, for `describe`: the plan is not known yet when a drill is explained. */
export function nodesInWords(
  sel: NodeSelector | undefined,
  fallback: NodeSelector = { role: 'worker', count: 1 },
): string {
  const s = sel ?? fallback;
  if ('from' in s) return 'the nodes the faults hit';
  if ('names' in s) return few(s.names, 10);
  const role = s.role ?? (s.leader ? 'master' : 'worker');
  const noun = role === 'any' ? 'node' : `${role} node`;
  const labels =
    s.labels && Object.keys(s.labels).length > 0
      ? ` labelled ${Object.entries(s.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')}`
      : '';
  const running =
    (s.running ? ` running a pod of ${s.running.kind} ${s.running.namespace}/${s.running.name}` : '') +
    (s.leader ? ` where ${s.leader} leads` : '');
  if (s.all) return `every ${noun}${labels}${running}`;
  const count = s.count ?? 1;
  const how = s.pick === 'first' ? 'the first by name' : 'picked with the run seed';
  return `${count} ${noun}${count === 1 ? '' : 's'}${labels}${running} (${how})`;
}

/** The host name an SRE would type, or a placeholder when the selector picks at run time. */
export function nodeArg(sel: NodeSelector | undefined, fallback: NodeSelector = { role: 'worker', count: 1 }): string {
  const s = sel ?? fallback;
  return 'names' in s ? s.names.join(' ') : '<node>';
}

export function workloadInWords(sel: WorkloadSelector): string {
  return 'from' in sel ? 'the workload the faults hit' : `${sel.kind} ${sel.namespace}/${sel.name}`;
}

/** `deployment/gateway-proxy -n gateway-system`, as kubectl takes it. */
export function kubectlWorkload(sel: WorkloadSelector): string {
  return 'from' in sel ? '<kind>/<name> -n <namespace>' : `${sel.kind.toLowerCase()}/${sel.name} -n ${sel.namespace}`;
}

export function membersInWords(sel: MemberSelector | undefined, fallback: MemberSelector = { count: 1 }): string {
  const s = sel ?? fallback;
  if ('from' in s) return 'the etcd members the faults hit';
  if ('names' in s) return `etcd member${s.names.length === 1 ? '' : 's'} ${few(s.names, 10)}`;
  if ('all' in s) return 'every etcd member';
  return `${s.count} etcd member${s.count === 1 ? '' : 's'} (${s.pick === 'first' ? 'the first by name' : 'picked with the run seed'})`;
}

/** The unit an SRE names in systemctl: as the experiment named it, else docker (the runbook's clusters run docker). */
export function unitOf(service: NodeService | ServiceName): string {
  if (service === 'container-runtime') return 'docker (or containerd)';
  return service;
}

/** The systemctl unit of a command line: the runtime's own name when the experiment gave one. */
export function systemdUnit(service: NodeService | ServiceName): string {
  return service === 'container-runtime' ? 'docker' : service;
}

/** docker and containerd are the node's container runtime, whichever it runs. */
export function nodeService(service: NodeService | ServiceName): NodeService {
  return service === 'kubelet' ? 'kubelet' : 'container-runtime';
}
