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
});
