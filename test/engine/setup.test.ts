import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Journal } from '../../src/engine/journal.js';
import { rollbackJournal } from '../../src/engine/rollback.js';
import { runExperiment } from '../../src/engine/runner.js';
import { validateExperiment } from '../../src/experiment/validate.js';
import type { Experiment } from '../../src/experiment/types.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { section } from '../../src/report/html.js';
import { markdown } from '../../src/report/markdown.js';
import type { RunResult } from '../../src/report/result.js';
import { SimTarget } from '../../src/targets/sim/sim-target.js';
import { tempDir } from '../e2e/support.js';

/**
 * Issue 18 item 2: a drill's setup (a label, a test workload, its PDB, a toleration) runs after the
 * preflight and before the steady state, and whatever ends the drill the rollback undoes it after the
 * faults, as `gameday rollback` does from the journal of a run that died.
 */
const FIXTURE = 'test/fixtures/experiments/user/setup-canary-on-labelled-node.json';
const fixture = (): Experiment => JSON.parse(readFileSync(FIXTURE, 'utf8')) as Experiment;
const NODE = '10.128.38.9';
const CANARY_LABEL = 'gameday.io/canary';

interface Seen {
  label: string | undefined;
  canary: boolean;
  pdb: boolean;
  tolerations: unknown;
}

async function seen(t: SimTarget): Promise<Seen> {
  const kube = t.kube('business');
  const node = (await kube.get('nodes', NODE))!;
  const order = (await kube.get('deployments', 'order-service', 'business'))!;
  const spec = (order.spec as { template: { spec: { tolerations?: unknown } } }).template.spec;
  return {
    label: node.metadata.labels?.[CANARY_LABEL],
    canary: (await kube.get('deployments', 'canary', 'business')) !== undefined,
    pdb: (await kube.get('poddisruptionbudgets', 'canary', 'business')) !== undefined,
    tolerations: spec.tolerations ?? [],
  };
}

async function run(
  e: Experiment,
  o: { signal?: AbortSignal; onPhase?: (phase: string, t: SimTarget) => void; onNote?: (text: string) => void } = {},
): Promise<{ result: RunResult; target: SimTarget; before: Seen; dir: string }> {
  const target = await SimTarget.create({ seed: 1 });
  const before = await seen(target);
  const dir = tempDir('setup');
  const result = await runExperiment({ file: FIXTURE, experiment: e }, target, {
    seed: 1,
    dryRun: false,
    signal: o.signal ?? new AbortController().signal,
    journalDir: dir,
    journalTarget: { kind: 'sim', embedded: true },
    onProgress: (p) => {
      if (p.type === 'phase') o.onPhase?.(p.phase, target);
      if (p.type === 'note') o.onNote?.(p.text);
    },
  });
  return { result, target, before, dir };
}

describe('setup before the fault (issue 18 item 2)', function () {
  this.timeout(60_000);
  const open: SimTarget[] = [];
  afterEach(async () => {
    for (const t of open.splice(0)) await t.close();
  });

  it('runs after the preflight and before the steady state, which sees what it made', async () => {
    let atSteady: Seen | undefined;
    const r = await run(fixture(), {
      onPhase: (phase, t) => {
        if (phase === 'steady-state') void seen(t).then((s) => (atSteady ??= s));
      },
    });
    open.push(r.target);
    expect(r.result.verdict, r.result.error).to.equal('pass');
    expect(r.result.phases.map((p) => p.name).slice(0, 4)).to.deep.equal([
      'preflight',
      'setup',
      'steady-state',
      'journal',
    ]);
    expect(atSteady?.label).to.equal('true');
    expect(atSteady?.canary).to.equal(true);
    // The steady state checked the canary setup made: it would have failed without it.
    const steady = r.result.probes.filter((p) => p.phase === 'steady-state').map((p) => p.observed);
    expect(steady.join(' ')).to.match(/1\/1/);
    // The fault picked the node by the label setup put on it.
    expect(r.result.faults[0]?.description).to.contain(CANARY_LABEL);
    expect(r.result.setup?.map((s) => [s.type, s.ok])).to.deep.equal([
      ['label-nodes', true],
      ['apply-manifest', true],
      ['apply-manifest', true],
      ['patch-tolerations', true],
      ['rollout-status', true],
    ]);
  });

  it('a dry run shows the setup, lets the faults select what it would make, and changes nothing', async () => {
    const target = await SimTarget.create({ seed: 1, dryRun: true });
    open.push(target);
    const before = await seen(target);
    const result = await runExperiment({ file: FIXTURE, experiment: fixture() }, target, {
      seed: 1,
      dryRun: true,
      signal: new AbortController().signal,
      journalDir: tempDir('setup-dry'),
      journalTarget: { kind: 'sim', embedded: true },
    });
    expect(result.verdict, result.error).to.equal('pass');
    const text = result.timeline.map((t) => t.text).join('\n');
    expect(text).to.contain('label-nodes: Label 10.128.38.9');
    expect(text).to.contain('Apply PodDisruptionBudget business/canary');
    expect(text).not.to.contain('cannot be planned');
    expect(text).to.match(/would then undo the setup, newest first: Wait for the rollout[\s\S]*Label 10\.128\.38\.9/);
    // The fault picks the node by the label only the setup puts on it.
    expect(text).to.match(/inject stop-kubelet: .*\[10\.128\.38\.9\]/);
    expect(await seen(target)).to.deep.equal(before);
  });

  it('a passing drill: the label, the canary, its PDB and the toleration are gone afterwards, after the fault is reverted', async () => {
    const r = await run(fixture());
    open.push(r.target);
    expect(r.result.verdict, r.result.error).to.equal('pass');
    expect(r.result.rollback.ok, r.result.rollback.errors.join('; ')).to.equal(true);
    expect(r.before.canary).to.equal(false);
    expect(await seen(r.target)).to.deep.equal(r.before);
    const text = r.result.timeline.map((t) => t.text);
    const reverted = text.indexOf('reverted stop-kubelet');
    const label = text.findIndex((t) => t.includes(`labels ${CANARY_LABEL} as they were`));
    const pdb = text.findIndex((t) => /removed .*poddisruptionbudgets business\/canary/.test(t));
    const canary = text.findIndex((t) => /removed .*Deployment business\/canary/.test(t));
    expect(reverted, text.join('\n')).to.be.greaterThan(-1);
    // After the fault, newest first: the PDB before the workload it protects, the label last.
    expect(pdb).to.be.greaterThan(reverted);
    expect(canary).to.be.greaterThan(pdb);
    expect(label).to.be.greaterThan(canary);
    // The reports list the setup apart from the recovery steps.
    const md = markdown.render([r.result], { generatedAt: 0, gamedayVersion: 'test' });
    expect(md).to.match(/Setup \(undone by the rollback\)[\s\S]*label-nodes[\s\S]*Faults/);
    expect(section(r.result, 0)).to.contain('Setup (undone by the rollback)');
    expect(r.result.steps.map((s) => s.type)).to.deep.equal(['restart-service']);
  });

  it('a failing drill (a target missed) undoes the setup too', async () => {
    const r = await run({ ...fixture(), targets: { timeToDetect: '1s' } });
    open.push(r.target);
    expect(r.result.verdict).to.equal('fail');
    expect(r.result.rollback.ok, r.result.rollback.errors.join('; ')).to.equal(true);
    expect(await seen(r.target)).to.deep.equal(r.before);
  });

  it('a drill stopped (SIGTERM, Ctrl-C) during detection undoes the setup', async () => {
    const stop = new AbortController();
    const r = await run(fixture(), {
      signal: stop.signal,
      onPhase: (phase) => {
        if (phase === 'detect') stop.abort('SIGTERM');
      },
    });
    open.push(r.target);
    expect(r.result.verdict).to.equal('aborted');
    expect(r.result.rollback.ok, r.result.rollback.errors.join('; ')).to.equal(true);
    expect(await seen(r.target)).to.deep.equal(r.before);
  });

  it('a drill stopped in the middle of its setup undoes what the setup had done', async () => {
    const stop = new AbortController();
    const r = await run(fixture(), {
      signal: stop.signal,
      onNote: (text) => {
        if (text.startsWith('patch-tolerations:')) stop.abort('SIGTERM');
      },
    });
    open.push(r.target);
    expect(r.result.verdict, r.result.error).to.equal('aborted');
    expect(r.result.phases.map((p) => p.name)).to.deep.equal(['preflight', 'setup', 'rollback']);
    expect(r.result.rollback.ok, r.result.rollback.errors.join('; ')).to.equal(true);
    expect(r.result.timeline.map((t) => t.text).join('\n')).to.match(/removed .*Deployment business\/canary/);
    expect(await seen(r.target)).to.deep.equal(r.before);
  });

  it('a drill whose steady state does not hold (an error, no fault) undoes its setup', async () => {
    const e = fixture();
    e.steadyState = [
      { type: 'workload-available', workload: { namespace: 'business', kind: 'Deployment', name: 'nope' } },
    ];
    const r = await run(e);
    open.push(r.target);
    expect(r.result.verdict).to.equal('error');
    expect(r.result.error).to.contain('/steadyState/0');
    expect(r.result.faults).to.deep.equal([]);
    expect(r.result.rollback.ok, r.result.rollback.errors.join('; ')).to.equal(true);
    expect(await seen(r.target)).to.deep.equal(r.before);
  });

  it('gameday rollback undoes the setup from the journal alone', async () => {
    const r = await run(fixture());
    open.push(r.target);
    const [file] = readdirSync(r.dir).filter((n) => n.endsWith('.json'));
    const journal = Journal.read(join(r.dir, file!));
    const objects = (journal.data.objects ?? []).map((o) => `${o.resource}/${o.name} by ${o.by.join(',')}`);
    expect(objects).to.include.members([
      `nodes/${NODE} by /setup/0 (label-nodes)`,
      'deployments/canary by /setup/1 (apply-manifest)',
      'poddisruptionbudgets/canary by /setup/2 (apply-manifest)',
      'deployments/order-service by /setup/3 (patch-tolerations)',
    ]);
    // The same changes made again by hand, as if the run had died before its rollback.
    const kube = r.target.kube('business');
    await kube.patch('nodes', NODE, { metadata: { labels: { [CANARY_LABEL]: 'true' } } }, { type: 'merge' });
    const manifest = (i: number): KubeObject => fixture().setup![i]!['manifest'] as KubeObject;
    await kube.create('deployments', manifest(1));
    await kube.create('poddisruptionbudgets', manifest(2));
    journal.data.state = 'rollback-incomplete';
    const report = await rollbackJournal(journal, r.target, new AbortController().signal);
    expect(report.errors).to.deep.equal([]);
    expect(report.restored.join('\n')).to.match(/removed .*canary/);
    expect(await seen(r.target)).to.deep.equal(r.before);
  });

  it('validation refuses a setup step the rollback cannot undo, naming the file and the JSON path', () => {
    const e = fixture() as unknown as Record<string, unknown>;
    const check = (setup: unknown[]): string[] =>
      validateExperiment('drill.json', JSON.stringify({ ...e, setup })).errors.map(
        (x) => `${x.file} ${x.path}: ${x.message}`,
      );
    expect(
      check([{ type: 'delete-pod', workload: { namespace: 'business', kind: 'Deployment', name: 'x' } }]).join('\n'),
    )
      .to.match(/^drill\.json \/setup\/0\/type: "delete-pod" cannot be used in "setup": the rollback cannot undo/)
      .and.to.contain('label-nodes');
    expect(check([{ type: 'label-nodes', labels: { a: 'b' } }]).join('\n')).to.match(
      /^drill\.json \/setup\/0: "label-nodes" in "setup" needs "nodes"/,
    );
    expect(
      check([
        { type: 'wait', duration: '1s' },
        { type: 'apply-manifest', manifest: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } } },
      ]).join('\n'),
    ).to.match(/^drill\.json \/setup\/1\/manifest\/kind: A Pod created in "setup" would be left behind/);
    expect(check([{ type: 'label-nodes', nodes: { from: 'faults' }, labels: { a: 'b' } }]).join('\n')).to.contain(
      '/setup/0/nodes/from',
    );
    expect(check([])).to.deep.equal([]);
    const kept = validateExperiment('drill.json', JSON.stringify({ ...e, rollback: { revertFaults: false } }));
    expect(kept.errors.map((x) => `${x.path}: ${x.message}`).join('\n')).to.match(
      /^\/rollback\/revertFaults: A drill with a "setup" always rolls back/,
    );
  });
});
