/**
 * The signal x fault matrix of issue 15, run by hand (it takes a quarter of an hour; `npm test` runs a few
 * cells of it in signals.test.ts):
 *
 *   npm run build && npx tsx test/e2e/signal-matrix.ts [--quick] [--only d6-kubelet-stopped,...]
 *
 * For every drill below, every signal (SIGINT, SIGTERM, SIGKILL followed by `gameday rollback`) at every
 * moment (just after the faults are injected, during detection, during recovery, while verifying), it runs
 * the drill against one `gameday sim up` and checks that every node, workload, Service, ConfigMap and etcd
 * membership is as it was before, or that the run said what it left different. Prints one line per cell
 * and a summary; exits 1 when a cell left something different without a word, or when a run ended before
 * its moment without running (refused, e.g. by a lease a previous cell left: that cell tested nothing).
 */
import { attach, clusterState } from './cluster-state.js';
import { serveSim } from './cli-support.js';
import { signalCase, type CaseResult, type Moment, type Signal } from './signal-case.js';

/** A drill per fault type (the hidden set's eight first), from the catalogue. */
export const MATRIX_DRILLS: Record<string, string> = {
  'stop-kubelet': 'experiments/d6-kubelet-stopped.json',
  'scale-workload': 'experiments/d12-nsf-server-scaled-down.json',
  'taint-nodes': 'experiments/d11-gateway-proxy-unschedulable.json',
  'fill-node-memory': 'experiments/d3-memory-lower-requests.json',
  'power-off-node': 'experiments/d1-host-crash.json',
  'partition-node': 'experiments/d5-node-unreachable-3s.json',
  'delete-configmap': 'experiments/d9-pod-error-missing-configmap.json',
  'drain (taint-nodes + drain step)': 'experiments/d8-planned-maintenance.json',
  'stop-container-runtime': 'experiments/d6-container-runtime-stopped.json',
  'crash-container': 'experiments/d9-pod-crashloopbackoff.json',
  'break-image': 'experiments/d9-pod-image-pull-backoff.json',
  'kill-etcd-members': 'experiments/d4a-etcd-one-member-down.json',
  'move-static-pod-manifest': 'experiments/d10-apiserver-down.json',
  'power loss (every node)': 'experiments/d2-power-loss.json',
  'remove-node (scale in)': 'experiments/s4-node-scale-in.json',
};

const SIGNALS: Signal[] = ['SIGINT', 'SIGTERM', 'SIGKILL'];
const MOMENTS: Moment[] = ['inject', 'detect', 'recover', 'verify'];

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args.includes('--only') ? (args[args.indexOf('--only') + 1] ?? '').split(',') : undefined;
  const drills = Object.entries(MATRIX_DRILLS).filter(([, f]) => !only || only.some((o) => f.includes(o)));
  const moments: Moment[] = quick ? ['detect', 'recover'] : MOMENTS;
  const results: CaseResult[] = [];
  let sim = await serveSim(20);
  let target = await attach(sim.kubeconfig);
  let baseline = await clusterState(target);
  try {
    for (const [fault, file] of drills) {
      for (const signal of SIGNALS) {
        for (const moment of moments) {
          const r = await signalCase(sim, target, baseline, file, signal, moment);
          results.push(r);
          console.log(
            `${r.outcome.padEnd(8)} ${fault.padEnd(34)} ${signal.padEnd(7)} at ${moment.padEnd(8)} exit ${String(r.exitCode).padEnd(4)} ${r.seconds.toFixed(1)}s${r.differences.length ? `\n         ${r.differences.join('\n         ')}` : ''}`,
          );
          const hung = signal !== 'SIGKILL' && r.exitCode === undefined;
          if (r.outcome !== 'restored' || hung)
            console.log(
              r.output
                .split('\n')
                .map((l) => `         | ${l}`)
                .join('\n'),
            );
          if (r.differences.length > 0) {
            // Start the next cell from a clean platform.
            await target.close();
            await sim.stop();
            sim = await serveSim(20);
            target = await attach(sim.kubeconfig);
            baseline = await clusterState(target);
          }
        }
      }
    }
  } finally {
    await target.close();
    await sim.stop();
  }
  const count = (o: CaseResult['outcome']): number => results.filter((r) => r.outcome === o).length;
  console.log(
    `\n${results.length} cells: ${count('restored')} restored, ${count('loud')} left different and said so, ${count('silent')} left different without a word, ${count('missed')} ended by themselves before the moment (and left nothing), ${count('refused')} ended before their first fault without the signal (refused or error)`,
  );
  return count('silent') > 0 || count('refused') > 0 ? 1 : 0;
}

if (process.argv[1]?.endsWith('signal-matrix.ts')) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(2);
    },
  );
}
