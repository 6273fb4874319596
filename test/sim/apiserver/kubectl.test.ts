import { expect } from 'chai';
import { execa } from 'execa';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../../../src/sim/store/store.js';
import type { KubeObject } from '../../../src/kube/objects.js';
import { startFixture, type Fixture } from './fixture.js';

const SMOKE = '/work/shared/tools/kubectl-smoke';

async function hasKubectl(): Promise<boolean> {
  try {
    await execa('kubectl', ['version', '--client'], { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

describe('simulated apiserver: the real kubectl', function () {
  this.timeout(120_000);
  let f: Fixture;
  let removeAfter: ((p: KubeObject) => void) | undefined;

  const kubectl = (...args: string[]) =>
    execa(
      'kubectl',
      ['--kubeconfig', f.kubeconfig, '--cache-dir', join(f.dir, 'cache'), '--request-timeout=20s', ...args],
      {
        reject: false,
        timeout: 60_000,
      },
    );

  const ok = async (...args: string[]): Promise<string> => {
    const r = await kubectl(...args);
    expect(r.exitCode, `kubectl ${args.join(' ')}: ${r.stderr}`).to.equal(0);
    expect(r.stderr, `kubectl ${args.join(' ')} warned`).to.equal('');
    return r.stdout;
  };

  before(async function () {
    if (!(await hasKubectl())) {
      console.log('      kubectl is not on PATH: skipping the kubectl tests');
      this.skip();
    }
  });

  beforeEach(async () => {
    f = await startFixture({
      tls: true,
      hooks: {
        admit: (resource, obj) => {
          if (resource === 'configmaps' && obj.metadata.name === 'invalid') {
            throw new StoreError('Invalid', 'bad', [
              { field: 'data', message: 'Invalid value: "x": not allowed', reason: 'FieldValueInvalid' },
            ]);
          }
        },
        // The kubelet's side of graceful deletion: gone a moment later.
        podDeleting: (p) => {
          removeAfter?.(p);
          setTimeout(() => {
            if (f.store.get('pods', p.metadata.namespace, p.metadata.name))
              f.store.remove('pods', p.metadata.namespace, p.metadata.name);
          }, 100);
        },
        evict: () => ({ allowed: true }),
      },
    });
    f.store.create('events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web-1.1', namespace: 'default' },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        name: 'web-1',
        namespace: 'default',
        uid: f.store.get('pods', 'default', 'web-1')!.metadata.uid,
      },
      reason: 'Pulled',
      message: 'Container image "nginx:1.25" already present on machine',
      type: 'Normal',
      source: { component: 'kubelet', host: 'node-a' },
      count: 1,
      firstTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    });
  });

  afterEach(async () => {
    await f?.close();
  });

  it('gets nodes and pods as a real cluster prints them', async () => {
    const nodes = await ok('get', 'nodes');
    expect(nodes.split('\n')[0]).to.match(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
    expect(nodes).to.match(/node-a\s+Ready\s+control-plane\s+\S+\s+v1\.32\.0/);
    const wide = await ok('get', 'nodes', '-o', 'wide');
    expect(wide.split('\n')[0]).to.match(/INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME$/);
    expect(wide).to.contain('containerd://1.7.13');
    const pods = await ok('get', 'pods', '-A', '-o', 'wide');
    expect(pods.split('\n')[0]).to.match(
      /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/,
    );
    expect(pods).to.match(/default\s+web-1\s+1\/1\s+Running\s+0/);
    const onB = await ok('get', 'pods', '-A', '--field-selector', 'spec.nodeName=node-b', '-o', 'name');
    expect(onB.trim().split('\n')).to.deep.equal(['pod/db-1', 'pod/web-2']);
    const labelled = await ok('get', 'po', '-l', 'app=db', '-o', 'jsonpath={.items[*].metadata.name}');
    expect(labelled).to.equal('db-1');
    const json = JSON.parse(await ok('get', 'deploy', '-A', '-o', 'json')) as {
      items: { metadata: { name: string } }[];
    };
    expect(json.items.map((d) => d.metadata.name)).to.deep.equal(['web']);
    expect(await ok('get', 'deploy', 'web', '-o', 'yaml')).to.contain('kind: Deployment');
    expect(await ok('get', 'deploy')).to.match(/NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+2\/2\s+2\s+2\s+/);
    const events = await ok('get', 'events', '-A');
    expect(events.split('\n')[0]).to.match(/^NAMESPACE\s+LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(events).to.contain('pod/web-1');
  });

  it('describes a node, a pod with its events, and a deployment', async () => {
    expect(await ok('describe', 'node', 'node-a')).to.match(/Name:\s+node-a[\s\S]*Ready\s+True/);
    const pod = await ok('describe', 'pod', 'web-1');
    expect(pod).to.match(/Node:\s+node-a/);
    expect(pod).to.match(/Normal\s+Pulled\s+\S+\s+kubelet\s+Container image "nginx:1.25" already present on machine/);
    expect(await ok('describe', 'deployment', 'web')).to.match(/Replicas:\s+2 desired/);
  });

  it('cordons, uncordons, labels and taints nodes', async () => {
    await ok('cordon', 'node-a');
    expect(await ok('get', 'node', 'node-a')).to.match(/Ready,SchedulingDisabled/);
    await ok('uncordon', 'node-a');
    expect(f.store.get('nodes', undefined, 'node-a')?.spec.unschedulable).to.not.equal(true);
    await ok('label', 'node', 'node-a', 'zone=east');
    expect(f.store.get('nodes', undefined, 'node-a')?.metadata.labels?.zone).to.equal('east');
    await ok('taint', 'node', 'node-a', 'dedicated=db:NoSchedule');
    expect(f.store.get('nodes', undefined, 'node-a')?.spec.taints).to.deep.equal([
      { key: 'dedicated', value: 'db', effect: 'NoSchedule' },
    ]);
    await ok('taint', 'node', 'node-a', 'dedicated-');
    expect(f.store.get('nodes', undefined, 'node-a')?.spec.taints ?? []).to.deep.equal([]);
  });

  it('patches with merge, JSON and strategic patches, scales, and restarts a rollout', async () => {
    await ok('patch', 'deploy', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"team":"sre"}}}');
    await ok('patch', 'deploy', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":3}]');
    await ok(
      'patch',
      'deploy',
      'web',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"web","resources":{"limits":{"memory":"1Gi"}}}]}}}}',
    );
    let d = f.store.get('deployments', 'default', 'web')!;
    expect(d.metadata.labels?.team).to.equal('sre');
    expect(d.spec.replicas).to.equal(3);
    expect(d.spec.template.spec.containers).to.deep.equal([
      { name: 'web', image: 'nginx:1.25', resources: { limits: { memory: '1Gi' } } },
    ]);
    await ok('scale', 'deploy', 'web', '--replicas=5');
    expect(f.store.get('deployments', 'default', 'web')?.spec.replicas).to.equal(5);
    await ok('rollout', 'restart', 'deploy/web');
    d = f.store.get('deployments', 'default', 'web')!;
    expect(d.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).to.match(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/,
    );
  });

  it('applies a Deployment manifest, then applies a change to it', async () => {
    const manifest = (replicas: number, image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: default
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: ${image}
        env:
        - {name: MODE, value: prod}
`;
    const file = join(f.dir, 'api.yaml');
    await writeFile(file, manifest(2, 'api:1'));
    expect(await ok('apply', '-f', file)).to.equal('deployment.apps/api created');
    await writeFile(file, manifest(4, 'api:2'));
    expect(await ok('apply', '-f', file)).to.equal('deployment.apps/api configured');
    const d = f.store.get('deployments', 'default', 'api')!;
    expect(d.spec.replicas).to.equal(4);
    expect(d.spec.template.spec.containers[0]).to.deep.include({
      image: 'api:2',
      env: [{ name: 'MODE', value: 'prod' }],
    });
    expect(d.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).to.contain('api:2');
    expect(await ok('apply', '-f', file)).to.equal('deployment.apps/api unchanged');
  });

  it('creates through the typed clients that send protobuf: create namespace, create deployment, run', async () => {
    await ok('create', 'namespace', 'team-a');
    expect(f.store.get('namespaces', undefined, 'team-a')?.status.phase).to.equal('Active');
    await ok('create', 'deployment', 'cache', '--image=redis:7', '--replicas=0', '-n', 'team-a');
    const d = f.store.get('deployments', 'team-a', 'cache')!;
    expect(d.spec.replicas).to.equal(0);
    expect(d.spec.template.spec.containers[0]).to.deep.include({ name: 'redis', image: 'redis:7' });
    await ok('run', 'tmp', '--image=busybox', '--restart=Never', '--labels=x=y', '--', 'sleep', '5');
    const p = f.store.get('pods', 'default', 'tmp')!;
    expect(p.spec.containers[0]).to.deep.include({ image: 'busybox', args: ['sleep', '5'] });
    expect(p.metadata.labels).to.deep.equal({ x: 'y' });
  });

  it('deletes gracefully, and at once with --grace-period=0 --force', async () => {
    expect(await ok('delete', 'pod', 'web-1')).to.equal('pod "web-1" deleted');
    expect(f.store.get('pods', 'default', 'web-1')).to.equal(undefined);
    const forced = await kubectl('delete', 'pod', 'web-2', '--grace-period=0', '--force');
    expect(forced.exitCode).to.equal(0);
    expect(forced.stdout).to.equal('pod "web-2" force deleted');
    expect(f.store.get('pods', 'default', 'web-2')).to.equal(undefined);
  });

  it('drains a node through the eviction API', async () => {
    const out = await kubectl(
      'drain',
      'node-b',
      '--ignore-daemonsets',
      '--delete-emptydir-data',
      '--force',
      '--timeout=30s',
    );
    expect(out.exitCode, out.stderr).to.equal(0);
    expect(out.stdout).to.contain('evicting pod default/web-2').and.contain('node/node-b drained');
    expect(f.store.podsOnNode('node-b')).to.deep.equal([]);
    expect(f.store.get('nodes', undefined, 'node-b')?.spec.unschedulable).to.equal(true);
  });

  it('shows the API errors kubectl users know', async () => {
    const missing = await kubectl('get', 'pod', 'nope');
    expect(missing.exitCode).to.equal(1);
    expect(missing.stderr).to.equal('Error from server (NotFound): pods "nope" not found');
    const dup = await kubectl('create', 'namespace', 'default');
    expect(dup.stderr).to.equal('Error from server (AlreadyExists): namespaces "default" already exists');
    const file = join(f.dir, 'invalid.yaml');
    await writeFile(
      file,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: invalid, namespace: default}\ndata: {a: b}\n',
    );
    const invalid = await kubectl('apply', '-f', file);
    expect(invalid.stderr).to.equal('The ConfigMap "invalid" is invalid: data: Invalid value: "x": not allowed');
    const stale = join(f.dir, 'stale.json');
    await writeFile(stale, await ok('get', 'deploy', 'web', '-o', 'json'));
    f.store.mutate('deployments', 'default', 'web', (d) => {
      d.metadata.labels = { moved: 'on' };
    });
    const conflict = await kubectl('replace', '-f', stale);
    expect(conflict.stderr).to.match(
      /^Error from server \(Conflict\): .*Operation cannot be fulfilled on deployments.apps "web": the object has been modified/,
    );
    const ready = await ok('get', '--raw', '/readyz');
    expect(ready).to.equal('ok');
  });

  it('follows changes with get -w', async () => {
    const watch = execa(
      'kubectl',
      ['--kubeconfig', f.kubeconfig, '--cache-dir', join(f.dir, 'cache'), 'get', 'pods', '-w'],
      { reject: false },
    );
    let out = '';
    let wake = (): void => undefined;
    watch.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      wake();
    });
    const seen = (re: RegExp): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`kubectl get -w never printed ${String(re)}; it printed:\n${out}`)),
          20_000,
        );
        wake = () => {
          if (re.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        };
        wake();
      });
    try {
      await seen(/web-2\s+1\/1\s+Running/);
      f.store.mutate('pods', 'default', 'web-2', (p) => {
        p.status.containerStatuses[0].state = { waiting: { reason: 'CrashLoopBackOff' } };
        p.status.containerStatuses[0].ready = false;
      });
      await seen(/web-2\s+0\/1\s+CrashLoopBackOff/);
    } finally {
      watch.kill('SIGKILL');
      await watch;
    }
    expect(out.match(/^NAME\s+READY/gm)).to.have.length(1);
  });

  it('passes the shared kubectl smoke test', async () => {
    const r = await execa(SMOKE, [f.kubeconfig], {
      reject: false,
      timeout: 120_000,
      env: { KUBECACHEDIR: join(f.dir, 'cache') },
    });
    expect(r.stdout, r.stdout).to.contain('10 passed, 0 failed');
    expect(r.exitCode).to.equal(0);
  });
});
