import type { KubeObject } from '../../kube/objects.js';
import { humanDuration, since } from './age.js';

/**
 * Server-side printing: the meta.k8s.io/v1 Table kube-apiserver returns when kubectl asks for
 * `as=Table`, with the columns and cell formats of kubernetes/pkg/printers/internalversion, so that
 * `kubectl get` output looks as it does on a real cluster. Priority-1 columns are what `-o wide` adds.
 */
export interface ColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

type Cell = string | number | boolean;

interface Printer {
  columns: ColumnDefinition[];
  cells(obj: KubeObject, now: number): Cell[];
}

function col(
  name: string,
  type: ColumnDefinition['type'] = 'string',
  priority = 0,
  description = '',
): ColumnDefinition {
  return { name, type, format: name === 'Name' ? 'name' : '', description: description || name, priority };
}

const NAME = col('Name', 'string', 0, 'Name must be unique within a namespace.');
const AGE = col(
  'Age',
  'string',
  0,
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);

const CREATED_AT = {
  name: 'Created At',
  type: 'date' as const,
  format: '',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
};

type Any = any;

function age(o: KubeObject, now: number): string {
  return since(o.metadata.creationTimestamp, now);
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function labelsString(m: Record<string, string> | undefined): string {
  const entries = Object.entries(m ?? {});
  if (entries.length === 0) return '<none>';
  return entries
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key. */
export function selectorString(sel: Any): string {
  if (!sel) return '<none>';
  const reqs: [string, string][] = [];
  for (const [k, v] of Object.entries((sel.matchLabels ?? {}) as Record<string, string>)) reqs.push([k, `${k}=${v}`]);
  for (const e of (sel.matchExpressions ?? []) as { key: string; operator: string; values?: string[] }[]) {
    const vals = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') reqs.push([e.key, `${e.key} in (${vals})`]);
    else if (e.operator === 'NotIn') reqs.push([e.key, `${e.key} notin (${vals})`]);
    else if (e.operator === 'Exists') reqs.push([e.key, e.key]);
    else if (e.operator === 'DoesNotExist') reqs.push([e.key, `!${e.key}`]);
  }
  if (reqs.length === 0) return '<none>';
  return reqs
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, s]) => s)
    .join(',');
}

function containerCells(podSpec: Any): [string, string] {
  const cs = (podSpec?.containers ?? []) as { name?: string; image?: string }[];
  return [cs.map((c) => c.name ?? '').join(','), cs.map((c) => c.image ?? '').join(',')];
}

const TEMPLATE_WIDE = [
  col('Containers', 'string', 1, 'Names of each container in the template.'),
  col('Images', 'string', 1, 'Images referenced by each container in the template.'),
];

function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

function nodeAddress(node: KubeObject, type: string): string {
  const a = ((node.status?.addresses ?? []) as { type: string; address: string }[]).find((x) => x.type === type);
  return a?.address ?? '<none>';
}

export function nodeStatusText(node: KubeObject): string {
  const ready = ((node.status?.conditions ?? []) as { type: string; status: string }[]).find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** The STATUS column kubectl shows for a pod, computed as printPod does. */
export function podStatusText(pod: KubeObject, now: number): { reason: string; ready: string; restarts: string } {
  const spec: Any = pod.spec ?? {};
  const status: Any = pod.status ?? {};
  let restarts = 0;
  let lastRestart = 0;
  let readyContainers = 0;
  let totalContainers = (spec.containers ?? []).length as number;
  const phase = (status.phase as string | undefined) ?? '';
  let reason = (status.reason as string | undefined) || phase;
  for (const c of (status.conditions ?? []) as Any[]) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const initSpecs = new Map<string, Any>();
  for (const ic of (spec.initContainers ?? []) as Any[]) {
    initSpecs.set(ic.name, ic);
    if (ic.restartPolicy === 'Always') totalContainers++;
  }
  const noteRestart = (cs: Any): void => {
    const fin = cs.lastState?.terminated?.finishedAt;
    if (typeof fin === 'string') lastRestart = Math.max(lastRestart, Date.parse(fin) || 0);
  };
  let initializing = false;
  let sidecarRestarts = 0;
  let sidecarLast = 0;
  const initStatuses = (status.initContainerStatuses ?? []) as Any[];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += num(c.restartCount);
    noteRestart(c);
    const sidecar = initSpecs.get(c.name)?.restartPolicy === 'Always';
    if (sidecar) {
      sidecarRestarts += num(c.restartCount);
      const fin = c.lastState?.terminated?.finishedAt;
      if (typeof fin === 'string') sidecarLast = Math.max(sidecarLast, Date.parse(fin) || 0);
    }
    const term = c.state?.terminated;
    const wait = c.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (sidecar && c.started) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (term) {
      reason = term.reason
        ? `Init:${term.reason}`
        : term.signal
          ? `Init:Signal:${term.signal}`
          : `Init:ExitCode:${term.exitCode ?? 0}`;
    } else if (wait?.reason && wait.reason !== 'PodInitializing') {
      reason = `Init:${wait.reason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }
  const initializedTrue = ((status.conditions ?? []) as Any[]).some(
    (c) => c.type === 'Initialized' && c.status === 'True',
  );
  if (!initializing || initializedTrue) {
    restarts = sidecarRestarts;
    lastRestart = sidecarLast;
    let hasRunning = false;
    const statuses = (status.containerStatuses ?? []) as Any[];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += num(c.restartCount);
      noteRestart(c);
      const wait = c.state?.waiting;
      const term = c.state?.terminated;
      if (wait?.reason) reason = wait.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode ?? 0}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const readyCond = ((status.conditions ?? []) as Any[]).some((c) => c.type === 'Ready' && c.status === 'True');
      reason = readyCond ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart > 0)
    restartsText = `${restarts} (${since(new Date(lastRestart).toISOString(), now)} ago)`;
  return { reason, ready: `${readyContainers}/${totalContainers}`, restarts: restartsText };
}

function servicePorts(spec: Any): string {
  const ports = (spec?.ports ?? []) as Any[];
  if (ports.length === 0) return '<none>';
  return ports
    .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`))
    .join(',');
}

function serviceExternalIP(spec: Any, status: Any): string {
  const type = spec?.type ?? 'ClusterIP';
  const external = (spec?.externalIPs ?? []) as string[];
  if (type === 'ExternalName') return spec?.externalName ?? '<none>';
  if (type === 'LoadBalancer') {
    const ing = ((status?.loadBalancer?.ingress ?? []) as Any[])
      .map((i) => i.ip || i.hostname)
      .filter(Boolean) as string[];
    const all = [...ing, ...external];
    return all.length > 0 ? all.join(',') : '<pending>';
  }
  return external.length > 0 ? external.join(',') : '<none>';
}

function endpointsText(o: KubeObject): string {
  const list: string[] = [];
  let total = 0;
  for (const s of (o.subsets ?? []) as Any[]) {
    const ports = (s.ports ?? []) as Any[];
    for (const a of (s.addresses ?? []) as Any[]) {
      if (ports.length === 0) {
        total++;
        if (list.length < 3) list.push(a.ip);
      }
      for (const p of ports) {
        total++;
        if (list.length < 3) list.push(`${a.ip}:${p.port}`);
      }
    }
  }
  if (total === 0) return '<none>';
  return total > 3 ? `${list.join(',')} + ${total - 3} more...` : list.join(',');
}

/** printers' formatDiscoveryPorts / formatDiscoveryEndpoints: the first three, then how many more. */
function firstThree(items: string[]): string {
  if (items.length === 0) return '<unset>';
  return items.length > 3 ? `${items.slice(0, 3).join(',')} + ${items.length - 3} more...` : items.join(',');
}

function intOrString(v: unknown): string {
  return typeof v === 'number' || typeof v === 'string' ? String(v) : 'N/A';
}

const PRINTERS: Record<string, Printer> = {
  Node: {
    columns: [
      NAME,
      col('Status', 'string', 0, 'The status of the node'),
      col('Roles', 'string', 0, 'The roles of the node'),
      AGE,
      col('Version', 'string', 0, 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'string', 1, 'List of addresses reachable to the node.'),
      col('External-IP', 'string', 1, 'List of addresses reachable to the node.'),
      col(
        'OS-Image',
        'string',
        1,
        'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
      ),
      col(
        'Kernel-Version',
        'string',
        1,
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
      ),
      col(
        'Container-Runtime',
        'string',
        1,
        'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
      ),
    ],
    cells: (o, now) => {
      const info: Any = o.status?.nodeInfo ?? {};
      return [
        o.metadata.name,
        nodeStatusText(o),
        nodeRoles(o),
        age(o, now),
        info.kubeletVersion ?? '',
        nodeAddress(o, 'InternalIP'),
        nodeAddress(o, 'ExternalIP'),
        info.osImage || '<unknown>',
        info.kernelVersion || '<unknown>',
        info.containerRuntimeVersion || '<unknown>',
      ];
    },
  },
  Pod: {
    columns: [
      NAME,
      col('Ready', 'string', 0, 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'string', 0, 'The aggregate status of the containers in this pod.'),
      col(
        'Restarts',
        'string',
        0,
        'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
      ),
      AGE,
      col(
        'IP',
        'string',
        1,
        'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
      ),
      col('Node', 'string', 1, 'NodeName indicates in which node this pod is scheduled.'),
      col(
        'Nominated Node',
        'string',
        1,
        'nominatedNodeName is set only when this pod preempts other pods on the node.',
      ),
      col('Readiness Gates', 'string', 1, 'If specified, all readiness gates will be evaluated for pod readiness.'),
    ],
    cells: (o, now) => {
      const s = podStatusText(o, now);
      const status: Any = o.status ?? {};
      const gates = (o.spec?.readinessGates ?? []) as { conditionType: string }[];
      let gatesText = '<none>';
      if (gates.length > 0) {
        const conds = (status.conditions ?? []) as Any[];
        const ok = gates.filter((g) => conds.find((c) => c.type === g.conditionType)?.status === 'True').length;
        gatesText = `${ok}/${gates.length}`;
      }
      const ip = ((status.podIPs ?? []) as Any[])[0]?.ip || status.podIP || '<none>';
      return [
        o.metadata.name,
        s.ready,
        s.reason,
        s.restarts,
        age(o, now),
        ip,
        o.spec?.nodeName || '<none>',
        status.nominatedNodeName || '<none>',
        gatesText,
      ];
    },
  },
  Deployment: {
    columns: [
      NAME,
      col('Ready', 'string', 0, 'Number of the pod with ready state'),
      col(
        'Up-to-date',
        'integer',
        0,
        'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
      ),
      col(
        'Available',
        'integer',
        0,
        'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
      ),
      AGE,
      ...TEMPLATE_WIDE,
      col('Selector', 'string', 1, 'Label selector for pods.'),
    ],
    cells: (o, now) => {
      const [c, i] = containerCells(o.spec?.template?.spec);
      const desired = o.spec?.replicas ?? 1;
      return [
        o.metadata.name,
        `${num(o.status?.readyReplicas)}/${desired}`,
        num(o.status?.updatedReplicas),
        num(o.status?.availableReplicas),
        age(o, now),
        c,
        i,
        selectorString(o.spec?.selector),
      ];
    },
  },
  ReplicaSet: {
    columns: [
      NAME,
      col('Desired', 'integer', 0, 'Replicas is the number of desired pods.'),
      col('Current', 'integer', 0, 'Replicas is the most recently observed number of replicas.'),
      col('Ready', 'integer', 0, 'The number of ready replicas for this replica set.'),
      AGE,
      ...TEMPLATE_WIDE,
      col('Selector', 'string', 1, 'Selector is a label query over pods that should match the replica count.'),
    ],
    cells: (o, now) => {
      const [c, i] = containerCells(o.spec?.template?.spec);
      return [
        o.metadata.name,
        o.spec?.replicas ?? 1,
        num(o.status?.replicas),
        num(o.status?.readyReplicas),
        age(o, now),
        c,
        i,
        selectorString(o.spec?.selector),
      ];
    },
  },
  StatefulSet: {
    columns: [NAME, col('Ready', 'string', 0, 'Number of the pod with ready state'), AGE, ...TEMPLATE_WIDE],
    cells: (o, now) => {
      const [c, i] = containerCells(o.spec?.template?.spec);
      return [o.metadata.name, `${num(o.status?.readyReplicas)}/${o.spec?.replicas ?? 1}`, age(o, now), c, i];
    },
  },
  DaemonSet: {
    columns: [
      NAME,
      col('Desired', 'integer', 0, 'The total number of nodes that should be running the daemon pod.'),
      col('Current', 'integer', 0, 'The number of nodes that are running at least 1 daemon pod.'),
      col(
        'Ready',
        'integer',
        0,
        'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.',
      ),
      col('Up-to-date', 'integer', 0, 'The total number of nodes that are running updated daemon pod'),
      col(
        'Available',
        'integer',
        0,
        'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.',
      ),
      col('Node Selector', 'string', 0, 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
      AGE,
      ...TEMPLATE_WIDE,
      col('Selector', 'string', 1, 'A label query over pods that are managed by the daemon set.'),
    ],
    cells: (o, now) => {
      const [c, i] = containerCells(o.spec?.template?.spec);
      const s: Any = o.status ?? {};
      return [
        o.metadata.name,
        num(s.desiredNumberScheduled),
        num(s.currentNumberScheduled),
        num(s.numberReady),
        num(s.updatedNumberScheduled),
        num(s.numberAvailable),
        labelsString(o.spec?.template?.spec?.nodeSelector),
        age(o, now),
        c,
        i,
        selectorString(o.spec?.selector),
      ];
    },
  },
  Event: {
    columns: [
      col('Last Seen', 'string', 0, 'The time at which the most recent occurrence of this event was recorded.'),
      col('Type', 'string', 0, 'Type of this event (Normal, Warning), new types could be added in the future'),
      col(
        'Reason',
        'string',
        0,
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
      ),
      col('Object', 'string', 0, 'The object that this event is about.'),
      col(
        'Subobject',
        'string',
        1,
        'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go-field access statement.',
      ),
      col(
        'Source',
        'string',
        1,
        'The component reporting this event. Should be a short machine understandable string.',
      ),
      col('Message', 'string', 0, 'A human-readable description of the status of this operation.'),
      col('First Seen', 'string', 1, 'The time at which the event was first recorded.'),
      col('Count', 'string', 1, 'The number of times this event has occurred.'),
      { ...col('Name', 'string', 1, 'Name must be unique within a namespace.'), format: 'name' },
    ],
    cells: (o, now) => {
      const e: Any = o;
      let first = since(e.firstTimestamp, now);
      if (!e.firstTimestamp) first = since(e.eventTime, now);
      let last = e.lastTimestamp ? since(e.lastTimestamp, now) : first;
      let count = num(e.count);
      if (e.series) {
        last = since(e.series.lastObservedTime, now);
        count = num(e.series.count);
      } else if (count === 0) count = 1;
      const io = e.involvedObject ?? {};
      const target = io.name
        ? `${String(io.kind ?? '').toLowerCase()}/${io.name}`
        : String(io.kind ?? '').toLowerCase();
      const src = e.source?.component
        ? [e.source.component, e.source.host].filter(Boolean).join(', ')
        : [e.reportingComponent, e.reportingInstance].filter(Boolean).join(', ');
      return [
        last,
        e.type ?? '',
        e.reason ?? '',
        target,
        io.fieldPath ?? '',
        src,
        String(e.message ?? '').trim(),
        first,
        count,
        o.metadata.name,
      ];
    },
  },
  Namespace: {
    columns: [NAME, col('Status', 'string', 0, 'The status of the namespace'), AGE],
    cells: (o, now) => [o.metadata.name, o.status?.phase ?? 'Active', age(o, now)],
  },
  Service: {
    columns: [
      NAME,
      col('Type', 'string', 0, 'type determines how the Service is exposed.'),
      col('Cluster-IP', 'string', 0, 'clusterIP is the IP address of the service.'),
      col(
        'External-IP',
        'string',
        0,
        'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.',
      ),
      col('Port(s)', 'string', 0, 'The list of ports that are exposed by this service.'),
      AGE,
      col('Selector', 'string', 1, 'Route service traffic to pods with label keys and values matching this selector.'),
    ],
    cells: (o, now) => [
      o.metadata.name,
      o.spec?.type ?? 'ClusterIP',
      o.spec?.clusterIP || '<none>',
      serviceExternalIP(o.spec, o.status),
      servicePorts(o.spec),
      age(o, now),
      labelsString(o.spec?.selector),
    ],
  },
  Endpoints: {
    columns: [NAME, col('Endpoints', 'string', 0, 'Endpoints of the service'), AGE],
    cells: (o, now) => [o.metadata.name, endpointsText(o), age(o, now)],
  },
  EndpointSlice: {
    columns: [
      NAME,
      col('AddressType', 'string', 0, 'addressType specifies the type of address carried by this EndpointSlice.'),
      col('Ports', 'string', 0, 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
      col('Endpoints', 'string', 0, 'endpoints is a list of unique endpoints in this slice.'),
      AGE,
    ],
    cells: (o, now) => [
      o.metadata.name,
      (o.addressType as string | undefined) ?? '',
      firstThree(((o.ports ?? []) as Any[]).map((p) => (p.port === undefined ? '<unset>' : String(p.port)))),
      firstThree(((o.endpoints ?? []) as Any[]).flatMap((e) => (e.addresses ?? []) as string[])),
      age(o, now),
    ],
  },
  ConfigMap: {
    columns: [NAME, col('Data', 'integer', 0, 'Data contains the configuration data.'), AGE],
    cells: (o, now) => [
      o.metadata.name,
      Object.keys((o.data as object | undefined) ?? {}).length +
        Object.keys((o.binaryData as object | undefined) ?? {}).length,
      age(o, now),
    ],
  },
  Secret: {
    columns: [
      NAME,
      col('Type', 'string', 0, 'The type of the secret'),
      col('Data', 'integer', 0, 'The number of entries in the secret'),
      AGE,
    ],
    cells: (o, now) => [
      o.metadata.name,
      (o.type as string | undefined) ?? 'Opaque',
      Object.keys((o.data as object | undefined) ?? {}).length,
      age(o, now),
    ],
  },
  ServiceAccount: {
    columns: [
      NAME,
      col(
        'Secrets',
        'integer',
        0,
        'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
      ),
      AGE,
    ],
    cells: (o, now) => [o.metadata.name, ((o.secrets as unknown[] | undefined) ?? []).length, age(o, now)],
  },
  PodDisruptionBudget: {
    columns: [
      NAME,
      col('Min Available', 'string', 0, 'The minimum number of pods that must be available.'),
      col('Max Unavailable', 'string', 0, 'The maximum number of pods that may be unavailable.'),
      col('Allowed Disruptions', 'integer', 0, 'Calculated number of pods that may be disrupted at this time.'),
      AGE,
    ],
    cells: (o, now) => [
      o.metadata.name,
      intOrString(o.spec?.minAvailable),
      intOrString(o.spec?.maxUnavailable),
      num(o.status?.disruptionsAllowed),
      age(o, now),
    ],
  },
  Lease: {
    columns: [NAME, col('Holder', 'string', 0, 'The holder of the lease'), AGE],
    cells: (o, now) => [o.metadata.name, o.spec?.holderIdentity ?? '', age(o, now)],
  },
  ControllerRevision: {
    columns: [
      NAME,
      col('Controller', 'string', 0, 'Controller of the object'),
      col('Revision', 'integer', 0, 'Revision indicates the revision of the state represented by Data.'),
      AGE,
    ],
    cells: (o, now) => {
      const owner = (o.metadata.ownerReferences ?? []).find((r) => r.controller);
      const group = owner?.apiVersion.includes('/') ? owner.apiVersion.split('/')[0] : '';
      const controller = owner ? `${owner.kind.toLowerCase()}${group ? `.${group}` : ''}/${owner.name}` : '<none>';
      return [o.metadata.name, controller, num(o.revision), age(o, now)];
    },
  },
  Job: {
    columns: [
      NAME,
      col('Status', 'string', 0, 'Status of the job.'),
      col('Completions', 'string', 0, 'The completion status of the job as <succeeded>/<desired>.'),
      col('Duration', 'string', 0, 'Time required to complete the job.'),
      AGE,
      col('Containers', 'string', 1, 'Names of each container in the template.'),
      col('Images', 'string', 1, 'Images referenced by each container in the template.'),
      col('Selector', 'string', 1, 'A label query over pods that should match the pod count.'),
    ],
    cells: (o, now) => {
      const [names, images] = containerCells(o.spec?.template?.spec);
      return [
        o.metadata.name,
        jobStatusText(o),
        jobCompletions(o),
        jobDuration(o, now),
        age(o, now),
        names,
        images,
        selectorString(o.spec?.selector),
      ];
    },
  },
  CronJob: {
    columns: [
      NAME,
      col('Schedule', 'string', 0, 'The schedule in Cron format.'),
      col('Timezone', 'string', 0, 'The time zone name for the given schedule.'),
      col('Suspend', 'boolean', 0, 'This flag tells the controller to suspend subsequent executions.'),
      col('Active', 'integer', 0, 'A list of pointers to currently running jobs.'),
      col('Last Schedule', 'string', 0, 'Information when was the last time the job was successfully scheduled.'),
      AGE,
      col('Containers', 'string', 1, 'Names of each container in the template.'),
      col('Images', 'string', 1, 'Images referenced by each container in the template.'),
      col('Selector', 'string', 1, 'A label query over pods that should match the pod count.'),
    ],
    cells: (o, now) => {
      const [names, images] = containerCells(o.spec?.jobTemplate?.spec?.template?.spec);
      const last = o.status?.lastScheduleTime as string | undefined;
      return [
        o.metadata.name,
        String(o.spec?.schedule ?? ''),
        String(o.spec?.timeZone ?? '<none>'),
        o.spec?.suspend === true,
        ((o.status?.active as unknown[] | undefined) ?? []).length,
        last ? since(last, now) : '<none>',
        age(o, now),
        names,
        images,
        selectorString(o.spec?.jobTemplate?.spec?.selector),
      ];
    },
  },
  Role: { columns: [NAME, CREATED_AT], cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? ''] },
  ClusterRole: { columns: [NAME, CREATED_AT], cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? ''] },
  RoleBinding: bindingPrinter(),
  ClusterRoleBinding: bindingPrinter(),
};

/** kubectl get job's STATUS (printers.go printJob): the first of these conditions the Job has. */
function jobStatusText(o: KubeObject): string {
  const has = (type: string): boolean =>
    ((o.status?.conditions ?? []) as { type: string; status: string }[]).some(
      (c) => c.type === type && c.status === 'True',
    );
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (o.metadata.deletionTimestamp) return 'Terminating';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  if (has('SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

function jobCompletions(o: KubeObject): string {
  const succeeded = num(o.status?.succeeded);
  if (typeof o.spec?.completions === 'number') return `${succeeded}/${o.spec.completions as number}`;
  const parallelism = num(o.spec?.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(o: KubeObject, now: number): string {
  const start = Date.parse((o.status?.startTime as string | undefined) ?? '');
  if (Number.isNaN(start)) return '';
  const end = Date.parse((o.status?.completionTime as string | undefined) ?? '');
  return humanDuration((Number.isNaN(end) ? now : end) - start);
}

/** RoleBinding and ClusterRoleBinding: the role, and with -o wide who it binds. */
function bindingPrinter(): Printer {
  const subjects = (o: KubeObject, kind: string): string =>
    ((o.subjects ?? []) as { kind: string; name: string; namespace?: string }[])
      .filter((x) => x.kind === kind)
      .map((x) => (kind === 'ServiceAccount' ? `${x.namespace ?? ''}/${x.name}` : x.name))
      .join(', ');
  return {
    columns: [
      NAME,
      col('Role', 'string', 0, 'RoleRef is the reference to the role the binding refers to.'),
      AGE,
      col('Users', 'string', 1, 'Users in the roleBinding'),
      col('Groups', 'string', 1, 'Groups in the roleBinding'),
      col('ServiceAccounts', 'string', 1, 'ServiceAccounts in the roleBinding'),
    ],
    cells: (o, now) => {
      const ref = (o.roleRef ?? {}) as { kind?: string; name?: string };
      return [
        o.metadata.name,
        `${ref.kind ?? ''}/${ref.name ?? ''}`,
        age(o, now),
        subjects(o, 'User'),
        subjects(o, 'Group'),
        subjects(o, 'ServiceAccount'),
      ];
    },
  };
}

const DEFAULT_PRINTER: Printer = { columns: [NAME, AGE], cells: (o, now) => [o.metadata.name, age(o, now)] };

function printerFor(kind: string): Printer {
  return PRINTERS[kind] ?? DEFAULT_PRINTER;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  kind: string;
  now: number;
  includeObject: IncludeObject;
  noHeaders?: boolean;
}

/** The `object` of a row: PartialObjectMetadata by default, as kube-apiserver sends it. */
export function rowObject(o: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function tableRow(o: KubeObject, opts: TableOptions): unknown {
  const cells = printerFor(opts.kind).cells(o, opts.now);
  const row: Record<string, unknown> = { cells };
  const phase = o.status?.phase;
  if (opts.kind === 'Pod' && (phase === 'Succeeded' || phase === 'Failed')) {
    row.conditions = [
      {
        type: 'Completed',
        status: 'True',
        reason: phase,
        message: phase === 'Succeeded' ? 'The pod has completed successfully.' : 'The pod failed.',
      },
    ];
  }
  const obj = rowObject(o, opts.includeObject);
  if (obj !== undefined) row.object = obj;
  return row;
}

/** The opening of a Table up to its rows array, so that large lists can stream their rows. */
export function tableHead(
  opts: TableOptions,
  resourceVersion: string,
  more: { continue?: string | undefined; remainingItemCount?: number | undefined } = {},
): string {
  const head = {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {
      resourceVersion,
      ...(more.continue !== undefined ? { continue: more.continue } : {}),
      ...(more.remainingItemCount !== undefined ? { remainingItemCount: more.remainingItemCount } : {}),
    },
    columnDefinitions: opts.noHeaders ? [] : printerFor(opts.kind).columns,
  };
  return JSON.stringify(head).slice(0, -1) + ',"rows":[';
}

export function table(objects: KubeObject[], opts: TableOptions, resourceVersion: string): string {
  return tableHead(opts, resourceVersion) + objects.map((o) => JSON.stringify(tableRow(o, opts))).join(',') + ']}';
}
