import { expect } from 'chai';
import { execa } from 'execa';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Target } from '../../src/targets/target.js';
import { BIN, built, gameday, phaseLine, serveSim, waitForOutput, type ServedSim } from './cli-support.js';
import { attach, clusterState, untilSame, type ClusterState } from './cluster-state.js';
import { tempDir } from './support.js';

/**
 * Issue 18 item 2 from the command line, against one `gameday sim up`: what a drill's setup made (a node
 * label, a Deployment, its PodDisruptionBudget, a toleration) is undone after a SIGTERM by the drill's own
 * rollback, and after a SIGKILL by `gameday rollback`.
 */
const FIXTURE = 'test/fixtures/experiments/user/setup-canary-on-labelled-node.json';
const NODE = '10.128.38.9';

describe('setup undone after a signal, from the command line (issue 18 item 2)', function () {
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
    expect(await untilSame(target, baseline, 60_000)).to.deep.equal([]);
  });

  /** What the setup makes: none of it may be left. */
  const leftovers = async (): Promise<string[]> => {
    const kube = target.kube('business');
    const out: string[] = [];
    const node = await kube.get('nodes', NODE);
    if (node?.metadata.labels?.['gameday.io/canary'] !== undefined) out.push('node label gameday.io/canary');
    if (await kube.get('deployments', 'canary', 'business')) out.push('Deployment business/canary');
    if (await kube.get('poddisruptionbudgets', 'canary', 'business')) out.push('PDB business/canary');
    const order = await kube.get('deployments', 'order-service', 'business');
    if (JSON.stringify(order?.spec?.template ?? {}).includes('gameday.io/drill')) out.push('order-service toleration');
    return out;
  };

  const run = (journalDir: string) =>
    execa('node', [BIN, 'run', FIXTURE, '--kubeconfig', sim.kubeconfig, '--journal-dir', journalDir, '-v'], {
      reject: false,
      env: { NO_COLOR: '1' },
      forceKillAfterDelay: false,
    });

  it('SIGTERM during detection: the fault is reverted, then the setup undone; nothing is left', async () => {
    const child = run(tempDir('setup-term'));
    await waitForOutput(child, phaseLine('detect'), 120_000);
    expect(await leftovers()).to.have.length(4);
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode, r.stdout + r.stderr).to.equal(3);
    const out = r.stdout;
    const reverted = out.indexOf('reverted stop-kubelet');
    expect(reverted, out).to.be.greaterThan(-1);
    expect(out.indexOf('removed business: Deployment business/canary')).to.be.greaterThan(reverted);
    expect(out).to.contain(`put back business: node ${NODE}'s labels gameday.io/canary as they were`);
    expect(await leftovers()).to.deep.equal([]);
  });

  it('SIGKILL during detection: gameday rollback reverts the fault and undoes the setup; nothing is left', async () => {
    const dir = tempDir('setup-kill');
    const child = run(dir);
    await waitForOutput(child, phaseLine('detect'), 120_000);
    child.kill('SIGKILL');
    await child;
    expect(await leftovers()).to.have.length(4);
    const rb = await gameday(['rollback', '--journal-dir', dir]);
    expect(rb.exitCode, rb.stdout + rb.stderr).to.equal(0);
    expect(rb.stdout).to.contain('reverted stop-kubelet on business');
    expect(rb.stdout).to.match(/removed business: Deployment business\/canary, which the drill created/);
    expect(rb.stdout).to.match(/removed business: poddisruptionbudgets business\/canary/);
    expect(rb.stdout).to.contain('everything the drill touched is as it was before');
    expect(await leftovers()).to.deep.equal([]);
    expect(readdirSync(dir).filter((n) => n.endsWith('.json'))).to.have.length(1);
    const none = await gameday(['rollback', '--journal-dir', join(dir)]);
    expect(none.stdout).to.contain('Nothing to roll back');
  });
});
