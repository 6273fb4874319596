import type { Fault } from '../kit/plugin.js';
import { breakCniPod } from './break-cni-pod.js';
import { breakImage } from './break-image.js';
import { crashContainer } from './crash-container.js';
import { createPendingPod } from './create-pending-pod.js';
import { deleteConfigMap } from './delete-configmap.js';
import { fillNodeDisk } from './fill-node-disk.js';
import { fillNodeMemory } from './fill-node-memory.js';
import { freezeNode } from './freeze-node.js';
import { killEtcdMembers } from './kill-etcd-members.js';
import { moveStaticPodManifest } from './move-static-pod-manifest.js';
import { nodeMemoryPressure } from './node-memory-pressure.js';
import { overloadNode } from './overload-node.js';
import { partitionNode } from './partition-node.js';
import { powerOffNode } from './power-off-node.js';
import { scaleWorkload } from './scale-workload.js';
import { setMemoryUsage } from './set-memory-usage.js';
import { stopContainerRuntime } from './stop-container-runtime.js';
import { stopKubelet } from './stop-kubelet.js';
import { taintNodes } from './taint-nodes.js';

/** Every fault an experiment may name as `type`, keyed by that name (equal to the module's file name). */
export const faults = {
  'break-cni-pod': breakCniPod,
  'break-image': breakImage,
  'crash-container': crashContainer,
  'create-pending-pod': createPendingPod,
  'delete-configmap': deleteConfigMap,
  'fill-node-disk': fillNodeDisk,
  'fill-node-memory': fillNodeMemory,
  'freeze-node': freezeNode,
  'kill-etcd-members': killEtcdMembers,
  'move-static-pod-manifest': moveStaticPodManifest,
  'node-memory-pressure': nodeMemoryPressure,
  'overload-node': overloadNode,
  'partition-node': partitionNode,
  'power-off-node': powerOffNode,
  'scale-workload': scaleWorkload,
  'set-memory-usage': setMemoryUsage,
  'stop-container-runtime': stopContainerRuntime,
  'stop-kubelet': stopKubelet,
  'taint-nodes': taintNodes,
} satisfies Record<string, Fault<any>>;
