import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import { KUBERNETES_VERSION } from '../../src/sim/kubernetes-version.js';
import { hasKubectl, serveSim, type ServedSim } from '../sim/apiserver/served-sim.js';

/**
 * The everyday kubectl surface against a served simulator, as a person practising on it uses it: every
 * command here must work as on a cluster, and the refusals must carry kube-apiserver's (or the kubelet's)
 * own words. Real kubectl, real client-node; the simulator at 20x real time.
 */
describe('the real kubectl and client-node against a served simulator: the everyday surface', function () {
  this.timeout(180_000);
  let served: ServedSim | undefined;
  let dir = '';

  before(async function () {
    if (!(await hasKubectl())) {
      console.log('      skipped: kubectl is not installed');
      this.skip();
    }
    served = await serveSim('business', 20);
    dir = served.dir;
  });
  after(async () => served?.close());

  /** A command that must succeed; its stdout. */
  const ok = async (...args: string[]): Promise<string> => {
    const r = await served!.kubectl(...args);
    expect(r.exitCode, `kubectl ${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return r.stdout;
  };
  /** A command that must fail; its stderr. */
  const fails = async (...args: string[]): Promise<string> => {
    const r = await served!.kubectl(...args);
    expect(r.exitCode, `kubectl ${args.join(' ')} should fail: ${r.stdout}`).to.not.equal(0);
    return r.stderr;
  };
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('says which Kubernetes it is, and its nodes say the same', async () => {
    expect(await ok('version')).to.contain(`Server Version: ${KUBERNETES_VERSION}`);
    const versions = await ok('get', 'nodes', '-o', 'jsonpath={.items[*].status.nodeInfo.kubeletVersion}');
    expect(new Set(versions.split(' '))).to.deep.equal(new Set([KUBERNETES_VERSION]));
  });

  it("shows what each container's image prints, cut and stamped as asked", async () => {
    const tomcat = (await ok('get', 'pods', '-n', 'business', '-o', 'name')).split('\n')[0]!;
    expect(await ok('logs', '-n', 'business', tomcat)).to.contain('Apache Tomcat');
    const dns = (await ok('get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-dns', '-o', 'name')).split('\n')[0]!;
    const dnsLogs = await ok('logs', '-n', 'kube-system', dns);
    expect(dnsLogs)
      .to.contain('CoreDNS-')
      .and.not.match(/tomcat|catalina/i);
    expect((await ok('logs', '-n', 'business', tomcat, '--tail=2')).split('\n')).to.have.length(2);
    const stamped = await ok('logs', '-n', 'business', tomcat, '--tail=1', '--timestamps');
    expect(stamped).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \S/);
    expect(await ok('logs', '-n', 'business', tomcat, '--since=1s')).to.equal('');
    expect(await fails('logs', '-n', 'business', tomcat, '--previous')).to.match(
      new RegExp(`previous terminated container "[a-z-]+" in pod "${tomcat.replace('pod/', '')}" not found`),
    );
  });

  it('follows a container with logs -f until it ends, and picks a container with -c', async () => {
    await ok(
      'run',
      'counter',
      '--image=busybox:1.36',
      '--restart=Never',
      '--',
      'sh',
      '-c',
      // A minute of simulated time (3 s here): long enough to be caught Ready, short enough to follow.
      'for i in 1 2 3; do echo tick $i; sleep 20; done',
    );
    await ok('wait', '--for=condition=Ready', 'pod/counter', '--timeout=60s');
    expect(await ok('logs', '-f', 'counter')).to.equal('tick 1\ntick 2\ntick 3');
    const previous = await fails('logs', 'counter', '--previous');
    expect(previous).to.contain('previous terminated container "counter" in pod "counter" not found');
    const two = file(
      'two.yaml',
      `apiVersion: v1
kind: Pod
metadata: {name: two}
spec:
  containers:
  - {name: web, image: nginx:1.25.5}
  - {name: side, image: busybox:1.36, command: [sh, -c, 'echo side car up; sleep 3600']}
`,
    );
    await ok('apply', '-f', two);
    await ok('wait', '--for=condition=Ready', 'pod/two', '--timeout=60s');
    expect(await ok('logs', 'two', '-c', 'side')).to.equal('side car up');
    expect(await ok('logs', 'two', '-c', 'web'))
      .to.contain('nginx/1.25.5')
      .and.not.contain('Tomcat');
    expect(await fails('logs', 'two', '-c', 'nope')).to.contain('container nope is not valid for pod two');
  });

  it('runs Jobs to completion and shows their output', async () => {
    await ok('create', 'job', 'hello', '--image=busybox:1.36', '--', 'echo', 'hello from a job');
    await ok('wait', '--for=condition=complete', 'job/hello', '--timeout=60s');
    expect(await ok('get', 'job', 'hello')).to.match(/hello\s+Complete\s+1\/1\s/);
    expect(await ok('logs', 'job/hello')).to.equal('hello from a job');
    await ok('create', 'job', 'broken', '--image=busybox:1.36', '--', 'sh', '-c', 'exit 3');
    await ok('patch', 'job', 'broken', '--type=merge', '-p', '{"spec":{"backoffLimit":0}}');
    await ok('wait', '--for=condition=failed', 'job/broken', '--timeout=60s');
  });

  it('stores RBAC objects and ServiceAccounts, gives namespaces their defaults, and Secrets their type', async () => {
    await ok('create', 'namespace', 'team-a');
    await ok('create', 'role', 'reader', '--verb=get,list', '--resource=pods', '-n', 'team-a');
    await ok('create', 'rolebinding', 'reader', '--role=reader', '--user=bob', '-n', 'team-a');
    await ok('create', 'clusterrole', 'node-reader', '--verb=get', '--resource=nodes');
    await ok('create', 'clusterrolebinding', 'node-reader', '--clusterrole=node-reader', '--group=ops');
    await ok('create', 'serviceaccount', 'robot', '-n', 'team-a');
    expect(await ok('get', 'rolebinding', 'reader', '-n', 'team-a')).to.match(/reader\s+Role\/reader\s/);
    expect(await ok('get', 'sa', '-n', 'team-a', '-o', 'name')).to.contain('serviceaccount/default');
    expect(await ok('get', 'cm', 'kube-root-ca.crt', '-n', 'team-a', '-o', 'jsonpath={.data.ca\\.crt}')).to.contain(
      'BEGIN CERTIFICATE',
    );
    await ok('create', 'secret', 'generic', 'token', '--from-literal=a=b', '-n', 'team-a');
    expect(await ok('get', 'secret', 'token', '-n', 'team-a', '-o', 'jsonpath={.type}')).to.equal('Opaque');
  });

  it('answers auth can-i, whoami, top and /metrics; refuses exec and port-forward with a reason', async () => {
    expect(await ok('auth', 'can-i', 'create', 'deployments', '-n', 'business')).to.equal('yes');
    expect(await ok('auth', 'whoami')).to.contain('kubernetes-admin');
    expect(await ok('top', 'nodes')).to.match(/^NAME\s+CPU\(cores\)\s+CPU%\s+MEMORY\(bytes\)\s+MEMORY%/);
    expect(await ok('top', 'pods', '-n', 'business')).to.match(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    expect(await ok('get', '--raw', '/metrics')).to.contain('apiserver_request_total{');
    const pod = (await ok('get', 'pods', '-n', 'business', '-o', 'name')).split('\n')[0]!;
    expect(await fails('exec', '-n', 'business', pod, '--', 'ls')).to.contain(
      'pods/exec is not supported by the gameday simulator',
    );
    expect(await fails('port-forward', '-n', 'business', pod, '18080:8080')).to.contain(
      'pods/portforward is not supported by the gameday simulator',
    );
  });

  it('applies server-side with managed fields and conflicts, and rolls back reusing the old ReplicaSet', async () => {
    const d = (image: string): string =>
      file(
        'ssa.yaml',
        `apiVersion: apps/v1
kind: Deployment
metadata: {name: ssa}
spec:
  replicas: 2
  selector: {matchLabels: {app: ssa}}
  template:
    metadata: {labels: {app: ssa}}
    spec:
      containers: [{name: web, image: "${image}"}]
`,
      );
    expect(await ok('apply', '--server-side', '-f', d('nginx:1.25'))).to.equal(
      'deployment.apps/ssa serverside-applied',
    );
    await ok('scale', 'deploy/ssa', '--replicas=3');
    const conflict = await fails('apply', '--server-side', '-f', d('nginx:1.25'));
    expect(conflict).to.contain(
      'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas',
    );
    await ok('apply', '--server-side', '--force-conflicts', '-f', d('nginx:1.25'));
    expect(await ok('get', 'deploy', 'ssa', '-o', 'jsonpath={.spec.replicas}')).to.equal('2');
    await ok('rollout', 'status', 'deploy/ssa', '--timeout=60s');
    await ok('set', 'image', 'deploy/ssa', 'web=nginx:1.26');
    await ok('rollout', 'status', 'deploy/ssa', '--timeout=60s');
    await ok('set', 'image', 'deploy/ssa', 'web=nginx:1.27');
    await ok('rollout', 'status', 'deploy/ssa', '--timeout=60s');
    await ok('rollout', 'undo', 'deploy/ssa');
    await ok('rollout', 'status', 'deploy/ssa', '--timeout=60s');
    const history = await ok('rollout', 'history', 'deploy/ssa');
    expect(history.match(/^\d+/gm)).to.deep.equal(['1', '3', '4']);
    expect(await ok('get', 'rs', '-l', 'app=ssa', '-o', 'name')).to.match(/^(replicaset\.apps\/ssa-\S+\n?){3}$/);
  });

  it('pages lists, refuses bad list options, and a no-op patch changes nothing', async () => {
    const all = await ok('get', 'pods', '-A', '-o', 'name');
    expect(await ok('get', 'pods', '-A', '-o', 'name', '--chunk-size=3')).to.equal(all);
    expect(await fails('get', '--raw', '/api/v1/pods?resourceVersionMatch=Exact')).to.contain(
      'resourceVersionMatch is forbidden unless resourceVersion is provided',
    );
    expect(await fails('get', '--raw', '/api/v1/pods?limit=1&continue=bogus')).to.contain(
      'invalid continue token: continue key is not valid',
    );
    expect(await ok('patch', 'deploy', 'ssa', '--type=merge', '-p', '{"spec":{"replicas":2}}')).to.equal(
      'deployment.apps/ssa patched (no change)',
    );
  });

  it('client-node: pages with limit/continue, and a watch allowing bookmarks gets one within a simulated minute', async () => {
    const kc = served!.sim.kubeConfig('business');
    const core = kc.makeApiClient(CoreV1Api);
    const first = await core.listPodForAllNamespaces({ limit: 5 });
    expect(first.items).to.have.length(5);
    expect(first.metadata?.remainingItemCount).to.be.greaterThan(0);
    const second = await core.listPodForAllNamespaces({ limit: 5, _continue: first.metadata!._continue! });
    expect(second.items[0]!.metadata!.name).to.not.equal(first.items[0]!.metadata!.name);
    const types: string[] = [];
    let done!: () => void;
    const bookmarked = new Promise<void>((r) => (done = r));
    const w = await new Watch(kc).watch(
      '/api/v1/namespaces/business/pods',
      { allowWatchBookmarks: true, resourceVersion: first.metadata!.resourceVersion },
      (type) => {
        types.push(type);
        if (type === 'BOOKMARK') done();
      },
      () => undefined,
    );
    // A minute of simulated time is three seconds here.
    await bookmarked;
    w.abort();
    expect(types).to.include('BOOKMARK');
  });
});
