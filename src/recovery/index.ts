import type { RecoveryStep } from '../kit/plugin.js';
import { addNode } from './add-node.js';
import { applyManifest } from './apply-manifest.js';
import { cleanLogs } from './clean-logs.js';
import { cordon } from './cordon.js';
import { deletePod } from './delete-pod.js';
import { deleteStuckPods } from './delete-stuck-pods.js';
import { drain } from './drain.js';
import { etcdGrow } from './etcd-grow.js';
import { etcdMemberReplace } from './etcd-member-replace.js';
import { etcdPointApiserver } from './etcd-point-apiserver.js';
import { etcdRestartMembers } from './etcd-restart-members.js';
import { etcdRestoreSingle } from './etcd-restore-single.js';
import { etcdStartMembers } from './etcd-start-members.js';
import { etcdSnapshot } from './etcd-snapshot.js';
import { labelNodes } from './label-nodes.js';
import { moveManifestBack } from './move-manifest-back.js';
import { patchService } from './patch-service.js';
import { patchTolerations } from './patch-tolerations.js';
import { powerOnNode } from './power-on-node.js';
import { reconnectNode } from './reconnect-node.js';
import { relievePressure } from './relieve-pressure.js';
import { removeNode } from './remove-node.js';
import { restartService } from './restart-service.js';
import { restartStaticPod } from './restart-static-pod.js';
import { rolloutRestart } from './rollout-restart.js';
import { rolloutStatus } from './rollout-status.js';
import { rolloutUndo } from './rollout-undo.js';
import { scale } from './scale.js';
import { setResources } from './set-resources.js';
import { startService } from './start-service.js';
import { stopService } from './stop-service.js';
import { uncordon } from './uncordon.js';
import { wait } from './wait.js';

/** Every recovery step an experiment may name as `type`, keyed by that name (equal to the module's file name). */
export const recoverySteps = {
  'add-node': addNode,
  'apply-manifest': applyManifest,
  'clean-logs': cleanLogs,
  cordon: cordon,
  'delete-pod': deletePod,
  'delete-stuck-pods': deleteStuckPods,
  drain: drain,
  'etcd-grow': etcdGrow,
  'etcd-member-replace': etcdMemberReplace,
  'etcd-point-apiserver': etcdPointApiserver,
  'etcd-restart-members': etcdRestartMembers,
  'etcd-restore-single': etcdRestoreSingle,
  'etcd-snapshot': etcdSnapshot,
  'etcd-start-members': etcdStartMembers,
  'label-nodes': labelNodes,
  'move-manifest-back': moveManifestBack,
  'patch-service': patchService,
  'patch-tolerations': patchTolerations,
  'power-on-node': powerOnNode,
  'reconnect-node': reconnectNode,
  'relieve-pressure': relievePressure,
  'remove-node': removeNode,
  'restart-service': restartService,
  'restart-static-pod': restartStaticPod,
  'rollout-restart': rolloutRestart,
  'rollout-status': rolloutStatus,
  'rollout-undo': rolloutUndo,
  scale: scale,
  'set-resources': setResources,
  'start-service': startService,
  'stop-service': stopService,
  uncordon: uncordon,
  wait: wait,
} satisfies Record<string, RecoveryStep<any>>;
