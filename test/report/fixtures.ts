import type { Action } from '../../src/targets/target.js';
import type { PhaseName, PhaseRecord, RunResult, TimelineEntry } from '../../src/report/result.js';
import type { ReportMeta } from '../../src/report/reporter.js';

/**
 * Hand-built results with the times a simulator run would produce (virtual clock, ms). Each builder
 * returns a fresh object so tests may change them.
 */

export const T0 = Date.UTC(2025, 5, 1, 2, 0, 0);

export const META: ReportMeta = {
  generatedAt: Date.UTC(2025, 5, 1, 2, 10, 0),
  command: 'gameday run experiments/ --target sim --seed 42',
  gamedayVersion: '0.1.0',
  seed: 42,
};

function phases(list: [PhaseName, number, number | undefined, boolean?, string?][]): PhaseRecord[] {
  return list.map(([name, s, e, ok = true, error]) => ({
    name,
    startedAt: T0 + s,
    ...(e === undefined ? {} : { endedAt: T0 + e }),
    ok,
    ...(error === undefined ? {} : { error }),
  }));
}

function timeline(list: [number, TimelineEntry['kind'], string][]): TimelineEntry[] {
  return list.map(([at, kind, text]) => ({ at: T0 + at, kind, text }));
}

function action(at: number, text: string, kind: Action['kind'] = 'api', cluster = 'business'): Action {
  return { at: T0 + at, cluster, kind, text, dryRun: false };
}

/** D1 host crash on the simulator: detected in 42 s, Ready 3m32s after recovery started. */
export function passingHostCrash(): RunResult {
  return {
    experiment: {
      id: 'd1-host-crash',
      title: 'D1 Host crash',
      file: 'experiments/d1-host-crash.json',
      runbook: 'runbooks/qingzhou.md#操作系统宕机',
      description: 'A business worker powers off; cordon, restart the host and kubelet, wait for workloads.',
      tags: ['node', 'd1'],
    },
    target: 'sim',
    seed: 42,
    dryRun: false,
    verdict: 'pass',
    clock: 'virtual',
    startedAt: T0,
    endedAt: T0 + 257_300,
    wallMs: 412,
    timings: {
      timeToDetect: 42_000,
      timeToReady: 212_000,
      timeToRecover: 254_000,
      unavailability: { 'gateway-proxy available': 38_000 },
    },
    checks: [
      {
        name: 'timeToDetect',
        allowed: 60_000,
        measured: 42_000,
        ok: true,
        message: 'time-to-detect 42s within the target 1m',
      },
      {
        name: 'timeToReady',
        allowed: 300_000,
        measured: 212_000,
        ok: true,
        message: 'time-to-Ready 3m32s within the target 5m',
      },
      {
        name: 'timeToRecover',
        allowed: 600_000,
        measured: 254_000,
        ok: true,
        message: 'time-to-recover 4m14s within the target 10m',
      },
    ],
    phases: phases([
      ['preflight', 0, 400],
      ['steady-state', 400, 2_400],
      ['journal', 2_400, 2_500],
      ['inject', 2_500, 2_600],
      ['detect', 2_600, 44_500],
      ['recover', 44_500, 46_400],
      ['verify', 46_400, 256_500],
      ['rollback', 256_500, 257_300],
    ]),
    faults: [
      {
        type: 'power-off',
        name: 'power off 10.128.38.8',
        cluster: 'business',
        description: 'the host goes down at once',
        startedAt: T0 + 2_500,
        endedAt: T0 + 2_550,
        ok: true,
        hit: ['10.128.38.8'],
      },
    ],
    steps: [
      {
        type: 'cordon',
        name: 'cordon',
        cluster: 'business',
        description: 'kubectl cordon 10.128.38.8',
        startedAt: T0 + 44_500,
        endedAt: T0 + 44_700,
        ok: true,
      },
      {
        type: 'power-on',
        name: 'restart host',
        cluster: 'business',
        description: 'power the host back on',
        startedAt: T0 + 44_700,
        endedAt: T0 + 45_900,
        ok: true,
      },
      {
        type: 'restart-service',
        name: 'restart kubelet',
        cluster: 'business',
        description: 'systemctl restart kubelet',
        startedAt: T0 + 45_900,
        endedAt: T0 + 46_400,
        ok: true,
      },
    ],
    probes: [
      {
        phase: 'steady-state',
        type: 'nodes-ready',
        name: 'all nodes Ready',
        cluster: 'business',
        ok: true,
        observed: '7/7 Ready',
        at: T0 + 2_400,
      },
      {
        phase: 'detect',
        type: 'node-condition',
        name: '10.128.38.8 NotReady',
        cluster: 'business',
        ok: true,
        observed: 'Ready=Unknown (NodeStatusUnknown)',
        at: T0 + 44_500,
      },
      {
        phase: 'monitor',
        type: 'deployment-available',
        name: 'gateway-proxy available',
        cluster: 'business',
        ok: false,
        observed: '1/2 available',
        at: T0 + 44_600,
      },
      {
        phase: 'verify',
        type: 'nodes-ready',
        name: 'all nodes Ready',
        cluster: 'business',
        ok: true,
        observed: '7/7 Ready',
        at: T0 + 88_100,
      },
      {
        phase: 'verify',
        type: 'workloads-available',
        name: 'workloads available',
        cluster: 'business',
        ok: true,
        observed: '14/14 available',
        at: T0 + 256_500,
      },
    ],
    timeline: timeline([
      [0, 'phase', 'preflight'],
      [400, 'phase', 'steady-state'],
      [2_400, 'probe', 'all nodes Ready: 7/7 Ready'],
      [2_500, 'fault', 'power off 10.128.38.8'],
      [42_510, 'event', 'Node 10.128.38.8 status is now: NodeNotReady'],
      [44_500, 'probe', '10.128.38.8 NotReady: Ready=Unknown'],
      [44_500, 'step', 'cordon 10.128.38.8'],
      [44_700, 'step', 'restart host 10.128.38.8'],
      [45_900, 'step', 'systemctl restart kubelet on 10.128.38.8'],
      [88_100, 'probe', 'all nodes Ready: 7/7 Ready'],
      [256_500, 'probe', 'workloads available: 14/14'],
      [256_500, 'rollback', 'uncordon 10.128.38.8'],
    ]),
    actions: [
      action(2_500, 'sim power off 10.128.38.8', 'sim'),
      action(44_500, 'PATCH /api/v1/nodes/10.128.38.8 {"spec":{"unschedulable":true}}'),
      action(44_700, 'sim power on 10.128.38.8', 'sim'),
      action(256_500, 'PATCH /api/v1/nodes/10.128.38.8 {"spec":{"unschedulable":false}}'),
    ],
    rollback: { ok: true, reverted: ['uncordon 10.128.38.8'], errors: [] },
  };
}

/** D5 network partition with the default 300 s toleration: Ready after 6m12s, the 5m target missed. */
export function failingPartition(): RunResult {
  const r = passingHostCrash();
  return {
    ...r,
    experiment: {
      id: 'd5-node-unreachable',
      title: 'D5 Node network unreachable',
      file: 'experiments/d5-node-unreachable.json',
      runbook: 'runbooks/qingzhou.md#节点网络异常',
      description: 'The node loses the masters; pods keep the default 300 s unreachable toleration.',
      tags: ['node', 'network', 'd5'],
    },
    verdict: 'fail',
    endedAt: T0 + 417_700,
    wallMs: 530,
    timings: { timeToDetect: 41_000, timeToReady: 372_000, timeToRecover: 413_000 },
    checks: [
      {
        name: 'timeToDetect',
        allowed: 60_000,
        measured: 41_000,
        ok: true,
        message: 'time-to-detect 41s within the target 1m',
      },
      {
        name: 'timeToReady',
        allowed: 300_000,
        measured: 372_000,
        ok: false,
        message: 'time-to-Ready 6m12s exceeds the target 5m',
      },
    ],
    phases: phases([
      ['preflight', 0, 400],
      ['steady-state', 400, 2_400],
      ['journal', 2_400, 2_500],
      ['inject', 2_500, 2_600],
      ['detect', 2_600, 43_500],
      ['recover', 43_500, 44_000],
      ['verify', 44_000, 415_500],
      ['rollback', 415_500, 417_700],
    ]),
    faults: [
      {
        type: 'partition-node',
        name: 'disconnect 10.128.38.9',
        cluster: 'business',
        description: 'the node cannot reach the masters',
        startedAt: T0 + 2_500,
        endedAt: T0 + 2_520,
        ok: true,
        hit: ['10.128.38.9'],
      },
    ],
    steps: [
      {
        type: 'cordon',
        name: 'cordon',
        cluster: 'business',
        description: 'kubectl cordon 10.128.38.9',
        startedAt: T0 + 43_500,
        endedAt: T0 + 43_800,
        ok: true,
      },
    ],
    probes: [],
    timeline: timeline([
      [2_500, 'fault', 'disconnect 10.128.38.9'],
      [43_500, 'probe', '10.128.38.9 NotReady'],
      [343_600, 'event', 'Marking for deletion Pod skiff-nsf/nsf-server-7d9c-abcde'],
      [415_500, 'probe', 'workloads available: 14/14'],
    ]),
    actions: [],
    rollback: { ok: true, reverted: ['connect 10.128.38.9', 'uncordon 10.128.38.9'], errors: [] },
  };
}

/** D4b on kind without docker: nothing could run. */
export function erroredEtcd(): RunResult {
  return {
    experiment: {
      id: 'd4b-etcd-two-members-down',
      title: 'D4b etcd two members down',
      file: 'experiments/d4b-etcd-two-members-down.json',
      runbook: 'runbooks/qingzhou.md#etcd节点故障',
      description: 'Two of three members stop; restore from the snapshot and grow back.',
      tags: ['etcd'],
    },
    target: 'kind',
    seed: 7,
    dryRun: false,
    verdict: 'error',
    clock: 'real',
    startedAt: T0,
    endedAt: T0 + 1_250,
    wallMs: 1_250,
    timings: {},
    checks: [
      { name: 'timeToReady', allowed: 600_000, measured: undefined, ok: false, message: 'time-to-Ready not measured' },
      { name: 'noDataLoss', allowed: true, measured: undefined, ok: false, message: 'data loss not measured' },
    ],
    phases: phases([['preflight', 0, 1_250, false, 'docker is not installed']]),
    faults: [],
    steps: [],
    probes: [],
    timeline: timeline([[1_250, 'note', 'preflight failed: docker is not installed']]),
    actions: [],
    rollback: { ok: true, reverted: [], errors: [] },
    error: 'kind: `docker` is not installed or not on PATH (needed to reach the kind node containers).',
  };
}

/** D11 stopped with Ctrl-C during recovery, and the rollback could not scale the deployment back. */
export function abortedGateway(): RunResult {
  return {
    ...passingHostCrash(),
    experiment: {
      id: 'd11-gateway-proxy-scaled-to-zero',
      title: 'D11 gateway-proxy scaled to zero',
      file: 'experiments/d11-gateway-proxy-scaled-to-zero.json',
      runbook: 'runbooks/qingzhou.md#GatewayProxy故障恢复',
      description: 'gateway-proxy scaled to 0; rolling restart and scale back.',
      tags: ['workload'],
    },
    verdict: 'aborted',
    endedAt: T0 + 95_000,
    timings: { timeToDetect: 5_000 },
    checks: [
      {
        name: 'timeToDetect',
        allowed: 60_000,
        measured: 5_000,
        ok: true,
        message: 'time-to-detect 5s within the target 1m',
      },
      { name: 'timeToReady', allowed: 180_000, measured: undefined, ok: false, message: 'time-to-Ready not reached' },
    ],
    phases: phases([
      ['steady-state', 0, 1_000],
      ['inject', 1_000, 1_200],
      ['detect', 1_200, 6_000],
      ['recover', 6_000, 90_000, false, 'interrupted'],
      ['rollback', 90_000, 95_000, false, 'scale failed'],
    ]),
    faults: [
      {
        type: 'scale-workload',
        name: 'scale to 0',
        cluster: 'business',
        description: 'replicas 2 -> 0',
        startedAt: T0 + 1_000,
        endedAt: T0 + 1_100,
        ok: true,
        hit: ['gateway-system/gateway-proxy'],
      },
    ],
    steps: [
      {
        type: 'rollout-restart',
        name: 'rollout restart',
        cluster: 'business',
        description: 'patch the restartedAt annotation',
        startedAt: T0 + 6_000,
        ok: false,
        error: 'interrupted',
      },
    ],
    probes: [],
    timeline: timeline([[90_000, 'note', 'SIGINT received: aborting and rolling back']]),
    actions: [],
    rollback: { ok: false, reverted: [], errors: ['scale gateway-system/gateway-proxy to 2: connection refused'] },
    error: 'Stopped by SIGINT during recover.',
  };
}

/** D2 with a Chinese runbook and hostile text everywhere the user writes it. */
export function hostileChinese(): RunResult {
  const r = passingHostCrash();
  return {
    ...r,
    experiment: {
      id: 'd2-power-loss',
      title: '机房断电恢复 <script>alert("pwned")</script>',
      file: 'experiments/d2-power-loss.json',
      runbook: 'runbooks/轻舟云平台应急演练方案.md#机房断电恢复',
      description: '先启动管控、业务、paas 集群的 master，再重启所有 worker 的 kubelet & 检查 "Pod" 状态 | <b>bold</b>',
      tags: ['power'],
    },
    target: 'sim',
    checks: [
      ...r.checks.slice(0, 2),
      { name: 'noDataLoss', allowed: true, measured: 0, ok: true, message: '0 keys lost' },
    ],
    data: {
      keysBeforeSnapshot: 1200,
      minKeys: 100,
      lostBeforeSnapshot: 0,
      writtenAfterSnapshot: 35,
      lostAfterSnapshot: 0,
      lostKeys: [],
    },
    steps: [
      {
        type: 'start-masters',
        name: '<img src=x onerror=alert(1)>',
        cluster: '管控',
        description: '启动管控集群 master',
        startedAt: T0 + 44_500,
        endedAt: T0 + 60_000,
        ok: true,
      },
    ],
    timeline: timeline([
      [2_500, 'fault', '全部节点断电 ]]> <script>x</script>'],
      [3_000, 'event', 'kubelet said \u001b[31mred\u001b[0m and a NUL \u0000'],
      [60_000, 'step', '启动管控集群 master 完成'],
    ]),
  };
}

export function allFixtures(): RunResult[] {
  return [passingHostCrash(), failingPartition(), erroredEtcd(), abortedGateway(), hostileChinese()];
}
