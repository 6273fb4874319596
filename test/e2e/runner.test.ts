import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isNodeReady } from '../../src/kube/objects.js';
import { writeReports } from '../../src/report/write.js';
import { exitCodeFor } from '../../src/cli/commands/run.js';
import { parseXml, childElements } from '../report/xml.js';
import { kubeletDrill, runOnSim, tempDir } from './support.js';

describe('running a drill on the simulator', () => {
  it('passes the D6 drill with detection timed to the node going NotReady (30-45 s after the stop)', async () => {
    const { result } = await runOnSim(kubeletDrill());
    expect(result.verdict, result.error).to.equal('pass');
    expect(result.timings.timeToDetect).to.be.within(30_000, 45_000);
    expect(result.timings.timeToReady).to.be.a('number');
    expect(result.checks.map((c) => [c.name, c.ok])).to.deep.equal([
      ['timeToDetect', true],
      ['timeToReady', true],
    ]);
    expect(result.phases.map((p) => p.name)).to.deep.equal([
      'preflight',
      'steady-state',
      'journal',
      'inject',
      'detect',
      'recover',
      'verify',
      'rollback',
    ]);
    expect(result.rollback).to.deep.include({ ok: true, errors: [] });
    expect(exitCodeFor([result], false)).to.equal(0);
  });

  it('gives the same timings for the same seed, event for event', async () => {
    const a = (await runOnSim(kubeletDrill())).result;
    const b = (await runOnSim(kubeletDrill())).result;
    const virtual = (t: typeof a.timings): unknown => ({ ...t, startupWallMs: undefined });
    expect(virtual(b.timings)).to.deep.equal(virtual(a.timings));
    expect(b.timeline).to.deep.equal(a.timeline);
  });

  it('fails with the missed target named when the target is impossible, and exits 1', async () => {
    const { result } = await runOnSim(kubeletDrill({ targets: { timeToDetect: '1s', timeToReady: '2m' } }));
    expect(result.verdict).to.equal('fail');
    const missed = result.checks.find((c) => !c.ok);
    expect(missed?.name).to.equal('timeToDetect');
    expect(missed?.message).to.match(/^time-to-detect \d+(\.\d)?s exceeds the target 1s$/);
    expect(exitCodeFor([result], false)).to.equal(1);
  });

  it('writes JSON, JUnit, Markdown and HTML reports with the measured times', async () => {
    const { result } = await runOnSim(kubeletDrill());
    const dir = tempDir('reports');
    const written = await writeReports(dir, [result], { generatedAt: 0, gamedayVersion: 'test' });
    expect(written.failures).to.deep.equal([]);
    expect(readdirSync(dir).sort()).to.deep.equal([
      'report.html',
      'report.md',
      'report.xml',
      'test-kubelet-stopped.json',
    ]);
    const json = JSON.parse(readFileSync(join(dir, 'test-kubelet-stopped.json'), 'utf8')) as {
      results?: { timings: unknown }[];
      timings?: unknown;
    };
    const timings = json.results?.[0]?.timings ?? json.timings;
    expect(timings).to.deep.equal(result.timings);
    const suite = parseXml(readFileSync(join(dir, 'report.xml'), 'utf8'));
    const cases = childElements(suite).flatMap((s) => childElements(s, 'testcase'));
    expect(cases).to.have.length(2);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).to.contain('<svg');
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).to.contain('test-kubelet-stopped');
  });

  it('refuses a blast radius larger than declared before changing anything', async () => {
    const e = kubeletDrill({ faults: [{ type: 'stop-kubelet', nodes: { role: 'worker', count: 2 } }] });
    const { result, target } = await runOnSim(e, { keepOpen: true });
    try {
      expect(result.verdict).to.equal('error');
      expect(result.error).to.match(
        /blast radius is too large: business: the faults would hit 2 nodes .* but blastRadius.maxNodes is 1/,
      );
      expect(result.faults).to.deep.equal([]);
      const states = await Promise.all(
        ['10.128.38.9', '10.128.38.10', '10.128.38.11', '10.128.38.12'].map((n) =>
          target.nodes('business').serviceState(n, 'kubelet'),
        ),
      );
      expect(states).to.deep.equal(['active', 'active', 'active', 'active']);
    } finally {
      await target.close();
    }
  });

  it('refuses to take etcd below quorum unless the experiment allows it', async () => {
    const e = kubeletDrill({
      faults: [{ type: 'kill-etcd-members', members: { count: 2 } }],
      detect: [],
      recovery: { mode: 'self-heal' },
      verify: [{ type: 'no-notready-nodes' }],
      targets: {},
    });
    const { result } = await runOnSim(e);
    expect(result.verdict).to.equal('error');
    expect(result.error).to.match(/below quorum \(2\); set blastRadius.allowQuorumLoss/);
  });

  it('in dry-run records every write it would make and leaves the cluster exactly as it was', async () => {
    const { result, target } = await runOnSim(
      kubeletDrill({
        faults: [
          { type: 'stop-kubelet', nodes: { names: ['10.128.38.10'] } },
          { type: 'scale-workload', workload: { namespace: 'business', kind: 'Deployment', name: 'order-service' } },
        ],
        detect: [],
        recovery: { mode: 'self-heal' },
        targets: {},
      }),
      { dryRun: true, keepOpen: true },
    );
    try {
      const planned = result.actions.filter((a) => a.dryRun).map((a) => a.text);
      expect(planned.some((t) => /systemctl stop kubelet/.test(t))).to.equal(true);
      expect(planned.some((t) => /deployments\/order-service\/scale/.test(t))).to.equal(true);
      const store = target.sim.cluster('business').ctx.store;
      expect(store.get('deployments', 'business', 'order-service')?.spec.replicas).to.be.greaterThan(0);
      expect(await target.nodes('business').serviceState('10.128.38.10', 'kubelet')).to.equal('active');
      await target.clock.sleep(120_000);
      expect(store.list('nodes').every(isNodeReady)).to.equal(true);
    } finally {
      await target.close();
    }
  });

  it('writes the journal before injecting and marks it rolled back at the end', async () => {
    const journalDir = tempDir('journal');
    const { result } = await runOnSim(kubeletDrill(), { journalDir });
    expect(result.verdict).to.equal('pass');
    const files = readdirSync(journalDir).filter((f) => f.endsWith('.json'));
    expect(files).to.have.length(1);
    const j = JSON.parse(readFileSync(join(journalDir, files[0]!), 'utf8')) as {
      state: string;
      faults: { status: string; plan: unknown }[];
    };
    expect(j.state).to.equal('rolled-back');
    expect(j.faults).to.deep.equal([
      {
        index: 0,
        type: 'stop-kubelet',
        cluster: 'business',
        params: { nodes: { names: ['10.128.38.10'] } },
        plan: { nodes: ['10.128.38.10'] },
        status: 'reverted',
        seq: 1,
      },
    ]);
    expect(existsSync(join(journalDir, `${files[0]!}.tmp`))).to.equal(false);
  });

  it('rolls back when interrupted mid-drill and reports the run as aborted (exit 3)', async () => {
    const stop = new AbortController();
    const e = kubeletDrill({ detect: [{ type: 'node-ready', nodes: { from: 'faults' }, ready: false }] });
    const running = runOnSim(e, { signal: stop.signal, keepOpen: true });
    // Interrupt as soon as the fault is in: Ctrl-C arrives while detection waits.
    setTimeout(() => stop.abort('SIGINT'), 30);
    const { result, target } = await running;
    try {
      if (result.verdict === 'pass') return; // the drill beat the interrupt on a fast machine; nothing to check
      expect(result.verdict).to.equal('aborted');
      expect(exitCodeFor([result], true)).to.equal(3);
      expect(await target.nodes('business').serviceState('10.128.38.10', 'kubelet')).to.equal('active');
    } finally {
      await target.close();
    }
  });
});
