import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

/**
 * The shape of a journal, as far as `gameday rollback` relies on it. Fields it does not read are allowed
 * (a newer gameday may add some); those it reads must be what it expects, so that a damaged or foreign file
 * is refused with the place that is wrong instead of failing half-way through a rollback.
 */
const strings = { type: 'array', items: { type: 'string' } };
const hostCall = {
  type: 'object',
  required: ['on', 'op', 'args'],
  properties: { on: { enum: ['nodes', 'etcd'] }, op: { type: 'string' }, args: { type: 'array' } },
};

export const JOURNAL_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['version', 'runId', 'experimentId', 'target', 'pid', 'state', 'faults'],
  properties: {
    version: { const: 1 },
    runId: { type: 'string', minLength: 1 },
    experimentId: { type: 'string' },
    experimentFile: { type: 'string' },
    target: {
      type: 'object',
      required: ['kind'],
      properties: {
        kind: { enum: ['sim', 'kind', 'lab'] },
        embedded: { type: 'boolean' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        kindCluster: { type: 'string' },
        labProfile: { type: 'string' },
      },
    },
    pid: { type: 'integer' },
    process: {
      type: 'object',
      required: ['pid'],
      properties: {
        pid: { type: 'integer' },
        startTime: { type: 'string' },
        bootId: { type: 'string' },
        script: { type: 'string' },
      },
    },
    state: { enum: ['running', 'rolled-back', 'rollback-incomplete'] },
    seq: { type: 'integer' },
    faults: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'type', 'cluster', 'params', 'plan', 'status'],
        properties: {
          index: { type: 'integer' },
          type: { type: 'string' },
          cluster: { type: 'string' },
          params: { type: 'object' },
          plan: {
            type: 'object',
            properties: { nodes: strings, members: strings, workloads: strings, data: { type: 'object' } },
          },
          status: { enum: ['planned', 'injecting', 'injected', 'reverted', 'revert-failed'] },
          error: { type: 'string' },
          seq: { type: 'integer' },
        },
      },
    },
    changes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['seq', 'by', 'cluster', 'call', 'key', 'status'],
        properties: {
          seq: { type: 'integer' },
          by: { type: 'string' },
          cluster: { type: 'string' },
          call: hostCall,
          undo: hostCall,
          key: { type: 'string' },
          status: { enum: ['doing', 'done', 'undone', 'undo-failed', 'superseded'] },
          error: { type: 'string' },
        },
      },
    },
    objects: {
      type: 'array',
      items: {
        type: 'object',
        required: ['cluster', 'resource', 'name', 'before', 'by'],
        properties: {
          cluster: { type: 'string' },
          resource: { type: 'string' },
          namespace: { type: 'string' },
          name: { type: 'string' },
          before: {
            oneOf: [
              { type: 'null' },
              { type: 'object', required: ['metadata'], properties: { metadata: { type: 'object' } } },
            ],
          },
          by: strings,
        },
      },
    },
    etcd: {
      type: 'object',
      additionalProperties: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' }, node: { type: 'string' } },
        },
      },
    },
    clusters: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { server: { type: 'string' }, kubeSystemUid: { type: 'string' } },
      },
    },
    manualRecovery: { type: 'string' },
    leases: {
      type: 'array',
      items: {
        type: 'object',
        required: ['cluster', 'namespace', 'name'],
        properties: { cluster: { type: 'string' }, namespace: { type: 'string' }, name: { type: 'string' } },
      },
    },
  },
};

let validator: ValidateFunction | undefined;

/** What is wrong with a parsed journal, one line per place ("/faults/0/status: expected one of ..."). */
export function checkJournal(data: unknown): string[] {
  validator ??= new Ajv2020({ allErrors: true, strict: false, logger: false }).compile(JOURNAL_SCHEMA);
  if (validator(data)) return [];
  const errors = validator.errors ?? [];
  // A `before` that fails oneOf reports each branch too: keep the summary.
  return errors
    .filter((e) => !errors.some((o) => o !== e && o.keyword === 'oneOf' && e.schemaPath.includes('/oneOf/')))
    .map((e) => `${e.instancePath || '/'}: expected ${expected(e)}`);
}

function expected(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `a property "${String(p['missingProperty'])}"`;
    case 'type':
      return /^[aeiou]/.test(String(p['type'])) ? `an ${String(p['type'])}` : `a ${String(p['type'])}`;
    case 'enum':
      return `one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return JSON.stringify(p['allowedValue']);
    case 'oneOf':
      return 'null (absent before the drill) or the object as it was';
    default:
      return e.message ?? e.keyword;
  }
}
