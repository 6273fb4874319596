import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import {
  PARAM_DOCS,
  SIM_PARAMS_SCHEMA_FILE,
  renderSimParamsSchema,
  simParamsSchema,
} from '../../../src/sim/param-docs.js';
import { DEFAULT_PARAMS } from '../../../src/sim/params.js';
import { UNITLESS, mergeParams, parseTopology } from '../../../src/sim/topology/load-topology.js';

type Props = Record<string, { description: string; default: unknown }>;

describe('the topology schema documents every simulator parameter (issue 18)', () => {
  it('schemas/sim-params.schema.json is what src/sim/param-docs.ts produces (run "npm run schema")', () => {
    expect(JSON.parse(readFileSync(SIM_PARAMS_SCHEMA_FILE, 'utf8'))).to.deep.equal(JSON.parse(renderSimParamsSchema()));
  });

  it('names every parameter the simulator takes, with its unit and its default', () => {
    const props = simParamsSchema()['properties'] as Props;
    expect(Object.keys(props).sort()).to.deep.equal(
      [...Object.keys(DEFAULT_PARAMS), 'schedulerPreemptionMessage'].sort(),
    );
    for (const [name, p] of Object.entries(props)) {
      expect(p.description, name).to.match(/ Unit: .+\. Default .+\.$/);
      expect(p.default, name).to.not.equal(undefined);
    }
    expect(props['nodeMonitorGracePeriod']).to.deep.include({ default: '40s' });
    expect(props['nodeStatusReportFrequency']).to.deep.include({ default: '5m' });
    expect(props['defaultTolerationSeconds']).to.deep.include({ default: 300 });
  });

  it('its defaults, read back as a topology would give them, are the simulator defaults', () => {
    const props = simParamsSchema()['properties'] as Props;
    const given = Object.fromEntries(Object.entries(props).map(([k, p]) => [k, p.default]));
    const { params, issues } = mergeParams(given);
    expect(issues).to.deep.equal([]);
    expect(params).to.deep.equal({ ...DEFAULT_PARAMS, schedulerPreemptionMessage: true });
  });

  it('agrees with the loader on which parameters are durations', () => {
    for (const [name, doc] of Object.entries(PARAM_DOCS)) {
      const numeric = typeof (DEFAULT_PARAMS as unknown as Record<string, unknown>)[name] === 'number';
      if (!numeric) continue;
      expect(doc.unit === 'duration', name).to.equal(!UNITLESS.has(name));
    }
  });

  it('a topology still names an unknown parameter with the known ones, and takes a known one', () => {
    const base = { clusters: [{ name: 'c', nodes: [{ name: 'n1', role: 'master' }] }] };
    expect(() => parseTopology(JSON.stringify({ ...base, params: { nodeMonitorGrace: '50s' } }), 't.json')).to.throw(
      /params\.nodeMonitorGrace: unknown parameter; known ones are "nodeStatusUpdateFrequency"/,
    );
    const loaded = parseTopology(JSON.stringify({ ...base, params: { nodeMonitorGracePeriod: '50s' } }), 't.json');
    expect(loaded.params.nodeMonitorGracePeriod).to.equal(50_000);
  });
});
