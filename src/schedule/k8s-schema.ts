import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

/**
 * A structural check of the manifests `gameday schedule` writes, against the Kubernetes API schemas of
 * their kinds cut down to what matters before `kubectl apply`: the required fields, the types, the enums,
 * and the name rules the apiserver enforces (a CronJob name longer than 52 characters is refused because
 * its Jobs append 11). Objects list the fields they may hold, as kubectl's strict field validation does:
 * a misspelt field fails here instead of being dropped in the cluster. Source: the Kubernetes v1.32 OpenAPI
 * definitions (io.k8s.api.*) and API validation rules.
 */

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const bool: Schema = { type: 'boolean' };
const int32: Schema = { type: 'integer', minimum: -2147483648, maximum: 2147483647 };
const nonNegative: Schema = { type: 'integer', minimum: 0, maximum: 2147483647 };
const strings: Schema = { type: 'array', items: str };
const stringMap: Schema = { type: 'object', additionalProperties: str };
/** resource.Quantity as the OpenAPI pattern states it. */
const quantity: Schema = { type: 'string', pattern: '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' };
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

const object = (properties: Record<string, Schema>, required: string[] = []): Schema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

const labels: Schema = {
  type: 'object',
  propertyNames: { maxLength: 316, pattern: '^([a-z0-9.-]+/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$' },
  additionalProperties: { type: 'string', maxLength: 63, pattern: '^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$' },
};

function metadata(opts: { namespaced: boolean; name?: Schema }): Schema {
  const props: Record<string, Schema> = {
    name: opts.name ?? { type: 'string', maxLength: 253, pattern: DNS_SUBDOMAIN },
    labels,
    annotations: stringMap,
  };
  if (opts.namespaced) props['namespace'] = { type: 'string', maxLength: 63, pattern: DNS_LABEL };
  return object(props, opts.namespaced ? ['name', 'namespace'] : ['name']);
}

function kind(
  apiVersion: string,
  kindName: string,
  namespaced: boolean,
  body: Record<string, Schema>,
  required: string[] = [],
  name?: Schema,
): Schema {
  return object(
    {
      apiVersion: { const: apiVersion },
      kind: { const: kindName },
      metadata: metadata(name ? { namespaced, name } : { namespaced }),
      ...body,
    },
    ['apiVersion', 'kind', 'metadata', ...required],
  );
}

const policyRule = object(
  {
    apiGroups: strings,
    resources: strings,
    resourceNames: strings,
    nonResourceURLs: strings,
    verbs: { ...strings, minItems: 1 },
  },
  ['verbs'],
);
const roleRef = object({ apiGroup: str, kind: { enum: ['Role', 'ClusterRole'] }, name: str }, [
  'apiGroup',
  'kind',
  'name',
]);
const subject = object(
  { kind: { enum: ['ServiceAccount', 'User', 'Group'] }, name: str, namespace: str, apiGroup: str },
  ['kind', 'name'],
);

const resources = object({
  requests: { type: 'object', additionalProperties: quantity },
  limits: { type: 'object', additionalProperties: quantity },
});

const container = object(
  {
    name: { type: 'string', pattern: DNS_LABEL, maxLength: 63 },
    image: str,
    imagePullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] },
    command: strings,
    args: strings,
    workingDir: str,
    env: {
      type: 'array',
      items: object(
        {
          name: str,
          value: str,
          // The downward API: the pod learns its own node.
          valueFrom: object({ fieldRef: object({ fieldPath: str, apiVersion: str }, ['fieldPath']) }),
        },
        ['name'],
      ),
    },
    resources,
    securityContext: object({
      runAsNonRoot: bool,
      runAsUser: { type: 'integer', minimum: 0 },
      runAsGroup: { type: 'integer', minimum: 0 },
      allowPrivilegeEscalation: bool,
      readOnlyRootFilesystem: bool,
      capabilities: object({ add: strings, drop: strings }),
    }),
    volumeMounts: {
      type: 'array',
      items: object({ name: str, mountPath: str, readOnly: bool, subPath: str }, ['name', 'mountPath']),
    },
  },
  ['name'],
);

const volume = object(
  {
    name: { type: 'string', pattern: DNS_LABEL, maxLength: 63 },
    configMap: object({
      name: str,
      optional: bool,
      defaultMode: int32,
      items: { type: 'array', items: object({ key: str, path: str }, ['key', 'path']) },
    }),
    persistentVolumeClaim: object({ claimName: str, readOnly: bool }, ['claimName']),
    secret: object({ secretName: str, optional: bool, defaultMode: int32 }),
    emptyDir: object({ medium: str, sizeLimit: quantity }),
  },
  ['name'],
);

const podSpec = object(
  {
    containers: { type: 'array', items: container, minItems: 1 },
    initContainers: { type: 'array', items: container },
    // A Job's pods may not use Always: the Job would never finish.
    restartPolicy: { enum: ['Never', 'OnFailure'] },
    serviceAccountName: str,
    automountServiceAccountToken: bool,
    securityContext: object({
      runAsNonRoot: bool,
      runAsUser: { type: 'integer', minimum: 0 },
      runAsGroup: { type: 'integer', minimum: 0 },
      fsGroup: { type: 'integer', minimum: 0 },
      seccompProfile: object({ type: { enum: ['RuntimeDefault', 'Localhost', 'Unconfined'] }, localhostProfile: str }, [
        'type',
      ]),
    }),
    volumes: { type: 'array', items: volume },
    activeDeadlineSeconds: { type: 'integer', minimum: 1 },
  },
  ['containers'],
);

const jobSpec = object(
  {
    template: object({ metadata: object({ labels, annotations: stringMap }), spec: podSpec }, ['spec']),
    backoffLimit: nonNegative,
    activeDeadlineSeconds: { type: 'integer', minimum: 1 },
    ttlSecondsAfterFinished: nonNegative,
  },
  ['template'],
);

/** The kinds `gameday schedule` writes, by "apiVersion/kind". */
export const MANIFEST_SCHEMAS: Readonly<Record<string, Schema>> = {
  'v1/Namespace': kind('v1', 'Namespace', false, {}, [], { type: 'string', maxLength: 63, pattern: DNS_LABEL }),
  'v1/ServiceAccount': kind('v1', 'ServiceAccount', true, { automountServiceAccountToken: bool }),
  'rbac.authorization.k8s.io/v1/ClusterRole': kind('rbac.authorization.k8s.io/v1', 'ClusterRole', false, {
    rules: { type: 'array', items: policyRule },
  }),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': kind(
    'rbac.authorization.k8s.io/v1',
    'ClusterRoleBinding',
    false,
    { roleRef, subjects: { type: 'array', items: subject } },
    ['roleRef'],
  ),
  'rbac.authorization.k8s.io/v1/Role': kind('rbac.authorization.k8s.io/v1', 'Role', true, {
    rules: { type: 'array', items: policyRule },
  }),
  'rbac.authorization.k8s.io/v1/RoleBinding': kind(
    'rbac.authorization.k8s.io/v1',
    'RoleBinding',
    true,
    { roleRef, subjects: { type: 'array', items: subject } },
    ['roleRef'],
  ),
  'v1/ConfigMap': kind('v1', 'ConfigMap', true, {
    // Keys become file names in the volume: the apiserver allows only these characters.
    data: {
      type: 'object',
      propertyNames: { maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$' },
      additionalProperties: str,
    },
  }),
  'v1/PersistentVolumeClaim': kind(
    'v1',
    'PersistentVolumeClaim',
    true,
    {
      spec: object(
        {
          accessModes: {
            type: 'array',
            items: { enum: ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'] },
            minItems: 1,
          },
          resources: object({ requests: object({ storage: quantity }, ['storage']) }, ['requests']),
          storageClassName: str,
          volumeMode: { enum: ['Filesystem', 'Block'] },
        },
        ['accessModes', 'resources'],
      ),
    },
    ['spec'],
  ),
  'batch/v1/CronJob': kind(
    'batch/v1',
    'CronJob',
    true,
    {
      spec: object(
        {
          schedule: { type: 'string', minLength: 1 },
          timeZone: str,
          concurrencyPolicy: { enum: ['Allow', 'Forbid', 'Replace'] },
          startingDeadlineSeconds: { type: 'integer', minimum: 0 },
          successfulJobsHistoryLimit: nonNegative,
          failedJobsHistoryLimit: nonNegative,
          suspend: bool,
          jobTemplate: object({ metadata: object({ labels, annotations: stringMap }), spec: jobSpec }, ['spec']),
        },
        ['schedule', 'jobTemplate'],
      ),
    },
    ['spec'],
    // The controller names each Job <cronjob>-<11 characters>, within the 63 of a label value.
    { type: 'string', maxLength: 52, pattern: DNS_SUBDOMAIN },
  ),
};

let compiled: Map<string, ValidateFunction> | undefined;

function validators(): Map<string, ValidateFunction> {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  compiled = new Map(Object.entries(MANIFEST_SCHEMAS).map(([k, s]) => [k, ajv.compile(s)]));
  return compiled;
}

function describe(e: ErrorObject): string {
  const where = e.instancePath || '(top)';
  if (e.keyword === 'additionalProperties')
    return `${where}: unknown field "${String((e.params as { additionalProperty: string }).additionalProperty)}"`;
  if (e.keyword === 'required')
    return `${where}: missing required field "${String((e.params as { missingProperty: string }).missingProperty)}"`;
  if (e.keyword === 'enum')
    return `${where}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return `${where}: ${e.message ?? e.keyword}`;
}

/** Problems with one manifest, in words ("CronJob gameday: /spec/jobTemplate: missing required field ..."); empty when it is fine. */
export function checkManifest(doc: unknown): string[] {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return ['a manifest must be an object'];
  const o = doc as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
  const key = `${String(o.apiVersion)}/${String(o.kind)}`;
  const name = o.metadata?.name;
  const label = `${String(o.kind)} ${typeof name === 'string' ? name : '(unnamed)'}`;
  const validate = validators().get(key);
  if (!validate) return [`${label}: no schema for apiVersion ${String(o.apiVersion)} kind ${String(o.kind)}`];
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${label}: ${describe(e)}`);
}

export function checkManifests(docs: readonly unknown[]): string[] {
  return docs.flatMap((d) => checkManifest(d));
}
