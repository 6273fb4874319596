import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JsonSchema } from '../../src/kit/plugin.js';
import { validateExperiment } from '../../src/experiment/validate.js';

interface Plugin {
  name: string;
  summary: string;
  params: JsonSchema;
  describe(p: Record<string, unknown>): string;
}

/** Parameters that satisfy each plugin's required fields, for describe() and the schema round trip. */
export const SAMPLE_PARAMS: Record<string, unknown> = {
  workload: { namespace: 'gateway-system', kind: 'Deployment', name: 'gateway-proxy' },
  component: 'kube-scheduler',
  service: 'kubelet',
  resource: 'memory',
  replicas: 2,
  duration: '5m',
  reason: 'CrashLoopBackOff',
  path: '/readyz',
  namespace: 'container-service',
  manifest: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'mysql-config', namespace: 'container-service' },
    data: {},
  },
};

function required(schema: JsonSchema): string[] {
  return Array.isArray(schema['required']) ? (schema['required'] as string[]) : [];
}

/** Every object schema refuses unknown keys and every property says what it is, down the tree. */
function checkSchema(where: string, schema: unknown, problems: string[]): void {
  if (Array.isArray(schema)) {
    schema.forEach((s, i) => checkSchema(`${where}[${i}]`, s, problems));
    return;
  }
  if (schema === null || typeof schema !== 'object') return;
  const s = schema as Record<string, unknown>;
  if (s['properties'] && typeof s['properties'] === 'object') {
    if (s['type'] === 'object' && s['additionalProperties'] !== false)
      problems.push(`${where}: object without "additionalProperties": false`);
    for (const [k, v] of Object.entries(s['properties'] as Record<string, unknown>)) {
      if (typeof (v as Record<string, unknown>)['description'] !== 'string')
        problems.push(`${where}.${k}: no description`);
      checkSchema(`${where}.${k}`, v, problems);
    }
  }
  for (const key of ['oneOf', 'anyOf', 'allOf', 'items']) if (s[key]) checkSchema(`${where}.${key}`, s[key], problems);
}

/**
 * The checks every plugin folder shares: each file is registered under its own name, the registry is in
 * alphabetical order, each params schema is described and closed, and an experiment using the plugin with
 * sample params validates against the composed experiment schema.
 */
export function registryChecks(
  folder: string,
  registry: Record<string, Plugin>,
  kind: 'fault' | 'step' | 'probe',
): void {
  const dir = fileURLToPath(new URL(`../../src/${folder}/`, import.meta.url));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
    .map((f) => f.slice(0, -3))
    .sort();

  it('registers every file of the folder under the file name', () => {
    const missing = files.filter((f) => !(f in registry));
    expect(missing, `src/${folder}/ files not in src/${folder}/index.ts`).to.deep.equal([]);
    expect(
      Object.keys(registry).filter((k) => !files.includes(k)),
      'registered names without a file of that name',
    ).to.deep.equal([]);
  });

  it('lists the plugins in alphabetical order, each named as its key', () => {
    expect(Object.keys(registry)).to.deep.equal([...Object.keys(registry)].sort());
    for (const [key, p] of Object.entries(registry)) expect(p.name, key).to.equal(key);
  });

  it('gives each plugin a one-sentence summary and a closed, described params schema', () => {
    const problems: string[] = [];
    for (const [key, p] of Object.entries(registry)) {
      if (!/^[A-Z].*[.)]$/.test(p.summary))
        problems.push(`${key}: summary should be a sentence: ${JSON.stringify(p.summary)}`);
      if (p.params['type'] !== 'object') problems.push(`${key}: params must be an object schema`);
      checkSchema(key, p.params, problems);
    }
    expect(problems).to.deep.equal([]);
  });

  it('describes each plugin in plain words with its required params', () => {
    for (const [key, p] of Object.entries(registry)) {
      const params = Object.fromEntries(required(p.params).map((r) => [r, SAMPLE_PARAMS[r]]));
      const text = p.describe(params);
      expect(text, key).to.be.a('string').and.have.length.above(10);
      expect(text, key).not.to.match(/undefined|\[object Object\]/);
    }
  });

  it('accepts each plugin with its required params in an experiment', () => {
    for (const [key, p] of Object.entries(registry)) {
      const item = { type: key, ...Object.fromEntries(required(p.params).map((r) => [r, SAMPLE_PARAMS[r]])) };
      if (key === 'http-ok') Object.assign(item, { path: '/readyz' });
      const exp = {
        id: 'sample',
        title: 'Sample',
        description: 'A sample experiment.',
        runbook: 'D1',
        faults: kind === 'fault' ? [item] : [{ type: 'stop-kubelet' }],
        recovery: { mode: 'automatic', steps: kind === 'step' ? [item] : [{ type: 'wait', duration: '1m' }] },
        verify: kind === 'probe' ? [item] : [{ type: 'no-notready-nodes' }],
      };
      const result = validateExperiment('sample.json', JSON.stringify(exp));
      expect(result.errors ?? [], key).to.deep.equal([]);
    }
  });
}
