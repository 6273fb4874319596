/**
 * The watchers of bench/sim-scale.ts, in a worker thread: clients are other processes in a real cluster,
 * so their JSON parsing must not run on the simulator's thread. Each is a client-node Watch on all pods
 * that, like a reflector, watches again from the last version it saw when the server closes it (an
 * unresponsive watcher is closed, as kube-apiserver does), and from the newest version after a 410, after
 * client-go's back-off (800 ms doubling to 30 s with jitter, reset after 2 minutes without a failure).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KubeConfig, Watch } from '@kubernetes/client-node';

const { server, token, watchers } = workerData;
const kc = new KubeConfig();
kc.loadFromOptions({
  clusters: [{ name: 'scale', server, skipTLSVerify: true }],
  users: [{ name: 'bench', token }],
  contexts: [{ name: 'scale', cluster: 'scale', user: 'bench' }],
  currentContext: 'scale',
});

const stats = { events: 0, closedByServer: 0, expired: 0, connected: 0, peakHeapMiB: 0 };
// This thread's own JavaScript heap (process.memoryUsage().heapUsed is per isolate).
setInterval(() => {
  stats.peakHeapMiB = Math.max(stats.peakHeapMiB, Math.round(process.memoryUsage().heapUsed / 1048576));
}, 200).unref();
let stopping = false;
const aborts = new Set();
const waitingForVersion = [];

parentPort.on('message', (m) => {
  if (m.type === 'version') waitingForVersion.shift()?.(m.resourceVersion);
  else if (m.type === 'stats') parentPort.postMessage({ type: 'stats', stats });
  else if (m.type === 'stop') {
    stopping = true;
    for (const a of aborts) a.abort();
    parentPort.postMessage({ type: 'stopped', stats });
  }
});

function newestVersion() {
  return new Promise((resolve) => {
    waitingForVersion.push(resolve);
    parentPort.postMessage({ type: 'version?' });
  });
}

/** client-go's reflector back-off: NewExponentialBackoffManager(800ms, 30s, 2m, 2.0, 1.0). */
function backoff(state) {
  const now = Date.now();
  if (now - state.lastFailure > 120_000) state.failures = 0;
  state.lastFailure = now;
  const base = Math.min(800 * 2 ** state.failures++, 30_000);
  return base + Math.random() * base;
}

async function watch(resourceVersion, state = { failures: 0, lastFailure: 0 }) {
  let last = resourceVersion;
  let expired = false;
  let abort;
  try {
    abort = await new Watch(kc).watch(
      '/api/v1/pods',
      { resourceVersion: last },
      (type, obj) => {
        if (type === 'ERROR') {
          if (obj?.code === 410) expired = true;
          return;
        }
        stats.events++;
        last = obj?.metadata?.resourceVersion ?? last;
      },
      () => {
        aborts.delete(abort);
        stats.connected--;
        if (stopping) return;
        if (expired) stats.expired++;
        else stats.closedByServer++;
        setTimeout(
          () => void (expired ? newestVersion() : Promise.resolve(last)).then((rv) => watch(rv, state)),
          backoff(state),
        );
      },
    );
  } catch {
    if (!stopping) setTimeout(() => void watch(last, state), backoff(state));
    return;
  }
  aborts.add(abort);
  stats.connected++;
}

await Promise.all(Array.from({ length: watchers }, () => watch(workerData.resourceVersion)));
parentPort.postMessage({ type: 'ready' });
