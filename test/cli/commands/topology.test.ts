import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runValidate } from '../../../src/cli/commands/validate.js';
import { exportedTopology } from '../../../src/cli/commands/topology.js';
import { documentKind } from '../../../src/cli/document-kind.js';
import { parseTopology } from '../../../src/sim/topology/load-topology.js';
import { defaultTopology } from '../../../src/sim/topology/default-topology.js';
import { DEFAULT_PARAMS } from '../../../src/sim/params.js';
import { topologyNotices } from '../../../src/targets/topology-notice.js';

async function validate(...paths: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runValidate(paths, (line) => lines.push(line));
  return { code, lines };
}

describe('topologies are first-class (issue 18)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-topology-'));

  it('topology export writes the default platform as a file that loads back as it is', () => {
    const text = exportedTopology(dir, false);
    const doc = JSON.parse(text) as Record<string, unknown>;
    expect(doc['$schema']).to.match(/schemas\/topology\.schema\.json$/);
    const { $schema: _s, ...rest } = doc;
    expect(rest).to.deep.equal(defaultTopology());
    expect(parseTopology(text, 'x.json').params).to.deep.equal(DEFAULT_PARAMS);
  });

  it('with --params, every simulator parameter at its default, ready to change in place', () => {
    const doc = JSON.parse(exportedTopology(dir, true)) as { params: Record<string, unknown> };
    expect(doc.params).to.include({ nodeMonitorGracePeriod: '40s', defaultTolerationSeconds: 300 });
    expect(Object.keys(doc.params)).to.include.members(Object.keys(DEFAULT_PARAMS));
  });

  it('tells a topology, a lab profile and an experiment apart, by their $schema or their shape', () => {
    const topo = { clusters: [{ name: 'a', nodes: [{ name: 'n', role: 'master' }] }] };
    expect(documentKind(JSON.stringify(topo))).to.equal('topology');
    expect(documentKind(JSON.stringify({ $schema: 'x/topology.schema.json', clusters: 3 }))).to.equal('topology');
    const lab = { clusters: [{ name: 'a', context: 'ctx', nodes: { ssh: { user: 'root' } } }] };
    expect(documentKind(JSON.stringify(lab))).to.equal('lab-profile');
    expect(documentKind(JSON.stringify({ id: 'x', clusters: ['business'], faults: [] }))).to.equal('experiment');
    expect(documentKind('{ not json')).to.equal('experiment');
  });

  it('gameday validate checks a topology and a lab profile as what they are, not as experiments', async () => {
    const topo = join(dir, 'platform.json');
    writeFileSync(topo, exportedTopology(dir, false));
    const ok = await validate(
      topo,
      'test/targets/lab/fixtures/qingzhou-lab.json',
      'experiments/d6-kubelet-stopped.json',
    );
    expect(ok).to.deep.equal({
      code: 0,
      lines: [
        `ok  ${topo} (simulator topology)`,
        'ok  test/targets/lab/fixtures/qingzhou-lab.json (lab profile)',
        'ok  experiments/d6-kubelet-stopped.json',
      ],
    });
    const bad = await validate('test/fixtures/topologies/bad-role.json');
    expect(bad.code).to.equal(2);
    expect(bad.lines).to.deep.equal([
      'test/fixtures/topologies/bad-role.json:4:57: clusters[0].nodes[0].role: expected one of "master", "worker", got "boss" (string)',
    ]);
  });

  it("a --topology that differs from the experiment's own says so; the same one, or none, says nothing", () => {
    const base = { kind: 'sim' as const, seed: 1, dryRun: false };
    expect(topologyNotices({ ...base, topology: 'a.json', experimentTopology: 'b.json' }, true)).to.deep.equal([
      "  note: --topology a.json replaces the experiment's own topology b.json.",
    ]);
    expect(topologyNotices({ ...base, topology: 'a.json', experimentTopology: './a.json' }, true)).to.deep.equal([]);
    expect(topologyNotices({ ...base, experimentTopology: 'b.json' }, true)).to.deep.equal([]);
    expect(topologyNotices({ ...base, kubeconfig: 'k', experimentTopology: 'b.json' }, false)[0]).to.contain(
      'topology b.json is not loaded: this run attaches to a served simulator',
    );
    expect(topologyNotices({ ...base, kind: 'kind', topology: 'a.json' }, false)[0]).to.contain(
      'the kind target has its own platform',
    );
    expect(topologyNotices({ ...base, kind: 'kind', experimentTopology: 'b.json' }, false)).to.deep.equal([]);
    expect(readFileSync('schemas/topology.schema.json', 'utf8')).to.contain('sim-params.schema.json');
  });
});
