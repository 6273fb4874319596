import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { VirtualClock } from '../../../src/engine/clock.js';
import { InvalidInputError } from '../../../src/errors.js';
import type { Experiment } from '../../../src/experiment/types.js';
import { DEFAULT_PARAMS } from '../../../src/sim/params.js';
import { controlEndpoint } from '../../../src/sim/serve/control-endpoint.js';
import { Simulator } from '../../../src/sim/simulator.js';
import { defaultTopology } from '../../../src/sim/topology/default-topology.js';
import { attachSimTarget } from '../../../src/targets/sim/attached-target.js';

function drillOn(clusters: string[] | undefined, faultCluster?: string): Experiment {
  return {
    id: 'x',
    title: 'x',
    ...(clusters ? { clusters } : {}),
    faults: [{ type: 'stop-kubelet', ...(faultCluster ? { cluster: faultCluster } : {}) }],
    recovery: { mode: 'self-heal' },
    verify: [{ type: 'no-notready-nodes' }],
  } as Experiment;
}

describe('--target sim --kubeconfig: every context a drill touches must be a simulator', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let real: Server;
  const seen: string[] = [];
  let dir: string;
  let kubeconfig: string;

  before(async () => {
    sim = await Simulator.start({
      topology: defaultTopology(),
      params: DEFAULT_PARAMS,
      clock: new VirtualClock(),
      seed: 1,
      serve: true,
      control: (c) => controlEndpoint(c),
    });
    await sim.settle();
    // Stands in for a real kube-apiserver: it answers the Kubernetes API, and has no /gameday/ endpoints.
    real = createServer((req, res) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
      if (req.url?.startsWith('/gameday/')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","code":404}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((r) => real.listen(0, '127.0.0.1', r));
    dir = mkdtempSync(join(tmpdir(), 'gameday-attached-'));
    kubeconfig = join(dir, 'kubeconfig');
    const realUrl = `http://127.0.0.1:${(real.address() as AddressInfo).port}`;
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters:
- {name: control, cluster: {server: "${sim.cluster('control').server!.url}", insecure-skip-tls-verify: true}}
- {name: business, cluster: {server: "${realUrl}", insecure-skip-tls-verify: true}}
users: [{name: u, user: {token: "${sim.token}"}}]
contexts:
- {name: control, context: {cluster: control, user: u}}
- {name: business, context: {cluster: business, user: u}}
current-context: control
`,
    );
  });
  after(async () => {
    await sim?.close();
    await new Promise<void>((r) => real?.close(() => r()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a drill on a context that leads to a real apiserver, although the current context is a simulator', async () => {
    seen.length = 0;
    const err = await attachSimTarget({
      kind: 'sim',
      seed: 1,
      dryRun: false,
      kubeconfig,
      experiment: drillOn(['control'], 'business'),
    }).then(
      () => new Error('accepted'),
      (e: unknown) => e as Error,
    );
    expect(err).to.be.instanceOf(InvalidInputError);
    expect(err.message).to.include('context "business" leads to http://127.0.0.1:');
    expect(err.message).to.include('nothing was touched');
    expect(seen).to.deep.equal(['GET /gameday/v1/info']);
  });

  it('uses only the contexts it checked: a drill on "control" cannot reach "business"', async () => {
    const { target } = await attachSimTarget({
      kind: 'sim',
      seed: 1,
      dryRun: true,
      kubeconfig,
      experiment: drillOn(['control']),
    });
    try {
      expect(target.clusters()).to.deep.equal(['control']);
      expect(() => target.kube('business')).to.throw(InvalidInputError, /no context "business"|not/);
    } finally {
      await target.close();
    }
  });

  it('checks every context of the file when no experiment says which (a rollback)', async () => {
    const err = await attachSimTarget({ kind: 'sim', seed: 1, dryRun: false, kubeconfig }).then(
      () => new Error('accepted'),
      (e: unknown) => e as Error,
    );
    expect(err).to.be.instanceOf(InvalidInputError);
    expect(err.message).to.include('context "business"');
  });
});
