import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, DiscoveryV1Api, AppsV1Api, Watch, type KubeConfig } from '@kubernetes/client-node';
import { hasKubectl, serveSim, type ServedSim } from './served-sim.js';

/**
 * The real kubectl and client-node against a served simulator (the built-in control cluster): Services and
 * their endpoints, OpenAPI and explain, image pulls, and the invalid requests kube-apiserver refuses, each
 * with the text a cluster prints.
 */

interface Row {
  args: string[];
  /** Fragments stdout must match, in any order. */
  out?: RegExp[];
  /** The exact stderr (kubectl's rendering of the server's Status), or fragments of it. */
  err?: string | RegExp[];
  exit?: number;
}

const RFC1123 =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('the served simulator answers kubectl and client-node as a cluster does', function () {
  this.timeout(300_000);
  let s: ServedSim;
  let file: (name: string, text: string) => Promise<string>;

  before(async function () {
    if (!(await hasKubectl())) {
      console.log('      kubectl is not on PATH: skipping the served-simulator kubectl tables');
      this.skip();
    }
    s = await serveSim('control', 20);
    file = async (name, text) => {
      const p = join(s.dir, name);
      await writeFile(p, text);
      return p;
    };
  });
  after(async () => {
    await s?.close();
  });

  async function check(rows: Row[]): Promise<void> {
    for (const row of rows) {
      const r = await s.kubectl(...row.args);
      const what = `kubectl ${row.args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
      expect(r.exitCode, what).to.equal(row.exit ?? 0);
      for (const re of row.out ?? []) expect(r.stdout, what).to.match(re);
      if (typeof row.err === 'string') expect(r.stderr, what).to.equal(row.err);
      else for (const re of row.err ?? []) expect(r.stderr, what).to.match(re);
    }
  }

  /** kubectl until its output matches (the simulator runs 20x real time: seconds of cluster time). */
  async function eventually(args: string[], re: RegExp, tries = 60): Promise<string> {
    let last = '';
    for (let i = 0; i < tries; i++) {
      const r = await s.kubectl(...args);
      last = `${r.stdout}${r.stderr}`;
      if (re.test(last)) return last;
      await new Promise((done) => setTimeout(done, 250));
    }
    throw new Error(`kubectl ${args.join(' ')} never matched ${String(re)}; last:\n${last}`);
  }

  it('lists and describes Services with their endpoints and EndpointSlices', async () => {
    await check([
      {
        args: ['get', 'endpoints', 'kubernetes'],
        out: [/kubernetes\s+10\.128\.38\.1:6443,10\.128\.38\.2:6443,10\.128\.38\.3:6443/],
      },
      {
        args: ['get', 'endpointslice', 'kubernetes', '-o', 'jsonpath={.endpoints[*].addresses[0]} {.ports[0].port}'],
        out: [/^10\.128\.38\.1 10\.128\.38\.2 10\.128\.38\.3 6443$/],
      },
      {
        args: ['get', 'ep', '-n', 'gateway-system', 'gateway-proxy'],
        out: [/^NAME\s+ENDPOINTS\s+AGE\n/, /gateway-proxy\s+10\.244\.\d+\.\d+:80,10\.244\.\d+\.\d+:80\s/],
      },
      {
        args: ['get', 'endpointslices', '-n', 'gateway-system', '-l', 'kubernetes.io/service-name=gateway-proxy'],
        out: [
          /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE\n/,
          /gateway-proxy-[a-z0-9]{5}\s+IPv4\s+80\s+10\.244\.\d+\.\d+,10\.244/,
        ],
      },
      {
        args: ['describe', 'svc', '-n', 'gateway-system', 'gateway-proxy'],
        out: [/Selector:\s+app=gateway-proxy/, /Endpoints:\s+10\.244\.\d+\.\d+:80,10\.244\.\d+\.\d+:80/],
      },
      {
        args: ['describe', 'endpointslice', '-n', 'gateway-system', '-l', 'kubernetes.io/service-name=gateway-proxy'],
        out: [/AddressType:\s+IPv4/, /Ready:\s+true/, /TargetRef:\s+Pod\/gateway-proxy-/],
      },
      {
        args: ['api-resources', '--api-group=discovery.k8s.io'],
        out: [/endpointslices\s+discovery\.k8s\.io\/v1\s+true\s+EndpointSlice/],
      },
      { args: ['create', 'service', 'clusterip', 'headless', '--clusterip=None', '--tcp=80:80'], out: [/created/] },
    ]);
  });

  it('labels the Endpoints of a headless Service and gives a Service without pods a placeholder slice', async () => {
    await eventually(
      ['get', 'ep', 'headless', '-o', 'jsonpath={.metadata.labels}'],
      /"service.kubernetes.io\/headless":""/,
    );
    await eventually(
      ['get', 'endpointslices', '-l', 'kubernetes.io/service-name=headless'],
      /headless-[a-z0-9]{5}\s+IPv4\s+<unset>\s+<unset>/,
    );
  });

  it('follows a Service losing and regaining its backends', async () => {
    await check([
      { args: ['scale', 'deploy', '-n', 'gateway-system', 'gateway-proxy', '--replicas=0'], out: [/scaled/] },
    ]);
    await eventually(['get', 'ep', '-n', 'gateway-system', 'gateway-proxy'], /gateway-proxy\s+<none>/);
    await eventually(['describe', 'svc', '-n', 'gateway-system', 'gateway-proxy'], /Endpoints:\s+\n/);
    await check([
      { args: ['scale', 'deploy', '-n', 'gateway-system', 'gateway-proxy', '--replicas=2'], out: [/scaled/] },
    ]);
    await eventually(
      ['get', 'ep', '-n', 'gateway-system', 'gateway-proxy'],
      /gateway-proxy\s+10\.244\.\d+\.\d+:80,10\.244\.\d+\.\d+:80\s/,
    );
  });

  it('explains fields from the served OpenAPI documents', async () => {
    await check([
      {
        args: ['explain', 'deployment.spec.replicas'],
        out: [
          /^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n/,
          /FIELD: replicas <integer>/,
          /Number of desired pods/,
        ],
      },
      { args: ['explain', 'pod.spec.containers.image'], out: [/FIELD: image <string>/, /Container image name/] },
      {
        args: ['explain', 'endpointslices.endpoints'],
        out: [/FIELD: endpoints <\[\]Endpoint>/, /addresses\s+<\[\]string> -required-/],
      },
      { args: ['explain', 'endpointslices'], out: [/endpoints\s+<\[\]Endpoint> -required-/] },
      {
        args: ['explain', 'svc.spec', '--recursive'],
        out: [/clusterIP\s+<string>/, /selector\s+<map\[string\]string>/],
      },
      {
        args: ['get', '--raw', '/openapi/v3'],
        out: [
          /"apis\/discovery\.k8s\.io\/v1":\{"serverRelativeURL":"\/openapi\/v3\/apis\/discovery\.k8s\.io\/v1\?hash=/,
        ],
      },
      {
        args: ['get', '--raw', '/openapi/v2'],
        out: [/^\{"swagger":"2\.0"/, /"io\.k8s\.api\.apps\.v1\.Deployment":\{/],
      },
      // kubectl asks /openapi/v2 as gnostic protobuf: explain's v2 output parses it.
      {
        args: ['explain', 'deploy.spec.replicas', '--output', 'plaintext-openapiv2'],
        out: [/^KIND:\s+Deployment\nVERSION:\s+apps\/v1\n\nFIELD:\s+replicas <integer>/, /Number of desired pods/],
      },
    ]);
  });

  it('applies with the patch strategies of the served v2 schema: removed list items go, merged ones merge', async () => {
    const manifest = (containers: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: applied, namespace: default}
spec:
  selector: {matchLabels: {app: applied}}
  template:
    metadata: {labels: {app: applied}}
    spec:
      containers:
${containers}`;
    const first = await file(
      'applied-1.yaml',
      manifest(`      - name: a
        image: nginx:1.25
        env: [{name: KEEP, value: "1"}, {name: DROP, value: "2"}]
        ports: [{containerPort: 80}, {containerPort: 81}]
      - name: b
        image: busybox:1.36
`),
    );
    const second = await file(
      'applied-2.yaml',
      manifest(`      - name: a
        image: nginx:1.26
        env: [{name: KEEP, value: "3"}]
        ports: [{containerPort: 81}]
`),
    );
    await check([
      { args: ['apply', '-f', first], out: [/deployment.apps\/applied created/] },
      { args: ['apply', '-f', second], out: [/deployment.apps\/applied configured/] },
      {
        args: [
          'get',
          'deploy',
          'applied',
          '-o',
          'jsonpath={range .spec.template.spec.containers[*]}{.name} {.image} {.env} {.ports[*].containerPort};{end}',
        ],
        out: [/^a nginx:1\.26 \[\{"name":"KEEP","value":"3"\}\] 81;$/],
      },
    ]);
  });

  it('pulls only what the registry has: a typo goes ErrImagePull, then ImagePullBackOff', async () => {
    await check([
      {
        args: ['create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=2'],
        out: [/deployment.apps\/web created/],
      },
      { args: ['expose', 'deployment', 'web', '--port=80'], out: [/service\/web exposed/] },
      { args: ['rollout', 'status', 'deployment/web', '--timeout=60s'], out: [/successfully rolled out/] },
    ]);
    await eventually(['get', 'ep', 'web'], /web\s+10\.244\.\d+\.\d+:80,10\.244\.\d+\.\d+:80\s/);
    await check([{ args: ['set', 'image', 'deployment/web', 'nginx=ngnix:1.99'], out: [/image updated/] }]);
    await eventually(['get', 'pods', '-l', 'app=web'], /web-\S+\s+0\/1\s+(ErrImagePull|ImagePullBackOff)/);
    const ref = 'docker.io/library/ngnix:1.99';
    const described = await eventually(['describe', 'pods', '-l', 'app=web'], /Back-off pulling image "ngnix:1.99"/);
    expect(described).to.contain(
      `Failed to pull image "ngnix:1.99": rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`,
    );
    // The old pods keep serving: the Service still has both.
    await check([{ args: ['get', 'ep', 'web'], out: [/web\s+10\.244\.\d+\.\d+:80,10\.244\.\d+\.\d+:80\s/] }]);
  });

  it("refuses invalid requests with kube-apiserver's words", async () => {
    const deploy = (name: string, extra: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: default}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
${extra}      containers: [{name: app, image: nginx:1.25}]
`;
    const neverFile = await file('never.yaml', deploy('never', '      restartPolicy: Never\n'));
    const unknownFile = await file(
      'unknown.yaml',
      deploy('strict', '      foo: bar\n').replace('spec:\n  selector', 'spec:\n  bogus: 1\n  selector'),
    );
    const wrongTypeFile = await file(
      'wrong-type.yaml',
      deploy('typed', '').replace('spec:\n  selector', 'spec:\n  replicas: "3"\n  selector'),
    );
    const labelFile = await file(
      'label.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: labelled, namespace: default, labels: {tier: "bad value!"}}\n',
    );
    const negFile = await file(
      'neg.yaml',
      `apiVersion: v1
kind: Pod
metadata: {name: neg, namespace: default}
spec:
  containers:
  - name: app
    image: nginx:1.25
    resources: {requests: {memory: "-1Gi"}}
    ports: [{containerPort: 70000}]
`,
    );
    await check([
      {
        args: ['run', 'sometimes', '--image=nginx:1.25', '--overrides={"spec":{"restartPolicy":"Sometimes"}}'],
        exit: 1,
        err: 'The Pod "sometimes" is invalid: spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      },
      {
        args: ['apply', '-f', neverFile],
        exit: 1,
        err: 'The Deployment "never" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
      },
      {
        args: ['create', 'configmap', 'Bad_Name', '--from-literal=a=b'],
        exit: 1,
        // kubectl create's own wording around the server's message.
        err: `error: failed to create configmap: ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${RFC1123}`,
      },
      {
        args: ['apply', '-f', labelFile],
        exit: 1,
        err: `The ConfigMap "labelled" is invalid: metadata.labels: Invalid value: "bad value!": ${LABEL_VALUE}`,
      },
      {
        args: ['apply', '-f', negFile],
        exit: 1,
        err: `The Pod "neg" is invalid: \n* spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive\n* spec.containers[0].resources.requests[memory]: Invalid value: "-1Gi": must be greater than or equal to 0`,
      },
      {
        args: ['apply', '-f', unknownFile],
        exit: 1,
        err: `Error from server (BadRequest): error when creating "${unknownFile}": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.bogus", unknown field "spec.template.spec.foo"`,
      },
      {
        args: ['apply', '-f', wrongTypeFile],
        exit: 1,
        err: `Error from server (BadRequest): error when creating "${wrongTypeFile}": Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`,
      },
      {
        args: ['create', '-f', unknownFile, '--validate=warn'],
        out: [/deployment.apps\/strict created/],
        err: 'Warning: unknown field "spec.bogus"\nWarning: unknown field "spec.template.spec.foo"',
      },
      {
        args: [
          'patch',
          'deploy',
          '-n',
          'gateway-system',
          'gateway-proxy',
          '-p',
          '{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}',
        ],
        exit: 1,
        err: 'The Deployment "gateway-proxy" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"other"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
      },
      {
        args: ['patch', 'sts', '-n', 'monitoring', 'prometheus', '-p', '{"spec":{"serviceName":"other"}}'],
        exit: 1,
        err: "The StatefulSet \"prometheus\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      },
      {
        args: ['patch', 'svc', '-n', 'gateway-system', 'gateway-proxy', '-p', '{"spec":{"clusterIP":"10.96.99.99"}}'],
        exit: 1,
        err: 'The Service "gateway-proxy" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.99.99"}: may not change once set',
      },
      {
        args: ['patch', 'svc', '-n', 'gateway-system', 'gateway-proxy', '-p', '{"spec":{"type":"Balanced"}}'],
        exit: 1,
        err: 'The Service "gateway-proxy" is invalid: spec.type: Unsupported value: "Balanced": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
      },
    ]);
    const pod = (await s.kubectl('get', 'pods', '-n', 'gateway-system', '-o', 'jsonpath={.items[0].metadata.name}'))
      .stdout;
    await check([
      {
        args: ['patch', 'pod', '-n', 'gateway-system', pod, '-p', '{"spec":{"hostname":"renamed"}}'],
        exit: 1,
        err: [
          new RegExp(
            `^The Pod "${pod}" is invalid: spec: Forbidden: pod updates may not change fields other than \`spec.containers\\[\\*\\].image\`,\`spec.initContainers\\[\\*\\].image\`,\`spec.activeDeadlineSeconds\`,\`spec.tolerations\` \\(only additions to existing tolerations\\),\`spec.terminationGracePeriodSeconds\` \\(allow it to be set to 1 if it was previously negative\\)\n`,
          ),
        ],
      },
      {
        args: ['patch', 'pod', '-n', 'gateway-system', pod, '-p', '{"spec":{"activeDeadlineSeconds":600}}'],
        out: [/patched/],
      },
    ]);
  });

  it('serves the same through client-node: typed lists, a watch, and the 422 Status', async () => {
    const kc: KubeConfig = s.sim.kubeConfig(s.cluster);
    const slices = await kc.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({
      namespace: 'gateway-system',
      labelSelector: 'kubernetes.io/service-name=gateway-proxy',
    });
    expect(slices.items).to.have.length(1);
    expect(slices.items[0]!.endpoints.filter((e) => e.conditions?.ready)).to.have.length(2);
    const ep = await kc.makeApiClient(CoreV1Api).readNamespacedEndpoints({ name: 'kubernetes', namespace: 'default' });
    expect(ep.subsets?.[0]?.ports?.[0]).to.deep.include({ name: 'https', port: 6443 });

    const seen: string[] = [];
    const req = await new Watch(kc).watch(
      '/apis/discovery.k8s.io/v1/namespaces/monitoring/endpointslices',
      { labelSelector: 'kubernetes.io/service-name=alertmanager' },
      (type: string, obj: { endpoints?: unknown[] }) => seen.push(`${type} ${(obj.endpoints ?? []).length}`),
      () => undefined,
    );
    try {
      await kc.makeApiClient(AppsV1Api).patchNamespacedDeploymentScale({
        name: 'alertmanager',
        namespace: 'monitoring',
        body: [{ op: 'replace', path: '/spec/replicas', value: 0 }],
      });
      const deadline = Date.now() + 30_000;
      while (!seen.includes('MODIFIED 0') && Date.now() < deadline) await new Promise((d) => setTimeout(d, 100));
      expect(seen[0]).to.equal('ADDED 1');
      expect(seen).to.include('MODIFIED 0');
    } finally {
      req.abort();
    }

    const res = await s.request('POST', '/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'neg' },
      spec: {
        replicas: -1,
        selector: { matchLabels: { app: 'neg' } },
        template: {
          metadata: { labels: { app: 'neg' } },
          spec: { containers: [{ name: 'a', image: 'nginx:1.25' }] },
        },
      },
    });
    expect(res.status).to.equal(422);
    expect(res.body).to.deep.equal({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Deployment.apps "neg" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      reason: 'Invalid',
      details: {
        name: 'neg',
        group: 'apps',
        kind: 'Deployment',
        causes: [
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: -1: must be greater than or equal to 0',
            field: 'spec.replicas',
          },
        ],
      },
      code: 422,
    });
  });
});
