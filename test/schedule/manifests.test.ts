import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { loadExperiments } from '../../src/experiment/load.js';
import { InvalidInputError } from '../../src/errors.js';
import { checkManifest, checkManifests } from '../../src/schedule/k8s-schema.js';
import { buildManifests, renderManifests, type ScheduleOptions } from '../../src/schedule/manifests.js';
import { CronSyntaxError } from '../../src/schedule/cron.js';
import { IN_CLUSTER_PROFILE_TEXT, experiment, hostCrash, scaleOnly } from './experiments.js';

type Doc = Record<string, unknown>;

/** The value at a path of keys and indexes, or undefined. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const k of path) v = (v as Record<string | number, unknown> | undefined)?.[k];
  return v;
}

const list = (value: unknown): Doc[] => (Array.isArray(value) ? (value as Doc[]) : []);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** Sets (or with `undefined`, deletes) the value at a path, for breaking a manifest on purpose. */
function put(value: unknown, path: (string | number)[], v: unknown): void {
  const parent = at(value, ...path.slice(0, -1)) as Record<string | number, unknown>;
  const key = path[path.length - 1] as string | number;
  if (v === undefined) delete parent[key];
  else parent[key] = v;
}

const BASE: ScheduleOptions = {
  cron: '0 3 * * 1',
  namespace: 'gameday',
  image: 'gameday:0.1.0',
  target: 'lab',
  results: 'pvc',
  labProfile: { file: 'lab.json', text: IN_CLUSTER_PROFILE_TEXT },
};

function parsed(options: Partial<ScheduleOptions> = {}, experiments = [hostCrash, scaleOnly]): Doc[] {
  const yaml = renderManifests(buildManifests(experiments, { ...BASE, ...options }).docs);
  const docs = parseAllDocuments(yaml);
  for (const d of docs) expect(d.errors, 'YAML errors').to.deep.equal([]);
  return docs.map((d) => d.toJS() as Doc);
}

const byKind = (docs: Doc[], kind: string): Doc[] => docs.filter((d) => at(d, 'kind') === kind);
const one = (docs: Doc[], kind: string): Doc => {
  const found = byKind(docs, kind);
  expect(found, kind).to.have.length(1);
  return at(found, 0) as Doc;
};

describe('schedule manifests', () => {
  it('parse as multi-document YAML with the kinds and API versions to run drills in-cluster, Namespace first', () => {
    const docs = parsed();
    expect(docs.map((d) => `${String(at(d, 'apiVersion'))} ${String(at(d, 'kind'))}`)).to.deep.equal([
      'v1 Namespace',
      'v1 ServiceAccount',
      'rbac.authorization.k8s.io/v1 ClusterRole',
      'rbac.authorization.k8s.io/v1 ClusterRoleBinding',
      'rbac.authorization.k8s.io/v1 Role',
      'rbac.authorization.k8s.io/v1 RoleBinding',
      'rbac.authorization.k8s.io/v1 Role',
      'rbac.authorization.k8s.io/v1 RoleBinding',
      'v1 ConfigMap',
      'v1 PersistentVolumeClaim',
      'batch/v1 CronJob',
    ]);
    expect(checkManifests(docs)).to.deep.equal([]);
  });

  it('runs the experiments from the ConfigMap on the schedule, one at a time, never retried, as a non-root user', () => {
    const docs = parsed();
    const cron = one(docs, 'CronJob');
    expect(at(cron, 'metadata')).to.include({ name: 'gameday', namespace: 'gameday' });
    expect(at(cron, 'spec')).to.include({
      schedule: '0 3 * * 1',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 600,
      successfulJobsHistoryLimit: 3,
    });
    const job = at(cron, 'spec', 'jobTemplate', 'spec');
    expect(at(job, 'backoffLimit')).to.equal(0);
    const pod = at(job, 'template', 'spec');
    expect(pod).to.include({
      serviceAccountName: 'gameday',
      restartPolicy: 'Never',
      automountServiceAccountToken: true,
    });
    expect(at(pod, 'securityContext')).to.include({ runAsNonRoot: true, runAsUser: 1000 });
    const container = at(pod, 'containers', 0);
    expect(at(container, 'image')).to.equal('gameday:0.1.0');
    expect(at(container, 'securityContext')).to.include({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    expect(at(container, 'resources')).to.deep.equal({
      requests: { cpu: '250m', memory: '256Mi' },
      limits: { cpu: '1', memory: '1Gi' },
    });
    const args = strings(at(container, 'args'));
    expect(args.slice(0, 3)).to.deep.equal([
      'run',
      '/experiments/d1-host-crash.json',
      '/experiments/d11-gateway-scaled-down.json',
    ]);
    expect(args.join(' '))
      .to.contain('--target lab')
      .and.contain('--results-dir /results')
      .and.contain('--baseline /results')
      .and.contain('--journal-dir /results/.journal');
    const mounts = Object.fromEntries(
      list(at(container, 'volumeMounts')).map((m): [string, unknown] => [String(at(m, 'name')), at(m, 'mountPath')]),
    );
    expect(mounts).to.deep.equal({ experiments: '/experiments', results: '/results', work: '/work' });
    const volumes = Object.fromEntries(
      list(at(pod, 'volumes')).map((v): [string, unknown] => [String(at(v, 'name')), v]),
    );
    expect(at(volumes, 'experiments', 'configMap', 'name')).to.equal('gameday-experiments');
    expect(at(volumes, 'results', 'persistentVolumeClaim', 'claimName')).to.equal('gameday-results');
    expect(one(docs, 'PersistentVolumeClaim')['spec']).to.deep.equal({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
    });
  });

  it('writes every document in full, without YAML anchors and aliases that some tools mishandle', () => {
    const yaml = renderManifests(buildManifests([hostCrash, scaleOnly], BASE).docs);
    expect(yaml).to.not.match(/(^|[\s:-])[&*][A-Za-z0-9_]+\s*$/m);
    expect(yaml.match(/^---$/gm)).to.have.length(10);
  });

  it('ships each experiment in the ConfigMap as the JSON the loader reads', () => {
    const data = at(one(parsed(), 'ConfigMap'), 'data');
    expect(Object.keys(data as object)).to.deep.equal([
      'd1-host-crash.json',
      'd11-gateway-scaled-down.json',
      '_lab-profile.json',
    ]);
    expect(JSON.parse(String(at(data, 'd1-host-crash.json')))).to.deep.equal(hostCrash.experiment);
  });

  it('binds the derived ClusterRole and Roles to the ServiceAccount: nodes patch for the node drill, not for the scale drill', () => {
    const node = parsed({}, [hostCrash]);
    const nodeRole = one(node, 'ClusterRole');
    expect(at(nodeRole, 'metadata', 'name')).to.equal('gameday-gameday');
    expect(at(nodeRole, 'rules')).to.deep.equal([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] },
    ]);
    const binding = one(node, 'ClusterRoleBinding');
    expect(at(binding, 'roleRef')).to.deep.equal({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'gameday-gameday',
    });
    expect(at(binding, 'subjects')).to.deep.equal([{ kind: 'ServiceAccount', name: 'gameday', namespace: 'gameday' }]);

    const scale = parsed({}, [scaleOnly]);
    const clusterRules = list(at(one(scale, 'ClusterRole'), 'rules'));
    expect(clusterRules.some((r) => strings(at(r, 'resources')).includes('nodes'))).to.equal(false);
    const roles = byKind(scale, 'Role');
    // The drill's Lease lives in kube-system; the Deployment's rights where it lives.
    expect(roles.map((r) => at(r, 'metadata', 'namespace'))).to.deep.equal(['gateway-system', 'kube-system']);
    const role = roles[0]!;
    expect(at(role, 'metadata')).to.include({ name: 'gameday-gameday', namespace: 'gateway-system' });
    expect(at(role, 'rules')).to.deep.equal([
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
      { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['patch'] },
    ]);
    expect(byKind(scale, 'RoleBinding').map((r) => at(r, 'metadata', 'namespace'))).to.deep.equal([
      'gateway-system',
      'kube-system',
    ]);
  });

  it('creates the namespaces plugins keep their own objects in, so that their Roles apply', () => {
    const exp = experiment('d3-memory', {
      faults: [{ type: 'fill-node-memory', namespace: 'ballast' }],
      verify: [{ type: 'no-notready-nodes' }],
    });
    const docs = parsed({}, [exp]);
    expect(byKind(docs, 'Namespace').map((d) => at(d, 'metadata', 'name'))).to.deep.equal(['gameday', 'ballast']);
    expect(byKind(docs, 'Role').map((r) => at(r, 'metadata', 'namespace'))).to.deep.equal(['ballast', 'kube-system']);
  });

  it('gives the simulator target no API access and no token: the drill runs inside the pod', () => {
    const built = buildManifests([hostCrash], { ...BASE, target: 'sim' });
    const kinds = built.docs.map((d) => at(d, 'kind'));
    expect(kinds).to.not.include('ClusterRole');
    expect(kinds).to.not.include('Role');
    const sa = built.docs.find((d) => at(d, 'kind') === 'ServiceAccount');
    expect(sa?.['automountServiceAccountToken']).to.equal(false);
    expect(built.notes[0]).to.match(/^target sim: the drills run on the simulator inside the pod/);
  });

  it('keeps results in a ConfigMap when asked, with rights to that one ConfigMap only', () => {
    const docs = parsed({ results: 'configmap', target: 'sim' }, [hostCrash]);
    expect(byKind(docs, 'PersistentVolumeClaim')).to.deep.equal([]);
    const results = byKind(docs, 'ConfigMap').find((d) => at(d, 'metadata', 'name') === 'gameday-results');
    expect(results?.['data']).to.deep.equal({});
    const role = one(docs, 'Role');
    expect(at(role, 'rules')).to.deep.equal([
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['gameday-results'], verbs: ['get', 'update'] },
    ]);
    const args = strings(
      at(one(docs, 'CronJob'), 'spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 0, 'args'),
    );
    expect(args.join(' ')).to.contain('--results-configmap gameday/gameday-results').and.not.contain('--baseline');
    expect(checkManifests(docs)).to.deep.equal([]);
  });

  it('passes the time zone, Pushgateway and lab profile through to the CronJob', () => {
    const built = buildManifests([hostCrash], {
      ...BASE,
      timeZone: 'Asia/Shanghai',
      pushgateway: 'http://pushgateway.monitoring:9091',
      cluster: 'qingzhou-business',
      secret: 'gameday-ssh',
    });
    const cron = built.docs.find((d) => at(d, 'kind') === 'CronJob') as Doc;
    expect(at(cron, 'spec', 'timeZone')).to.equal('Asia/Shanghai');
    const args = strings(at(cron, 'spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 0, 'args'));
    expect(args.join(' '))
      .to.contain('--pushgateway http://pushgateway.monitoring:9091 --instance qingzhou-business')
      .and.contain('--profile /experiments/_lab-profile.json');
    expect(checkManifests(built.docs)).to.deep.equal([]);
  });

  it('refuses a bad cron schedule, naming the field', () => {
    expect(() => buildManifests([hostCrash], { ...BASE, cron: '0 25 * * 1' })).to.throw(
      CronSyntaxError,
      'hour field "25" has 25, outside 0-23',
    );
  });

  it('refuses names Kubernetes would refuse, before anything is applied', () => {
    expect(() => buildManifests([hostCrash], { ...BASE, namespace: 'Game_Day' })).to.throw(
      InvalidInputError,
      '--namespace "Game_Day"',
    );
    expect(() => buildManifests([hostCrash], { ...BASE, name: 'x'.repeat(53) })).to.throw(
      InvalidInputError,
      'at most 52 characters',
    );
    expect(() => buildManifests([hostCrash], { ...BASE, image: '' })).to.throw(
      InvalidInputError,
      'is not an image reference',
    );
    expect(() => buildManifests([], BASE)).to.throw(InvalidInputError, 'No experiments to schedule.');
  });
});

describe('schedule manifests for the drill catalogue', () => {
  const catalogue = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../experiments');

  it('match the Kubernetes schemas, with a row in the RBAC table for every type the catalogue uses', async function () {
    const files = (await fsp.readdir(catalogue).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
    if (files.length === 0) {
      console.log('      (experiments/ holds no experiments yet)');
      this.skip();
    }
    const loaded = await loadExperiments([catalogue]);
    for (const target of ['lab', 'sim'] as const) {
      const built = buildManifests(loaded, { ...BASE, target });
      expect(built.unknownTypes, target).to.deep.equal([]);
      expect(checkManifests(built.docs), target).to.deep.equal([]);
      const docs = parseAllDocuments(renderManifests(built.docs)).map((d) => d.toJS() as Doc);
      // Every drill is either in the job or left out with its reason.
      expect(built.scheduled.length + built.notes.filter((n) => n.startsWith('leaving out ')).length).to.equal(
        files.length,
      );
      expect(
        strings(
          at(one(docs, 'CronJob'), 'spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 0, 'args'),
        ).filter((a) => a.startsWith('/experiments/') && !a.endsWith('/_lab-profile.json')),
      ).to.have.length(built.scheduled.length);
    }
  });
});

describe('Kubernetes structural check of the manifests', () => {
  const valid = (): Doc =>
    structuredClone(buildManifests([hostCrash], BASE).docs.find((d) => at(d, 'kind') === 'CronJob') as Doc);

  it('finds a missing required field, naming where', () => {
    const cron = valid();
    put(cron, ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 0, 'name'], undefined);
    expect(checkManifest(cron)).to.deep.equal([
      'CronJob gameday: /spec/jobTemplate/spec/template/spec/containers/0: missing required field "name"',
    ]);
  });

  it('finds a misspelt field, as kubectl strict validation does', () => {
    const cron = valid();
    put(cron, ['spec', 'concurrencyPolicyy'], 'Forbid');
    expect(checkManifest(cron)).to.deep.equal(['CronJob gameday: /spec: unknown field "concurrencyPolicyy"']);
  });

  it('finds wrong types, values outside an enum, and bad quantities', () => {
    const cron = valid();
    put(cron, ['spec', 'startingDeadlineSeconds'], '600');
    put(cron, ['spec', 'concurrencyPolicy'], 'Never');
    put(cron, ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'restartPolicy'], 'Always');
    put(
      cron,
      ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 0, 'resources', 'limits', 'memory'],
      'one gig',
    );
    expect(checkManifest(cron)).to.have.members([
      'CronJob gameday: /spec/startingDeadlineSeconds: must be integer',
      'CronJob gameday: /spec/concurrencyPolicy: must be one of "Allow", "Forbid", "Replace"',
      'CronJob gameday: /spec/jobTemplate/spec/template/spec/restartPolicy: must be one of "Never", "OnFailure"',
      'CronJob gameday: /spec/jobTemplate/spec/template/spec/containers/0/resources/limits/memory: must match pattern "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"',
    ]);
  });

  it('refuses a CronJob name too long for its Jobs, a ClusterRoleBinding without roleRef and an unknown kind', () => {
    const cron = valid();
    put(cron, ['metadata', 'name'], 'a'.repeat(53));
    expect(checkManifest(cron)[0]).to.equal(
      'CronJob aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: /metadata/name: must NOT have more than 52 characters',
    );
    const binding = structuredClone(
      buildManifests([hostCrash], BASE).docs.find((d) => at(d, 'kind') === 'ClusterRoleBinding') as Doc,
    );
    put(binding, ['roleRef'], undefined);
    expect(checkManifest(binding)).to.deep.equal([
      'ClusterRoleBinding gameday-gameday: (top): missing required field "roleRef"',
    ]);
    expect(checkManifest({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } })).to.deep.equal([
      'Pod x: no schema for apiVersion v1 kind Pod',
    ]);
  });
});
