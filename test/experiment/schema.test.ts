import { expect } from 'chai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import { buildExperimentSchema, type PluginInfo, type Registries } from '../../src/experiment/schema.js';
import { defaultRegistries } from '../../src/experiment/registries.js';
import { DURATION_PATTERN } from '../../src/kit/duration.js';
import { fixtureRegistries } from './fixture-plugins.js';

type Schema = Record<string, unknown>;

/** Every `properties` entry anywhere in the schema, as "where.name". */
function properties(node: unknown, where = '#'): { where: string; schema: Schema }[] {
  if (node === null || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap((n, i) => properties(n, `${where}/${i}`));
  const found: { where: string; schema: Schema }[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && value && typeof value === 'object') {
      for (const [name, schema] of Object.entries(value as Record<string, Schema>))
        found.push({ where: `${where}.${name}`, schema });
    }
    found.push(...properties(value, `${where}/${key}`));
  }
  return found;
}

/** Properties inside `if` only select a branch; editors never show them. */
function shownProperties(schema: Schema): { where: string; schema: Schema }[] {
  return properties(schema).filter((p) => !/\/if[./]/.test(p.where));
}

function strictAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  (ajvFormats as unknown as { default: (a: Ajv2020) => void }).default(ajv);
  return ajv;
}

const defs = (schema: Schema): Record<string, Schema> => schema['$defs'] as Record<string, Schema>;

describe('buildExperimentSchema', () => {
  const schema = buildExperimentSchema(fixtureRegistries);

  it('is a 2020-12 schema with an $id and a title that compiles in ajv strict mode', () => {
    expect(schema['$schema']).to.equal('https://json-schema.org/draft/2020-12/schema');
    expect(schema['$id']).to.be.a('string');
    expect(schema['title']).to.be.a('string');
    expect(() => strictAjv().compile(schema)).not.to.throw();
  });

  it('gives every property a description, so editors can show it', () => {
    const missing = shownProperties(schema).filter((p) => typeof p.schema['description'] !== 'string');
    expect(missing.map((p) => p.where)).to.deep.equal([]);
  });

  it("merges a fault's own params with the common fault fields and allows nothing else", () => {
    const fault = defs(schema)['fault.stop-kubelet'] as Schema;
    expect(fault['additionalProperties']).to.equal(false);
    expect(Object.keys(fault['properties'] as Schema)).to.deep.equal(['type', 'cluster', 'name', 'after', 'nodes']);
    expect(fault['required']).to.deep.equal(['type', 'nodes']);
    expect((fault['properties'] as Record<string, Schema>)['type']).to.deep.equal({
      const: 'stop-kubelet',
      description: 'Stops kubelet on the chosen nodes.',
    });
  });

  it('gives steps "continueOnError" and probes "timeout" and "interval" as durations', () => {
    const step = (defs(schema)['step.cordon-node'] as Schema)['properties'] as Record<string, Schema>;
    expect(step['continueOnError']?.['type']).to.equal('boolean');
    const probe = (defs(schema)['probe.nodes-ready'] as Schema)['properties'] as Record<string, Schema>;
    expect(probe['timeout']?.['$ref']).to.equal('#/$defs/duration');
    // The interval is a duration of its own, which the validator gives a minimum.
    expect(probe['interval']?.['$ref']).to.equal('#/$defs/interval');
    expect(defs(schema)['duration']?.['pattern']).to.equal(DURATION_PATTERN);
    expect(defs(schema)['interval']?.['pattern']).to.equal(DURATION_PATTERN);
  });

  it('gives every probe, and only probes, the common "expect" (false: expected to fail)', () => {
    const probe = (defs(schema)['probe.nodes-ready'] as Schema)['properties'] as Record<string, Schema>;
    expect(probe['expect']?.['type']).to.equal('boolean');
    const step = (defs(schema)['step.cordon-node'] as Schema)['properties'] as Record<string, Schema>;
    expect(step).to.not.have.property('expect');
  });

  it('dispatches items on "type" with if/then, one branch per plugin', () => {
    const allOf = (defs(schema)['fault'] as Schema)['allOf'] as Schema[];
    expect(allOf).to.have.length(3);
    expect(allOf[0]).to.deep.equal({
      if: { type: 'object', properties: { type: { const: 'kill-etcd-members' } }, required: ['type'] },
      then: { $ref: '#/$defs/fault.kill-etcd-members' },
    });
  });

  it('accepts a "$schema" property for editors', () => {
    expect((schema['properties'] as Schema)['$schema']).to.include({ type: 'string' });
  });

  it("hoists a plugin's own $defs and rewrites its references to them", () => {
    const withDefs: Registries = {
      ...fixtureRegistries,
      probes: {
        'pod-phase': {
          name: 'pod-phase',
          summary: 'A pod is in a phase.',
          params: {
            type: 'object',
            properties: { phase: { $ref: '#/$defs/phase', description: 'The phase.' } },
            $defs: { phase: { enum: ['Pending', 'Running'] } },
          },
        },
      },
    };
    const built = buildExperimentSchema(withDefs);
    expect(defs(built)['probe.pod-phase.phase']).to.deep.equal({ enum: ['Pending', 'Running'] });
    const props = (defs(built)['probe.pod-phase'] as Schema)['properties'] as Record<string, Schema>;
    expect(props['phase']?.['$ref']).to.equal('#/$defs/probe.pod-phase.phase');
    expect(() => strictAjv().compile(built)).not.to.throw();
  });

  it('refuses a plugin that declares a "type" parameter or is registered under another name', () => {
    const bad = (plugin: PluginInfo): Registries => ({ ...fixtureRegistries, faults: { 'stop-kubelet': plugin } });
    const typeParam = {
      name: 'stop-kubelet',
      summary: 's',
      params: { type: 'object', properties: { type: { type: 'string' } } },
    };
    expect(() => buildExperimentSchema(bad(typeParam))).to.throw(/parameter named "type"/);
    expect(() => buildExperimentSchema(bad({ name: 'stop-kubelets', summary: 's', params: {} }))).to.throw(
      /registered under a different name/,
    );
  });

  it('refuses a parameter declared only inside a subschema, which "additionalProperties": false would reject', () => {
    const params = {
      type: 'object',
      properties: { node: { type: 'string', description: 'A node.' } },
      oneOf: [{ required: ['node'] }, { properties: { selector: { type: 'string' } }, required: ['selector'] }],
    };
    expect(() =>
      buildExperimentSchema({
        ...fixtureRegistries,
        faults: { 'stop-kubelet': { name: 'stop-kubelet', summary: 's', params } },
      }),
    ).to.throw(/declares parameter "selector" only inside a subschema/);
    const declared = {
      ...params,
      properties: { ...params.properties, selector: { type: 'string', description: 'A selector.' } },
    };
    expect(() =>
      buildExperimentSchema({
        ...fixtureRegistries,
        faults: { 'stop-kubelet': { name: 'stop-kubelet', summary: 's', params: declared } },
      }),
    ).not.to.throw();
  });

  it('still builds with empty registries', () => {
    const empty = buildExperimentSchema({ faults: {}, recoverySteps: {}, probes: {} });
    expect(() => strictAjv().compile(empty)).not.to.throw();
  });
});

describe('the schema of the registered plugins', () => {
  const schema = buildExperimentSchema(defaultRegistries);

  it('compiles in ajv strict mode, so every plugin params schema is well-formed', () => {
    expect(() => strictAjv().compile(schema)).not.to.throw();
  });

  it('describes every property, including every plugin parameter', () => {
    const missing = shownProperties(schema).filter((p) => typeof p.schema['description'] !== 'string');
    expect(
      missing.map((p) => p.where),
      'properties without a description',
    ).to.deep.equal([]);
  });
});
