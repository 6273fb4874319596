import { expect } from 'chai';
import { execa } from 'execa';
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LEASE_LABEL, LEASE_NAMESPACE } from '../../src/engine/lease.js';
import type { Target } from '../../src/targets/target.js';
import { BIN, built, gameday, phaseLine, serveSim, waitForOutput, type ServedSim } from './cli-support.js';
import { attach, clusterState, untilSame, type ClusterState } from './cluster-state.js';
import { signalCase } from './signal-case.js';
import { tempDir } from './support.js';

/**
 * Issue 15 from the command line, against one `gameday sim up`: signals at several moments of several
 * drills (the whole matrix is test/e2e/signal-matrix.ts), crashed runs found and finished, damaged and
 * foreign journals refused, a power loss undone with no apiserver up, two drills kept apart. After each,
 * every node, workload, Service, ConfigMap and etcd membership is compared with how it was.
 */
describe('signals, crashed runs and journals on the command line (issue 15)', function () {
  this.timeout(180_000);
  let sim: ServedSim;
  let target: Target;
  let baseline: ClusterState;

  before(async function () {
    if (!built) {
      console.log('      skipped: dist/ is not built (npm test builds it first: run `npm run build`)');
      this.skip();
    }
    sim = await serveSim(20);
    target = await attach(sim.kubeconfig);
    baseline = await clusterState(target);
  });
  after(async () => {
    await target?.close();
    await sim?.stop();
  });
  afterEach(async () => {
    // Nothing a test leaves may leak into the next.
    expect(await untilSame(target, baseline, 60_000)).to.deep.equal([]);
  });

  const run = (file: string, journalDir: string, ...more: string[]) =>
    execa('node', [BIN, 'run', file, '--kubeconfig', sim.kubeconfig, '--journal-dir', journalDir, '-v', ...more], {
      reject: false,
      env: { NO_COLOR: '1' },
      // Not execa's SIGKILL 5 s after a SIGTERM: the drill's own rollback decides when it exits.
      forceKillAfterDelay: false,
    });
  const journalsIn = (dir: string): string[] =>
    readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .map((n) => join(dir, n));

  it('SIGTERM while the verify probes start: the rollback starts at once and the host crash is undone', async () => {
    const r = await signalCase(sim, target, baseline, 'experiments/d1-host-crash.json', 'SIGTERM', 'recover');
    expect(r.outcome, r.output).to.equal('restored');
    expect(r.exitCode).to.equal(3);
    expect(r.output).to.contain('reverted power-off-node');
    // Nothing was waited for between the signal and the rollback.
    expect(r.output).to.match(/SIGTERM: stopping the drill[^\n]*\n(?:[^\n]*\n){0,2}\s*\+\s*\S+\s+rollback\n/);
  });

  it('SIGKILL mid-drain: a new run is refused naming the journal; gameday rollback uncordons and restores; then nothing is left', async () => {
    const dir = tempDir('killed');
    const child = run('experiments/d8-planned-maintenance.json', dir);
    // Killed once the drain has cordoned the node and the next step stopped its kubelet.
    await waitForOutput(child, /repair the hardware: /, 120_000);
    child.kill('SIGKILL');
    await child;
    const [journal] = journalsIn(dir);
    const again = await gameday([
      'run',
      'experiments/d6-kubelet-stopped.json',
      '--kubeconfig',
      sim.kubeconfig,
      '--journal-dir',
      dir,
    ]);
    expect(again.exitCode).to.equal(3);
    expect(again.stderr).to.contain(`${dir} holds a journal of a drill that did not finish its rollback: ${journal}`);
    expect(again.stderr).to.contain(`gameday rollback --journal-dir ${dir}`);
    expect(again.stdout).not.to.contain('[1/1]');
    const rb = await gameday(['rollback', '--journal-dir', dir]);
    expect(rb.exitCode, rb.stdout + rb.stderr).to.equal(0);
    expect(rb.stdout).to.contain('reverted taint-nodes on business');
    expect(rb.stdout).to.match(
      /reverted service \S+ kubelet start on business \(undoes \/recovery\/steps\/1 \(stop-service\)/,
    );
    expect(rb.stdout).to.match(/put back business: node \S+ schedulable/);
    expect(rb.stdout).to.contain('everything the drill touched is as it was before');
    const none = await gameday(['rollback', '--journal-dir', dir]);
    expect(none.stdout).to.contain('Nothing to roll back');
  });

  it('SIGKILL after the lease is taken, before the first fault: gameday rollback deletes the lease, and the next drill on that node runs', async () => {
    const dir = tempDir('lease');
    const late = JSON.parse(readFileSync('experiments/d6-kubelet-stopped.json', 'utf8')) as {
      faultMode?: string;
      faults: { after?: string }[];
    };
    // The fault waits (virtual) minutes after the journal and the lease: the kill lands in between.
    late.faultMode = 'sequence';
    late.faults[0]!.after = '10m';
    const file = join(dir, 'late-fault.json');
    writeFileSync(file, JSON.stringify(late));
    const child = run(file, join(dir, 'a'));
    await waitForOutput(child, phaseLine('inject'), 120_000);
    child.kill('SIGKILL');
    await child;
    const drillLeases = async (): Promise<string[]> =>
      (
        await target.kube('business').list('leases', { namespace: LEASE_NAMESPACE, labelSelector: LEASE_LABEL })
      ).items.map((l) => l.metadata.name);
    expect(await drillLeases()).to.have.length(1);
    const rb = await gameday(['rollback', '--journal-dir', join(dir, 'a')]);
    expect(rb.exitCode, rb.stdout + rb.stderr).to.equal(0);
    expect(await drillLeases()).to.deep.equal([]);
    // Same seed, same worker: the lease would have refused it for two minutes.
    const next = await run('experiments/d6-kubelet-stopped.json', join(dir, 'b'));
    expect(next.exitCode, next.stdout + next.stderr).to.equal(0);
  });

  it('after ROLLBACK INCOMPLETE the batch stops, naming the journal; once fixed, gameday rollback finishes it', async () => {
    const dir = tempDir('incomplete');
    const slow = JSON.parse(readFileSync('experiments/d6-kubelet-stopped.json', 'utf8')) as {
      id: string;
      recovery: { steps: unknown[] };
    };
    slow.id = 'slow-kubelet';
    slow.recovery.steps.unshift({ type: 'wait', duration: '2m', reason: 'a person acts meanwhile' });
    const file = join(dir, 'slow-kubelet.json');
    writeFileSync(file, JSON.stringify(slow));
    // d12 comes after it in the batch: it must not run.
    const batch = execa(
      'node',
      [
        BIN,
        'run',
        file,
        'experiments/d12-nsf-server-scaled-down.json',
        '--kubeconfig',
        sim.kubeconfig,
        '--journal-dir',
        join(dir, 'k'),
        '-v',
      ],
      { reject: false, env: { NO_COLOR: '1' } },
    );
    const seen = await waitForOutput(batch, /wait: /, 120_000);
    const node = /inject stop-kubelet[^\n]*\[([^\]]+)\]/.exec(seen)?.[1];
    expect(node, seen).to.be.a('string');
    // Someone cordons the drilled node meanwhile: not the drill's to undo, and not as it was.
    await target.kube('business').patch('nodes', node!, { spec: { unschedulable: true } }, { type: 'merge' });
    const r = await batch;
    const [journal] = journalsIn(join(dir, 'k'));
    expect(r.exitCode, r.stdout).to.equal(3);
    expect(r.stdout).to.contain(`business: node ${node!} is SchedulingDisabled (it was schedulable)`);
    expect(r.stdout).to.contain(
      `ROLLBACK INCOMPLETE: stopping here (1 drill(s) not run). Finish it with \`gameday rollback ${journal!}\` once the cause is fixed.`,
    );
    expect(r.stdout).not.to.contain('[2/2]');
    // The cause fixed (the person's cordon taken back), the journal is finished.
    await target.kube('business').patch('nodes', node!, { spec: { unschedulable: false } }, { type: 'merge' });
    const rb = await gameday(['rollback', journal!]);
    expect(rb.exitCode, rb.stdout + rb.stderr).to.equal(0);
  });

  it('gameday run --rollback-first rolls back what a killed run left, then runs', async () => {
    const dir = tempDir('first');
    const child = run('experiments/d6-kubelet-stopped.json', dir);
    await waitForOutput(child, phaseLine('detect'), 120_000);
    child.kill('SIGKILL');
    await child;
    const [journal] = journalsIn(dir);
    const r = await run('experiments/d6-kubelet-stopped.json', dir, '--rollback-first');
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.contain(`--rollback-first: rolling back ${journal!}`);
    expect(r.stdout).to.contain('reverted stop-kubelet on business');
    expect(r.stdout.indexOf('reverted stop-kubelet on business')).to.be.lessThan(r.stdout.indexOf('[1/1]'));
  });

  it('a second SIGTERM says what the rollback is doing; a third exits naming the journal; gameday rollback finishes; a foreign copy is refused', async () => {
    const dir = tempDir('three');
    const child = run('experiments/d1-host-crash.json', dir);
    await waitForOutput(child, phaseLine('detect'), 120_000);
    child.kill('SIGTERM');
    await waitForOutput(child, phaseLine('rollback'), 30_000);
    child.kill('SIGTERM');
    await waitForOutput(child, 'SIGTERM again', 30_000);
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).to.equal(3);
    const [journal] = journalsIn(dir);
    expect(r.stdout).to.match(
      /SIGTERM again: rolling back; now [^.]+\. Once more exits at once and leaves the journal /,
    );
    expect(r.stdout).to.contain(`Finish it with \`gameday rollback ${journal!}\``);
    // A copy claiming another cluster (a simulator started again, another kind cluster of that name).
    const foreign = join(tempDir('foreign'), 'foreign.json');
    copyFileSync(journal!, foreign);
    const data = JSON.parse(readFileSync(foreign, 'utf8')) as {
      state: string;
      clusters: Record<string, { kubeSystemUid: string }>;
    };
    data.state = 'running';
    for (const c of Object.values(data.clusters)) c.kubeSystemUid = 'sim-instance:another';
    writeFileSync(foreign, JSON.stringify(data));
    const refused = await gameday(['rollback', foreign]);
    expect(refused.exitCode).to.equal(3);
    expect(refused.stdout).to.contain(
      `${foreign}: this journal was written on another cluster: business: its UID is sim-instance:`,
    );
    const rb = await gameday(['rollback', journal!]);
    expect(rb.exitCode, rb.stdout + rb.stderr).to.equal(0);
  });

  it('a journal cut short is an error naming it (exit 3), never "nothing to roll back", and blocks a new run', async () => {
    const dir = tempDir('cut');
    writeFileSync(join(dir, '2026-01-01-cut.json'), '{"version": 1, "runId": "x", "faults": [{"index": 0, "ty');
    const rb = await gameday(['rollback', '--journal-dir', dir]);
    expect(rb.exitCode).to.equal(3);
    expect(rb.stdout).to.contain(`${join(dir, '2026-01-01-cut.json')}: the journal is not valid JSON`);
    expect(rb.stdout).not.to.contain('Nothing to roll back');
    const next = await gameday([
      'run',
      'experiments/d6-kubelet-stopped.json',
      '--kubeconfig',
      sim.kubeconfig,
      '--journal-dir',
      dir,
    ]);
    expect(next.exitCode).to.equal(3);
    expect(next.stderr).to.contain('(it cannot be read: cut short or damaged)');
  });

  it('power loss attached to sim up, SIGKILL: gameday rollback powers every node on with no apiserver answering', async () => {
    const dir = tempDir('d2');
    const child = run('experiments/d2-power-loss.json', dir);
    await waitForOutput(child, /inject power-off-node[^\n]*10\.128\.39\.1/, 120_000);
    child.kill('SIGKILL');
    await child;
    const rb = await gameday(['rollback', '--journal-dir', dir]);
    expect(rb.exitCode, rb.stdout + rb.stderr).to.equal(0);
    expect(rb.stdout.match(/reverted power-off-node on/g)).to.have.length(3);
  });

  it('a second drill on the same workload is refused while the first runs, and the first is undone as usual', async () => {
    const dir = tempDir('two');
    const slow = JSON.parse(readFileSync('experiments/d12-nsf-server-scaled-down.json', 'utf8')) as {
      id: string;
      recovery: { steps: unknown[] };
    };
    slow.id = 'slow-scale';
    slow.recovery.steps.unshift({ type: 'wait', duration: '5m', reason: 'the other drill starts meanwhile' });
    const file = join(dir, 'slow-scale.json');
    writeFileSync(file, JSON.stringify(slow));
    const first = run(file, join(dir, 'a'));
    await waitForOutput(first, /wait: /, 120_000);
    const second = await gameday([
      'run',
      'experiments/d12-nsf-server-scaled-down.json',
      '--kubeconfig',
      sim.kubeconfig,
      '--journal-dir',
      join(dir, 'b'),
    ]);
    expect(second.exitCode).to.equal(3);
    expect(second.stdout).to.match(
      /refused before any change: drill \S+-slow-scale-\S+ \(slow-scale\) is running on paas and touches the same workload\(s\) skiff-nsf\/Deployment\/nsf-server/,
    );
    const r = await first;
    expect(r.stdout).to.contain('everything the drill touched is as it was before');
  });
});
