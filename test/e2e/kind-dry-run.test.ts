import { expect } from 'chai';
import { join } from 'node:path';
import { RealClock } from '../../src/engine/clock.js';
import { loadExperiments } from '../../src/experiment/load.js';
import { runExperiment } from '../../src/engine/runner.js';
import { writeKubeconfig } from '../../src/sim/apiserver/kubeconfig.js';
import { DEFAULT_PARAMS } from '../../src/sim/params.js';
import { Simulator } from '../../src/sim/simulator.js';
import { defaultTopology } from '../../src/sim/topology/default-topology.js';
import type { Topology } from '../../src/sim/topology/types.js';
import type { Exec } from '../../src/targets/common/command-runner.js';
import { createKindTarget } from '../../src/targets/kind/kind-target.js';
import { tempDir } from './support.js';

const KIND_NODES = [
  ['gameday-control-plane', 'control-plane'],
  ['gameday-control-plane2', 'control-plane'],
  ['gameday-control-plane3', 'control-plane'],
  ['gameday-worker', 'worker'],
  ['gameday-worker2', 'worker'],
  ['gameday-worker3', 'worker'],
] as const;

/** kind-config.yaml's shape (3 control-plane, 3 workers) with the business cluster's workloads. */
function kindShapedTopology(): Topology {
  const business = defaultTopology().clusters.find((c) => c.name === 'business')!;
  return {
    clusters: [
      {
        ...business,
        name: 'kind-gameday',
        etcdMembers: undefined as unknown as string[],
        // kind taints its control-plane nodes NoSchedule, as kubeadm does.
        nodes: KIND_NODES.map(([name, role]) =>
          role === 'control-plane'
            ? {
                name,
                role: 'master' as const,
                cpu: '8',
                memory: '32Gi',
                taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' as const }],
              }
            : { name, role: 'worker' as const, cpu: '8', memory: '32Gi' },
        ),
      },
    ].map(({ etcdMembers: _e, ...c }) => c),
  };
}

/**
 * Plans every kind-capable drill of the catalogue on the kind target, with the Kubernetes API of a
 * kind-shaped simulated cluster and a `docker` that only answers `docker ps`: the dry run must print the
 * docker commands an SRE would run by hand on kind, and run none of them.
 */
describe('the catalogue on --target kind --dry-run', function () {
  this.timeout(120_000);
  let sim: Simulator | undefined;
  after(async () => sim?.close());

  it('prints the docker commands of each kind-capable drill and runs only read-only listings', async () => {
    sim = await Simulator.start({
      topology: kindShapedTopology(),
      params: DEFAULT_PARAMS,
      clock: new RealClock(50),
      seed: 1,
      serve: true,
    });
    await sim.settle(600_000);
    const dir = tempDir('kind');
    const kubeconfig = join(dir, 'kubeconfig');
    await writeKubeconfig(kubeconfig, [
      { cluster: 'kind-gameday', url: sim.cluster('kind-gameday').server!.url, token: sim.token },
    ]);
    const ran: string[] = [];
    const exec: Exec = async (file, args) => {
      ran.push([file, ...args].join(' '));
      if (file === 'docker' && args[0] === 'ps') {
        return {
          exitCode: 0,
          stdout: KIND_NODES.map(([n, r]) => `${n}\t${r}`).join('\n'),
          stderr: '',
          timedOut: false,
        };
      }
      return { exitCode: 0, stdout: '', stderr: '', timedOut: false };
    };
    const docker: string[] = [];
    // The etcd drills plan from `etcdctl member list` inside the etcd container, which needs a real kind
    // cluster; this stub answers only docker ps.
    const experiments = (await loadExperiments(['experiments'])).filter(
      (l) => l.experiment.tags?.includes('kind') && !l.experiment.tags.includes('etcd'),
    );
    expect(experiments.length).to.be.at.least(5);
    for (const l of experiments) {
      const target = await createKindTarget({
        name: 'gameday',
        kubeconfig,
        context: 'kind-gameday',
        dryRun: true,
        exec,
      });
      try {
        const result = await runExperiment(l, target, {
          seed: 1,
          dryRun: true,
          signal: new AbortController().signal,
          journalDir: tempDir('journal'),
          journalTarget: { kind: 'kind', kindCluster: 'gameday' },
        });
        expect(result.verdict, `${l.experiment.id}: ${result.error ?? ''}`).to.equal('pass');
        const planned = result.actions.filter((a) => a.dryRun);
        expect(planned.length, `${l.experiment.id} planned nothing`).to.be.greaterThan(0);
        const commands = planned.filter((a) => a.kind === 'command').map((a) => a.text);
        for (const c of commands) expect(c, l.experiment.id).to.match(/^(docker|kubectl|kind|etcdctl) /);
        docker.push(...commands.filter((c) => c.startsWith('docker ')));
      } finally {
        await target.close();
      }
    }
    expect(docker.some((c) => /^docker exec gameday-worker\d? systemctl stop kubelet$/.test(c))).to.equal(true);
    // Only read-only planning commands really ran: listing node and etcd containers, reading a node's
    // address for the journal and the etcd manifests (which etcd, so which tools, when no member answers).
    expect(
      ran.filter((c) => !/^docker (ps |inspect |exec \S+ (crictl ps |cat \/etc\/kubernetes\/))/.test(c)),
    ).to.deep.equal([]);
  });
});
