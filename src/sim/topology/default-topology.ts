import { KUBERNETES_VERSION } from '../kubernetes-version.js';
import type { Topology, TopologyCluster, TopologyNode, TopologyWorkload } from './types.js';

/**
 * The Qingzhou platform of the drill catalogue (../shared/drills.md): three clusters named after their role,
 * nodes named by their IP addresses, 3 tainted masters each (4 CPU / 16Gi) and 8 CPU / 32Gi workers.
 *
 * Capacity is planned so that every cluster can lose one worker and still place all of that worker's pods
 * elsewhere (the self-healing drills D1, D5 and D8 depend on it): control's workloads fit on one of its two
 * workers, business's on three of its four, paas's on two of its three. The business cluster has exactly 7
 * nodes so that a memory ballast (D3) reads `0/7 nodes are available: 3 node(s) had untolerated taint
 * {node-role.kubernetes.io/master: }, 4 Insufficient memory.`
 */

const MASTER_TAINT = [{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' as const }];

function nodes(prefix: string, from: number, to: number, masters: number): TopologyNode[] {
  const out: TopologyNode[] = [];
  for (let i = from; i <= to; i++) {
    const isMaster = i - from < masters;
    out.push(
      isMaster
        ? {
            name: `${prefix}.${i}`,
            role: 'master',
            cpu: '4',
            memory: '16Gi',
            pods: 110,
            disk: '100Gi',
            taints: MASTER_TAINT,
          }
        : { name: `${prefix}.${i}`, role: 'worker', cpu: '8', memory: '32Gi', pods: 110, disk: '200Gi' },
    );
  }
  return out;
}

/** The CNI agent on every node of every cluster: tolerates everything, as calico-node does. */
const calico: TopologyWorkload = {
  kind: 'DaemonSet',
  namespace: 'kube-system',
  name: 'calico-node',
  image: 'calico/node:v3.3.7',
  requests: { cpu: '250m', memory: '128Mi' },
  limits: { memory: '512Mi' },
  memoryUsage: '90Mi',
  labels: { 'k8s-app': 'calico-node' },
  hostNetwork: true,
  tolerations: [{ operator: 'Exists' }],
  probes: true,
};

const kubeProxy: TopologyWorkload = {
  kind: 'DaemonSet',
  namespace: 'kube-system',
  name: 'kube-proxy',
  image: `registry.k8s.io/kube-proxy:${KUBERNETES_VERSION}`,
  requests: { cpu: '100m', memory: '64Mi' },
  memoryUsage: '40Mi',
  labels: { 'k8s-app': 'kube-proxy' },
  hostNetwork: true,
  tolerations: [{ operator: 'Exists' }],
};

const coredns: TopologyWorkload = {
  kind: 'Deployment',
  namespace: 'kube-system',
  name: 'coredns',
  replicas: 2,
  image: 'k8s.gcr.io/coredns:1.2.6',
  requests: { cpu: '100m', memory: '70Mi' },
  limits: { memory: '170Mi' },
  memoryUsage: '40Mi',
  ports: [53, 9153],
  labels: { 'k8s-app': 'kube-dns' },
  tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }],
  probes: true,
  service: { port: 53 },
  pdb: { maxUnavailable: 1 },
};

const system = [calico, kubeProxy, coredns];

function app(
  kind: TopologyWorkload['kind'],
  namespace: string,
  name: string,
  replicas: number,
  image: string,
  cpu: string,
  memory: string,
  extra: Partial<TopologyWorkload> = {},
): TopologyWorkload {
  const limitMemory =
    extra.limits?.memory ?? `${Number(memory.replace(/Gi|Mi/, '')) * 2}${memory.endsWith('Gi') ? 'Gi' : 'Mi'}`;
  return {
    kind,
    namespace,
    name,
    replicas,
    image,
    requests: { cpu, memory },
    limits: { cpu: String(Number(cpu.replace('m', '')) * 4) + (cpu.endsWith('m') ? 'm' : ''), memory: limitMemory },
    probes: true,
    ...extra,
  };
}

const TOMCAT_LOGS = '/usr/local/tomcat/logs';

function control(): TopologyCluster {
  const gw = 'gateway-system';
  return {
    name: 'control',
    nodes: nodes('10.128.38', 1, 5, 3),
    workloads: [
      ...system,
      app('Deployment', gw, 'gateway-proxy', 2, 'hub.qingzhou.io/gateway/gateway-proxy:1.3.2', '500m', '1Gi', {
        memoryUsage: '700Mi',
        ports: [80, 443],
        service: { port: 80 },
        pdb: { minAvailable: 1 },
      }),
      app('Deployment', gw, 'apigw-portal', 1, 'hub.qingzhou.io/gateway/apigw-portal:1.3.2', '200m', '512Mi', {
        memoryUsage: '380Mi',
        ports: [8080],
        service: { port: 8080 },
        logPath: TOMCAT_LOGS,
      }),
      app('Deployment', gw, 'istio-pilot', 1, 'hub.qingzhou.io/istio/pilot:1.1.11', '500m', '1Gi', {
        memoryUsage: '600Mi',
        ports: [15010, 15011, 8080],
        service: { port: 15010 },
      }),
      app('Deployment', gw, 'apigw-api-plane', 2, 'hub.qingzhou.io/gateway/api-plane:1.3.2', '250m', '512Mi', {
        memoryUsage: '350Mi',
        ports: [10880],
        service: { port: 10880 },
        logPath: TOMCAT_LOGS,
        pdb: { maxUnavailable: 1 },
      }),
      app('Deployment', gw, 'rate-limit', 2, 'hub.qingzhou.io/gateway/ratelimit:1.0.4', '100m', '256Mi', {
        memoryUsage: '120Mi',
        ports: [8081],
        service: { port: 8081 },
      }),
      app('StatefulSet', 'monitoring', 'prometheus', 1, 'prom/prometheus:v2.7.1', '500m', '2Gi', {
        memoryUsage: '1200Mi',
        ports: [9090],
        service: { port: 9090 },
        configMaps: ['prometheus-config'],
      }),
      app('Deployment', 'monitoring', 'alertmanager', 1, 'prom/alertmanager:v0.16.0', '100m', '256Mi', {
        memoryUsage: '60Mi',
        ports: [9093],
        service: { port: 9093 },
        configMaps: ['alertmanager-config'],
      }),
    ],
  };
}

function business(): TopologyCluster {
  const tomcat = (name: string, replicas: number, memory: string, usage: string): TopologyWorkload =>
    app('Deployment', 'business', name, replicas, `hub.qingzhou.io/business/${name}:2.4.1`, '500m', memory, {
      memoryUsage: usage,
      ports: [8080],
      service: { port: 8080 },
      logPath: TOMCAT_LOGS,
      pdb: { minAvailable: replicas > 2 ? replicas - 1 : 1 },
    });
  return {
    name: 'business',
    nodes: nodes('10.128.38', 6, 12, 3),
    workloads: [
      ...system,
      tomcat('order-service', 3, '1Gi', '700Mi'),
      tomcat('user-service', 3, '1Gi', '650Mi'),
      tomcat('payment-service', 2, '1Gi', '720Mi'),
      tomcat('portal-web', 2, '512Mi', '300Mi'),
    ],
  };
}

function paas(): TopologyCluster {
  const nsf = 'skiff-nsf';
  const cs = 'container-service';
  const image = (n: string): string => `hub.qingzhou.io/nsf/${n}:3.2.0`;
  return {
    name: 'paas',
    nodes: nodes('10.128.39', 1, 6, 3),
    workloads: [
      ...system,
      app('Deployment', nsf, 'apollo-admin', 1, image('apollo-admin'), '250m', '512Mi', {
        memoryUsage: '380Mi',
        ports: [8090],
        service: { port: 8090 },
      }),
      app('Deployment', nsf, 'apollo-portal', 1, image('apollo-portal'), '250m', '512Mi', {
        memoryUsage: '360Mi',
        ports: [8070],
        service: { port: 8070 },
      }),
      app('Deployment', nsf, 'apollo-service', 2, image('apollo-service'), '250m', '1Gi', {
        memoryUsage: '640Mi',
        ports: [8080],
        service: { port: 8080 },
        pdb: { maxUnavailable: 1 },
      }),
      app('Deployment', nsf, 'nsf-server', 2, image('nsf-server'), '500m', '2Gi', {
        memoryUsage: '1300Mi',
        ports: [8080],
        service: { port: 8080 },
        logPath: TOMCAT_LOGS,
        pdb: { minAvailable: 1 },
      }),
      app('StatefulSet', nsf, 'nsf-redis', 3, 'redis:4.0.14', '200m', '1Gi', {
        memoryUsage: '300Mi',
        ports: [6379],
        service: { port: 6379 },
        pdb: { maxUnavailable: 1 },
      }),
      app('StatefulSet', nsf, 'nsf-redis-exporter', 1, 'oliver006/redis_exporter:v1.0.3', '50m', '64Mi', {
        memoryUsage: '20Mi',
        ports: [9121],
      }),
      app('StatefulSet', nsf, 'nsf-sentinel', 3, 'redis:4.0.14', '100m', '128Mi', {
        memoryUsage: '30Mi',
        ports: [26379],
        service: { port: 26379 },
      }),
      app('StatefulSet', nsf, 'nsf-trunel-server', 1, image('nsf-trunel-server'), '250m', '512Mi', {
        memoryUsage: '300Mi',
        ports: [9000],
      }),
      app('StatefulSet', nsf, 'nsf-turbine', 1, image('nsf-turbine'), '250m', '512Mi', {
        memoryUsage: '280Mi',
        ports: [8989],
      }),
      app('StatefulSet', nsf, 'nsf-registry', 3, image('nsf-registry'), '250m', '1Gi', {
        memoryUsage: '600Mi',
        ports: [8761],
        service: { port: 8761 },
        pdb: { minAvailable: 2 },
      }),
      // The second platform's workloads (drills S1-S4), of the same shape as on Docker Swarm.
      app('StatefulSet', cs, 'mysql', 2, 'mysql:5.7.26', '500m', '2Gi', {
        memoryUsage: '1100Mi',
        ports: [3306, 3307],
        service: { port: 3306 },
        configMaps: ['mysql-config'],
      }),
      app('Deployment', cs, 'console', 2, 'hub.qingzhou.io/cs/console:5.1.0', '250m', '512Mi', {
        memoryUsage: '330Mi',
        ports: [8080],
        service: { port: 8080 },
      }),
      app('Deployment', cs, 'troopers', 2, 'hub.qingzhou.io/cs/troopers:5.1.0', '250m', '512Mi', {
        memoryUsage: '310Mi',
        ports: [8080],
        service: { port: 8080 },
      }),
      app('Deployment', cs, 'proxy', 2, 'hub.qingzhou.io/cs/proxy:5.1.0', '200m', '256Mi', {
        memoryUsage: '90Mi',
        ports: [4242, 4243],
        service: { port: 4242 },
      }),
      app('Deployment', cs, 'monitor-server', 1, 'hub.qingzhou.io/cs/monitor-server:5.1.0', '250m', '1Gi', {
        memoryUsage: '500Mi',
        ports: [8086],
        service: { port: 8086 },
      }),
      app('Deployment', cs, 'monitor-server-backup', 1, 'hub.qingzhou.io/cs/monitor-server:5.1.0', '250m', '1Gi', {
        memoryUsage: '480Mi',
        ports: [8086],
        service: { port: 8086 },
      }),
    ],
    manifests: [
      {
        // The slave of the master/slave pair answers on 3307 (S1: point console and Troopers at it).
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'mysql-slave', namespace: cs, labels: { app: 'mysql' } },
        spec: {
          selector: { app: 'mysql', 'statefulset.kubernetes.io/pod-name': 'mysql-1' },
          ports: [{ name: 'mysql', port: 3307, targetPort: 3307 }],
        },
      },
    ],
  };
}

/**
 * What the drills pull besides the platform's workloads: the pause image of a pending pod and of a memory
 * ballast (create-pending-pod, fill-node-memory).
 */
const CATALOGUE_IMAGES = ['registry.k8s.io/pause:3.9'];

/**
 * Docker Hub's official images most tried by hand (`kubectl create deployment web --image=nginx`), mirrored
 * by the platform's registry with every tag. A typo (`ngnix:1.99`) is still not found.
 */
const MIRRORED = ['nginx:*', 'busybox:*', 'alpine:*', 'httpd:*', 'redis:*', 'registry.k8s.io/pause:*'];

export function defaultTopology(): Topology {
  const clusters = [control(), business(), paas()];
  const platform = clusters.flatMap((c) => (c.workloads ?? []).map((w) => w.image ?? 'busybox:1.36'));
  return { registry: { images: [...new Set([...platform, ...CATALOGUE_IMAGES, ...MIRRORED])] }, clusters };
}
