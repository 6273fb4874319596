import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { VirtualClock } from '../../src/engine/clock.js';
import { InvalidInputError } from '../../src/errors.js';
import { NodeShell } from '../../src/practice/node-shell.js';
import { remoteShellBackend } from '../../src/practice/trainee.js';
import { DEFAULT_PARAMS } from '../../src/sim/params.js';
import { Simulator } from '../../src/sim/simulator.js';
import { defaultTopology } from '../../src/sim/topology/default-topology.js';

/**
 * The node shell of another process: API through the kubeconfig, host operations through the served
 * simulator's control endpoint, as `gameday node exec` uses them against `gameday sim up`.
 */
describe('the node shell against a served simulator', function () {
  this.timeout(60_000);
  let sim: Simulator | undefined;
  let dir: string;
  let kubeconfig: string;
  let platformKubeconfig: string;

  before(async function () {
    const endpoint = await import('../../src/sim/serve/control-endpoint.js').catch(() => undefined);
    if (!endpoint) {
      console.log("      (src/sim/serve/control-endpoint.ts is not there: nothing to reach the simulator's NodeOps)");
      this.skip();
    }
    const clock = new VirtualClock();
    sim = await Simulator.start({
      topology: defaultTopology(),
      params: DEFAULT_PARAMS,
      clock,
      seed: 2,
      serve: true,
      control: (c) => endpoint.controlEndpoint(c),
    });
    await sim.settle();
    dir = mkdtempSync(join(tmpdir(), 'gameday-remote-shell-'));
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, sim.kubeConfig('business').exportConfig());
    // The three clusters in one kubeconfig, current context control, as `gameday sim up` writes it.
    const all = ['control', 'business', 'paas'].map(
      (c) => JSON.parse(sim!.kubeConfig(c).exportConfig()) as Record<string, unknown[]>,
    );
    platformKubeconfig = join(dir, 'platform-kubeconfig');
    writeFileSync(
      platformKubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: all.flatMap((k) => k['clusters']),
        users: all.flatMap((k) => k['users']),
        contexts: all.flatMap((k) => k['contexts']),
        'current-context': 'control',
      }),
    );
  });
  after(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stops and starts kubelet on the simulated host and sees it in systemctl', async () => {
    const { backend, close } = await remoteShellBackend({ kubeconfig, context: 'business', node: '10.128.38.9' });
    try {
      expect(backend.isMaster).to.equal(false);
      const shell = new NodeShell(backend, () => Date.now());
      expect((await shell.run('systemctl is-active kubelet')).stdout).to.equal('active\n');
      await shell.run('systemctl stop kubelet');
      expect((await shell.run('systemctl is-active kubelet')).stdout).to.equal('inactive\n');
      await shell.run('systemctl start kubelet');
      expect((await shell.run('systemctl is-active kubelet')).stdout).to.equal('active\n');
      expect((await shell.run('docker ps | wc -l')).stdout.trim()).not.to.equal('1');
    } finally {
      close();
    }
  });

  it('lists etcd members on a master through the control endpoint', async () => {
    const { backend, close } = await remoteShellBackend({ kubeconfig, context: 'business', node: '10.128.38.6' });
    try {
      expect(backend.isMaster).to.equal(true);
      const r = await new NodeShell(backend, () => Date.now()).run('etcdctl member list');
      expect(r.exitCode).to.equal(0);
      expect(r.stdout.trim().split('\n')).to.have.length(3);
    } finally {
      close();
    }
  });

  it('names the nodes there are when the node does not exist', async () => {
    const err = await remoteShellBackend({ kubeconfig, context: 'business', node: '10.0.0.1' }).catch(
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(InvalidInputError);
    expect((err as Error).message).to.match(/^No node "10\.0\.0\.1" in business; its nodes are: .*10\.128\.38\.9/);
  });

  it('finds the node in whichever cluster has it when no context is given (issue 18)', async () => {
    const { backend, close } = await remoteShellBackend({ kubeconfig: platformKubeconfig, node: '10.128.39.2' });
    try {
      expect(backend.kube.cluster).to.equal('paas');
      expect((await new NodeShell(backend, () => Date.now()).run('hostname')).stdout).to.contain('10.128.39.2');
    } finally {
      close();
    }
    const err = await remoteShellBackend({ kubeconfig: platformKubeconfig, node: '10.9.9.9' }).catch((e: unknown) => e);
    expect((err as Error).message).to.match(
      /^No node "10\.9\.9\.9" in any cluster of .*; the nodes are: control: 10\.128\.38\.1.*; business: .*; paas: .*10\.128\.39\.6/,
    );
  });
});
