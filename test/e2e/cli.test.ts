import { expect } from 'chai';
import { execa } from 'execa';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { remoteOps } from '../../src/sim/serve/remote-ops.js';
import { BIN, built, gameday, waitForOutput } from './cli-support.js';
import { kubeletDrill, tempDir, writeExperiment } from './support.js';

/** What a web page's fetch sends to create a ConfigMap without a CORS preflight: text/plain, its own Origin. */
function pageRequest(server: string, ca: Buffer): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${server}/api/v1/namespaces/default/configmaps`,
      { method: 'POST', ca, headers: { origin: 'http://evil.example', 'content-type': 'text/plain;charset=UTF-8' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'planted' } }));
  });
}
describe('the gameday command line', function () {
  this.timeout(120_000);
  before(function () {
    if (!built) {
      console.log('      skipped: dist/ is not built (npm test builds it first: run `npm run build`)');
      this.skip();
    }
  });

  it('runs an experiment on the simulator, writes the reports and exits 0', async () => {
    const dir = tempDir('cli');
    const file = writeExperiment(dir, kubeletDrill());
    const reports = join(dir, 'reports');
    const r = await gameday([
      'run',
      file,
      '--report-dir',
      reports,
      '--junit',
      join(dir, 'junit.xml'),
      '--journal-dir',
      join(dir, 'j'),
    ]);
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/PASS {2}\(\d+(\.\d)?s on the virtual clock/);
    expect(r.stdout).to.contain('time-to-detect');
    expect(readdirSync(reports).sort()).to.deep.equal([
      'report.html',
      'report.md',
      'report.xml',
      'test-kubelet-stopped.json',
    ]);
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).to.contain('<testsuite');
  });

  it('writes nothing on a dry run: no journal, no history, no metrics, no snapshot, no report unless asked', async () => {
    const dir = tempDir('cli');
    const r = await gameday(
      [
        'run',
        join(process.cwd(), 'experiments', 'd9-pod-error-missing-configmap.json'),
        join(process.cwd(), 'experiments', 'd4c-etcd-all-members-down.json'),
        '--dry-run',
        '--results-dir',
        join(dir, 'results'),
        '--metrics',
        join(dir, 'metrics.prom'),
      ],
      { cwd: dir },
    );
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.contain('PLANNED (dry run: nothing changed)');
    // Not even the default .gameday/journal in the working directory.
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('exits 1 when a target is missed, naming it', async () => {
    const dir = tempDir('cli');
    const file = writeExperiment(dir, kubeletDrill({ targets: { timeToDetect: '1s' } }));
    const r = await gameday(['run', file, '--journal-dir', join(dir, 'j')]);
    expect(r.exitCode).to.equal(1);
    expect(r.stdout).to.match(/✗ time-to-detect \d+(\.\d)?s exceeds the target 1s/);
  });

  it('exits 2 with a located message and no stack trace for an invalid experiment', async () => {
    const dir = tempDir('cli');
    const file = writeExperiment(dir, kubeletDrill({ faults: [{ type: 'stop-kublet' }] }));
    const r = await gameday(['run', file]);
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.contain('Unknown fault type "stop-kublet"; did you mean "stop-kubelet"?');
    expect(r.stderr).to.match(/test-kubelet-stopped\.json:\d+:\d+/);
    expect(r.stderr).not.to.match(/\n\s+at /);
  });

  it('dry-run prints every planned API call and command and exits 0', async () => {
    const dir = tempDir('cli');
    const file = writeExperiment(dir, kubeletDrill());
    const r = await gameday(['run', file, '--dry-run', '--journal-dir', join(dir, 'j')]);
    expect(r.stdout).to.contain('dry run: nothing will change');
    expect(r.stdout).to.match(/\[business\] ssh 10\.128\.38\.10 systemctl stop kubelet/);
    expect(r.stdout).to.match(/\[business\] ssh 10\.128\.38\.10 systemctl restart kubelet/);
  });

  it('after SIGKILL mid-drill, `gameday rollback` repairs the served simulator from the journal', async () => {
    const dir = tempDir('cli');
    const kubeconfig = join(dir, 'kubeconfig');
    const sim = execa('node', [BIN, 'sim', 'up', '--kubeconfig', kubeconfig, '--speed', '20'], { reject: false });
    try {
      await waitForOutput(sim, 'All nodes Ready', 60_000);
      // The kubeconfig holds the token: the user's alone. What a web page can send is refused.
      expect(statSync(kubeconfig).mode & 0o777).to.equal(0o600);
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      const page = await pageRequest(
        kc.getCurrentCluster()!.server,
        Buffer.from(kc.getCurrentCluster()!.caData!, 'base64'),
      );
      expect(page.status).to.equal(403);
      const file = writeExperiment(dir, kubeletDrill());
      const journalDir = join(dir, 'journal');
      const run = execa('node', [BIN, 'run', file, '--kubeconfig', kubeconfig, '--journal-dir', journalDir, '-v'], {
        reject: false,
      });
      // Kill once the fault is in: the detect phase has begun.
      await waitForOutput(run, /\+\s*\S+\s+detect\n/, 60_000);
      run.kill('SIGKILL');
      await run;
      const journals = readdirSync(journalDir).filter((f) => f.endsWith('.json'));
      expect(journals).to.have.length(1);
      const before = JSON.parse(readFileSync(join(journalDir, journals[0]!), 'utf8')) as { state: string };
      expect(before.state).to.equal('running');
      // Through the kubeconfig `sim up` wrote: its token, and its certificate as the authority.
      const kubelet = async (): Promise<unknown> => {
        const kc = new KubeConfig();
        kc.loadFromFile(kubeconfig);
        kc.setCurrentContext('business');
        const ops = remoteOps(kc.getCurrentCluster()!.server, { kubeConfig: kc });
        return ops.nodes.serviceState('10.128.38.10', 'kubelet');
      };
      expect(await kubelet()).to.equal('inactive');
      const rb = await gameday(['rollback', '--journal-dir', journalDir]);
      expect(rb.exitCode, rb.stdout + rb.stderr).to.equal(0);
      expect(rb.stdout).to.contain('reverted stop-kubelet on business');
      expect(await kubelet()).to.equal('active');
      const after = JSON.parse(readFileSync(join(journalDir, journals[0]!), 'utf8')) as { state: string };
      expect(after.state).to.equal('rolled-back');
    } finally {
      sim.kill('SIGTERM');
      await sim;
    }
  });

  it('on SIGINT mid-drill rolls back every injected fault and exits 3', async () => {
    const dir = tempDir('cli');
    const kubeconfig = join(dir, 'kubeconfig');
    const sim = execa('node', [BIN, 'sim', 'up', '--kubeconfig', kubeconfig, '--speed', '20'], { reject: false });
    try {
      await waitForOutput(sim, 'All nodes Ready', 60_000);
      const file = writeExperiment(dir, kubeletDrill());
      const run = execa('node', [BIN, 'run', file, '--kubeconfig', kubeconfig, '--journal-dir', join(dir, 'j'), '-v'], {
        reject: false,
      });
      await waitForOutput(run, 'inject stop-kubelet', 60_000);
      run.kill('SIGINT');
      const r = await run;
      expect(r.exitCode, r.stdout + r.stderr).to.equal(3);
      expect(r.stdout).to.contain('rolling back');
      expect(r.stdout).to.contain('reverted stop-kubelet');
      expect(r.stdout).to.contain('ABORTED');
    } finally {
      sim.kill('SIGTERM');
      await sim;
    }
  });
});
