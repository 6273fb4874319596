import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { RealClock, type Clock } from '../../../src/engine/clock.js';
import type { WatchTracker } from '../../../src/engine/watch-tracker.js';
import type { KubeObject } from '../../../src/kube/objects.js';
import { servingCertificate } from '../../../src/sim/apiserver/certificate.js';
import { writeKubeconfig } from '../../../src/sim/apiserver/kubeconfig.js';
import { SimApiServer, type ApiHooks } from '../../../src/sim/apiserver/server.js';
import { Store } from '../../../src/sim/store/store.js';

export interface Fixture {
  store: Store;
  clock: Clock;
  server: SimApiServer;
  url: string;
  /** The server's bearer token, as the kubeconfig's user carries it. */
  token: string;
  kubeconfig: string;
  dir: string;
  kc: KubeConfig;
  close(): Promise<void>;
}

export function node(name: string, ready = true, labels: Record<string, string> = {}): KubeObject {
  const t = '2026-01-01T00:00:00Z';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: {},
    status: {
      conditions: [
        {
          type: 'Ready',
          status: ready ? 'True' : 'Unknown',
          reason: ready ? 'KubeletReady' : 'NodeStatusUnknown',
          message: '',
          lastHeartbeatTime: t,
          lastTransitionTime: t,
        },
      ],
      addresses: [
        { type: 'InternalIP', address: `10.0.0.${name.length}` },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        kubeletVersion: 'v1.32.0',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        kernelVersion: '6.1.0-18-amd64',
        containerRuntimeVersion: 'containerd://1.7.13',
      },
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
    },
  };
}

export function pod(
  name: string,
  nodeName: string | undefined,
  labels: Record<string, string> = { app: 'web' },
  namespace = 'default',
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      containers: [{ name: 'web', image: 'nginx:1.25' }],
      terminationGracePeriodSeconds: 30,
    },
    status: nodeName
      ? {
          phase: 'Running',
          podIP: '10.244.1.5',
          containerStatuses: [
            { name: 'web', ready: true, restartCount: 0, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } },
          ],
        }
      : { phase: 'Pending' },
  };
}

export function deployment(name: string, replicas = 2): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
    },
    status: { replicas, readyReplicas: replicas, updatedReplicas: replicas, availableReplicas: replicas },
  };
}

/** A server on a fresh Store with two namespaces, two Ready nodes, three pods and a Deployment. */
export async function startFixture(
  options: { clock?: Clock; hooks?: ApiHooks; tracker?: WatchTracker; seed?: boolean; tls?: boolean } = {},
): Promise<Fixture> {
  const clock = options.clock ?? new RealClock();
  const tls = options.tls ? servingCertificate(['127.0.0.1', 'localhost']) : undefined;
  const store = new Store(clock);
  if (options.seed !== false) {
    for (const ns of ['default', 'kube-system'])
      store.create('namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns },
        status: { phase: 'Active' },
      });
    store.create('nodes', node('node-a', true, { 'node-role.kubernetes.io/control-plane': '' }));
    store.create('nodes', node('node-b'));
    store.create('pods', pod('web-1', 'node-a'));
    store.create('pods', pod('web-2', 'node-b'));
    store.create('pods', pod('db-1', 'node-b', { app: 'db' }));
    store.create('deployments', deployment('web'));
  }
  const server = new SimApiServer({
    store,
    clock,
    cluster: 'test',
    ...(options.hooks ? { hooks: options.hooks } : {}),
    ...(options.tracker ? { tracker: options.tracker } : {}),
    // kubectl sends the token only over TLS.
    ...(tls ? { tls } : {}),
  });
  const { url } = await server.start();
  const dir = await mkdtemp(join(tmpdir(), 'gameday-apiserver-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, [{ cluster: 'test', url, token: server.token, ca: tls?.cert }]);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return {
    store,
    clock,
    server,
    url,
    token: server.token,
    kubeconfig,
    dir,
    kc,
    close: async () => {
      await server.close();
      clock.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** GET/POST/... with fetch and the server's token, returning status and parsed JSON (or text). */
export async function http(
  server: { url: string; token: string },
  path: string,
  init: {
    method?: string;
    body?: unknown;
    contentType?: string;
    accept?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<{ status: number; body: any; text: string }> {
  const headers: Record<string, string> = { Authorization: `Bearer ${server.token}` };
  if (init.body !== undefined) headers['Content-Type'] = init.contentType ?? 'application/json';
  if (init.accept) headers.Accept = init.accept;
  Object.assign(headers, init.headers ?? {});
  const res = await fetch(server.url + path, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain text (logs, health)
  }
  return { status: res.status, body, text };
}

export interface Line {
  type: string;
  object: any;
}

/** Open a raw watch stream and collect its JSON lines until `until` says stop (or the stream ends). */
export function rawWatch(
  server: { url: string; token: string },
  path: string,
  accept?: string,
  opts: { paused?: boolean } = {},
): { lines: Line[]; ended: Promise<void>; waitFor(n: number): Promise<void>; close(): void } {
  const lines: Line[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let buf = '';
  let endResolve!: () => void;
  const ended = new Promise<void>((r) => (endResolve = r));
  const headers: Record<string, string> = { Authorization: `Bearer ${server.token}` };
  if (accept) headers.Accept = accept;
  const req = request(server.url + path, { headers }, (res) => {
    // A client that stops reading: its socket fills and the server's queue for it grows.
    if (opts.paused) {
      res.pause();
      res.on('close', endResolve);
      return;
    }
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buf.slice(0, i)) as Line);
        buf = buf.slice(i + 1);
      }
      for (const w of [...waiters]) if (lines.length >= w.n) w.resolve();
    });
    res.on('end', endResolve);
    res.on('close', endResolve);
  });
  req.on('error', () => endResolve());
  req.end();
  return {
    lines,
    ended,
    waitFor: (n) => (lines.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: () => req.destroy(),
  };
}
