/**
 * Scale of the simulator: N nodes with P pods each brought to Ready and Running, with W concurrent
 * watchers on the pods API, on the virtual clock. Reports wall time, virtual time and peak RSS.
 *
 *   npx tsx bench/sim-scale.ts [nodes=5000] [podsPerNode=30] [watchers=50] [--record]
 *
 * Prints its figures; --record also writes them to bench/results/sim-scale.txt.
 *
 * Target (issue 3): 5,000 nodes x 30 pods Ready and Running within 60 s of wall time, under 4 GiB, with 50
 * watchers served (KWOK's CI asks 5,000 nodes Ready in 60 s of a real apiserver).
 */
import { Worker } from 'node:worker_threads';
import { VirtualClock } from '../src/engine/clock.js';
import { isNodeReady } from '../src/kube/objects.js';
import { DEFAULT_PARAMS } from '../src/sim/params.js';
import { Simulator } from '../src/sim/simulator.js';
import type { Topology, TopologyNode, TopologyWorkload } from '../src/sim/topology/types.js';
import { benchArgs, benchOutput } from './record.js';

const nodes = Number(benchArgs[0] ?? 5000);
const podsPerNode = Number(benchArgs[1] ?? 30);
const watchers = Number(benchArgs[2] ?? 50);
const out = benchOutput('sim-scale');

function topology(): Topology {
  const list: TopologyNode[] = [];
  for (let i = 0; i < 3; i++) list.push({ name: `master-${i}`, role: 'master', cpu: '16', memory: '64Gi' });
  for (let i = 0; i < nodes; i++)
    list.push({
      name: `node-${String(i).padStart(5, '0')}`,
      role: 'worker',
      cpu: '64',
      memory: '256Gi',
      pods: podsPerNode + 10,
    });
  // One Deployment per 100 nodes' worth of pods, as a large platform has many workloads.
  const workloads: TopologyWorkload[] = [];
  const total = nodes * podsPerNode;
  const per = 100 * podsPerNode;
  for (let w = 0; w * per < total; w++) {
    workloads.push({
      kind: 'Deployment',
      namespace: `team-${w % 20}`,
      name: `app-${w}`,
      replicas: Math.min(per, total - w * per),
      image: 'registry.local/app:1.0',
      requests: { cpu: '100m', memory: '128Mi' },
    });
  }
  return { clusters: [{ name: 'scale', nodes: list, workloads }] };
}

const rssPeak = { value: 0 };
const heapPeak = { value: 0 };
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  rssPeak.value = Math.max(rssPeak.value, m.rss);
  heapPeak.value = Math.max(heapPeak.value, m.heapUsed);
}, 200);

const wall0 = performance.now();
const cpu0 = process.cpuUsage();
const clock = new VirtualClock();
const sim = await Simulator.start({ topology: topology(), params: DEFAULT_PARAMS, clock, seed: 1, serve: true });
const cluster = sim.cluster('scale');
const store = cluster.ctx.store;
// Controllers act only once kube-apiserver serves (its static pods start first), and until then watches
// break. Then nothing moves until every watcher is connected: they must see the pods come up.
while (!cluster.controlPlane.active('kube-apiserver')) await clock.sleep(100);
const releaseClock = clock.hold('bench: connecting watchers');

// W watchers on all pods, as dashboards and controllers outside the cluster would hold, in a worker thread.
interface WatchStats {
  peakHeapMiB: number;
  events: number;
  closedByServer: number;
  expired: number;
  connected: number;
}
const worker = new Worker(new URL('./sim-scale-watchers.mjs', import.meta.url), {
  workerData: {
    server: cluster.server?.url,
    token: sim.token,
    watchers,
    resourceVersion: String(store.resourceVersion),
  },
});
const fromWorker = (type: string): Promise<{ stats?: WatchStats }> =>
  new Promise((resolve) => {
    const on = (m: { type: string; stats?: WatchStats }): void => {
      if (m.type !== type) return;
      worker.off('message', on);
      resolve(m);
    };
    worker.on('message', on);
  });
worker.on('message', (m: { type: string }) => {
  if (m.type === 'version?') worker.postMessage({ type: 'version', resourceVersion: String(store.resourceVersion) });
});
await fromWorker('ready');
releaseClock();
const started = performance.now();
const wantPods = nodes * podsPerNode;
let lastReport = 0;
for (;;) {
  await clock.sleep(1000);
  const ready = store.list('nodes').filter(isNodeReady).length;
  let running = 0;
  for (const p of store.list('pods')) if (p.status?.phase === 'Running') running++;
  const now = performance.now();
  if (now - lastReport > 5000) {
    lastReport = now;
    console.error(
      `  ${((now - wall0) / 1000).toFixed(1)}s wall: ${ready}/${nodes + 3} nodes Ready, ${running} pods Running`,
    );
  }
  if (ready === nodes + 3 && running >= wantPods) break;
  if (now - wall0 > 600_000) throw new Error('gave up after 10 minutes');
}
const wall = (performance.now() - wall0) / 1000;
// Read now: while the watchers' thread answers below, nothing holds the clock and it moves on.
const virtualMs = clock.advancedMs;
worker.postMessage({ type: 'stats' });
const { stats } = await fromWorker('stats');
worker.postMessage({ type: 'stop' });
await fromWorker('stopped');
const cpu = process.cpuUsage(cpu0);
clearInterval(sampler);
rssPeak.value = Math.max(rssPeak.value, process.memoryUsage().rss);
out.say(
  JSON.stringify({
    nodes,
    podsPerNode,
    pods: store.count('pods'),
    watchers,
    watchEventsDelivered: stats?.events,
    // Closed by the server for falling too far behind (then watched again from their last version), and
    // watched again from the newest version after their last one left the history (410).
    watchersClosedUnresponsive: stats?.closedByServer,
    watchersExpired: stats?.expired,
    watchersConnectedAtEnd: stats?.connected,
    wallSeconds: Number(wall.toFixed(2)),
    // CPU time of this process (both threads' work on a busy machine shows here, not in wall time).
    cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    setupSeconds: Number(((started - wall0) / 1000).toFixed(2)),
    virtualSeconds: (virtualMs / 1000).toFixed(0),
    peakRssMiB: Math.round(rssPeak.value / 1048576),
    // The simulator thread's JavaScript heap (the watchers' thread has its own, counted in the RSS).
    peakHeapMiB: Math.round(heapPeak.value / 1048576),
    watchersPeakHeapMiB: stats?.peakHeapMiB,
  }),
);
await worker.terminate();
await sim.close();
await out.done();
process.exit(0);
