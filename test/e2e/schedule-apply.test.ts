import { expect } from 'chai';
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RealClock } from '../../src/engine/clock.js';
import { loadExperiments } from '../../src/experiment/load.js';
import { buildManifests, renderManifests } from '../../src/schedule/manifests.js';
import { writeKubeconfig } from '../../src/sim/apiserver/kubeconfig.js';
import { DEFAULT_PARAMS } from '../../src/sim/params.js';
import { Simulator } from '../../src/sim/simulator.js';
import { defaultTopology } from '../../src/sim/topology/default-topology.js';
import { tempDir } from './support.js';

describe('scheduled game days on the simulator', function () {
  this.timeout(60_000);
  let sim: Simulator | undefined;
  after(async () => sim?.close());

  it('applies the CronJob, RBAC, ConfigMap and PVC manifests with the real kubectl', async function () {
    const kubectl = await execa('kubectl', ['version', '--client'], { reject: false });
    if (kubectl.exitCode !== 0) {
      console.log('      skipped: kubectl is not installed');
      this.skip();
    }
    sim = await Simulator.start({
      topology: defaultTopology(),
      params: DEFAULT_PARAMS,
      clock: new RealClock(20),
      seed: 1,
      serve: true,
      tls: true,
    });
    const dir = tempDir('schedule');
    const kubeconfig = join(dir, 'kubeconfig');
    await writeKubeconfig(
      kubeconfig,
      [...sim.clusters.values()].map((c) => ({ cluster: c.name, url: c.server!.url, token: sim!.token, ca: sim!.ca })),
    );
    const experiments = await loadExperiments(['experiments/d6-kubelet-stopped.json']);
    const built = buildManifests(experiments, {
      cron: '0 3 * * 1',
      namespace: 'gameday',
      image: 'gameday:0.1.0',
      target: 'sim',
      results: 'pvc',
    });
    const file = join(dir, 'schedule.yaml');
    writeFileSync(file, renderManifests(built.docs));
    const r = await execa('kubectl', ['--kubeconfig', kubeconfig, '--context', 'business', 'apply', '-f', file], {
      reject: false,
    });
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('cronjob.batch/gameday created');
    expect(r.stdout).to.contain('configmap/gameday-experiments created');
    const got = await execa('kubectl', [
      '--kubeconfig',
      kubeconfig,
      '--context',
      'business',
      'get',
      'cronjob',
      '-n',
      'gameday',
      '-o',
      'jsonpath={.items[0].spec.concurrencyPolicy}',
    ]);
    expect(got.stdout).to.equal('Forbid');
  });
});
