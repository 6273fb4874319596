import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect } from 'chai';
import type { Experiment, LoadedExperiment } from '../../src/experiment/types.js';
import type { AlertEvent } from '../../src/practice/alerts.js';
import type { ShellBackend } from '../../src/practice/node-shell.js';
import type { PracticeReport } from '../../src/practice/practice-report.js';
import { runPractice, type PracticeEvent } from '../../src/practice/session.js';
import { SessionStore } from '../../src/practice/session-store.js';
import { ackSession, diagnoseSession, hintSession, runInSession } from '../../src/practice/trainee.js';
import { formatReport } from '../../src/practice/practice-report.js';
import { SimTarget } from '../../src/targets/sim/sim-target.js';

/**
 * A scripted trainee completes drills on the simulator (virtual clock): it waits for the alert, looks
 * with kubectl and the node shell, names the fault (wrongly first), takes a hint and repairs. Each wait
 * of the trainee is a clock wait, and kubectl runs hold the clock, so the drill's times are the trainee's.
 */
describe('practice mode end to end on the simulator', function () {
  this.timeout(120_000);
  let dir: string;
  let target: SimTarget | undefined;
  let kubectlOk = true;

  before(async () => {
    kubectlOk = await execa('kubectl', ['version', '--client']).then(
      () => true,
      () => false,
    );
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gameday-practice-e2e-'));
  });
  afterEach(async () => {
    await target?.close();
    target = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(
    loaded: LoadedExperiment,
    trainee: (o: TraineeKit) => Promise<void>,
  ): Promise<{ report: PracticeReport; traineeError: unknown }> {
    target = await SimTarget.create({ seed: 3, tls: true });
    const t = target;
    const cluster = loaded.experiment.clusters![0]!;
    const kubeconfig = join(dir, 'kubeconfig');
    const kc = t.sim.kubeConfig(cluster);
    writeFileSync(kubeconfig, kc.exportConfig());
    const abort = new AbortController();
    let store: SessionStore | undefined;
    let traineeDone: Promise<void> | undefined;
    let traineeError: unknown;
    const alerts: AlertEvent[] = [];
    const alertWaiters: { match: RegExp; resolve: (a: AlertEvent) => void }[] = [];
    const onEvent = (e: PracticeEvent): void => {
      if (e.type === 'started') store = new SessionStore(dir, e.session);
      if (e.type !== 'alert') return;
      alerts.push(e.event);
      for (const w of [...alertWaiters]) {
        if (e.event.type === 'firing' && w.match.test(e.event.alert.text)) {
          alertWaiters.splice(alertWaiters.indexOf(w), 1);
          w.resolve(e.event);
        }
      }
    };
    const kit: TraineeKit = {
      clock: t.clock,
      store: () => store!,
      alert: (match) =>
        new Promise<AlertEvent>((resolve) => {
          const seen = alerts.find((a) => a.type === 'firing' && match.test(a.alert.text));
          if (seen) resolve(seen);
          else alertWaiters.push({ match, resolve });
        }),
      kubectl: async (...args) => {
        const r = await t.clock.track(
          execa('kubectl', ['--kubeconfig', kubeconfig, ...args], { reject: false }),
          'trainee kubectl',
        );
        return String(r.stdout) + String(r.stderr);
      },
      shell: (node, line) => {
        const backend: ShellBackend = {
          nodes: t.nodes(cluster),
          etcd: t.etcd(cluster),
          kube: t.kube(cluster),
          node,
          isMaster: false,
        };
        return t.clock.track(
          runInSession(store!, backend, line, () => t.clock.now()),
          'trainee shell',
        );
      },
    };
    const report = await runPractice({
      loaded,
      target: t,
      journalTarget: { kind: 'sim', embedded: true },
      journalDir: join(dir, 'journal'),
      dir,
      seed: 11,
      injectDelay: { minMs: 20_000, maxMs: 90_000 },
      signal: abort.signal,
      onEvent: (e) => {
        onEvent(e);
        if (e.type === 'started') {
          traineeDone = trainee(kit).catch((err: unknown) => {
            traineeError = err;
            abort.abort(new Error('the scripted trainee failed'));
          });
        }
      },
    });
    await traineeDone;
    return { report, traineeError };
  }

  it('D6: the trainee acknowledges, names the stopped kubelet after a wrong guess, restarts it, and is timed', async function () {
    if (!kubectlOk) {
      console.log('      (kubectl is not on PATH: the trainee needs it)');
      this.skip();
    }
    const loaded = loadExperiment('experiments/d6-kubelet-stopped.json');
    const seen: Record<string, string> = {};
    const { report, traineeError } = await start(loaded, async (k) => {
      const alert = await k.alert(/^Node \S+ is NotReady$/);
      const node = /^Node (\S+) is NotReady$/.exec(alert.alert.text)![1]!;
      await k.clock.sleep(20_000);
      seen.ack = ackSession(k.store(), k.clock.now());
      seen.nodes = await k.kubectl('get', 'nodes', '--context', 'business');
      seen.status = (await k.shell(node, 'systemctl status kubelet')).stdout;
      await k.clock.sleep(15_000);
      seen.wrong = diagnoseSession(k.store(), 'docker is down', k.clock.now()).message;
      seen.journal = (await k.shell(node, 'journalctl -u kubelet -n 3')).stdout;
      await k.clock.sleep(10_000);
      seen.right = diagnoseSession(k.store(), `kubelet stopped on ${node}`, k.clock.now()).message;
      seen.hint = hintSession(k.store(), k.clock.now());
      await k.clock.sleep(20_000);
      seen.restart = String((await k.shell(node, 'systemctl restart kubelet')).exitCode);
    });
    expect(traineeError).to.equal(undefined);
    expect(seen.ack).to.match(/^Acknowledged at \+/);
    expect(seen.nodes).to.match(/NotReady/);
    expect(seen.status).to.contain('Active: inactive (dead)');
    expect(seen.wrong).to.match(/^Wrong/);
    expect(seen.journal).to.contain('Stopped kubelet: The Kubernetes Node Agent.');
    expect(seen.right).to.equal('Correct: stop-kubelet.');
    expect(seen.hint).to.match(/^Runbook step 1\/1: .*systemctl restart kubelet/);
    expect(seen.restart).to.equal('0');

    expect(report.status).to.equal('recovered');
    const [ack, diag, rec] = report.timings;
    expect(ack!.ms).to.be.a('number');
    expect(diag!.ms! - ack!.ms!).to.equal(25_000);
    expect(rec!.ms).to.be.at.least(diag!.ms! + 20_000);
    expect(report.wrongDiagnoses).to.equal(1);
    expect(report.hintsUsed).to.equal(1);
    expect(report.injected[0]).to.match(/^stop-kubelet \[10\.128\.38\.\d+\]$/);
    const shell = report.transcript.filter((e) => e.kind === 'shell').map((e) => [e.text, e.exitCode]);
    expect(shell).to.deep.equal([
      ['systemctl status kubelet', 3],
      ['journalctl -u kubelet -n 3', 0],
      ['systemctl restart kubelet', 0],
    ]);
    expect(report.transcript.some((e) => e.kind === 'alert' && /is NotReady/.test(e.text))).to.equal(true);
    expect(formatReport(report)).to.contain('time to recover');
    const file = JSON.parse(readFileSync(join(dir, `${report.session}.json`), 'utf8')) as {
      status: string;
      rollback: { ok: boolean };
    };
    expect(file.status).to.equal('recovered');
    expect(file.rollback.ok).to.equal(true);
  });

  it('D11: the trainee scales gateway-proxy back with kubectl; the transcript shows both API changes', async function () {
    if (!kubectlOk) {
      console.log('      (kubectl is not on PATH: the trainee needs it)');
      this.skip();
    }
    const seen: Record<string, string> = {};
    const { report, traineeError } = await start(d11(), async (k) => {
      await k.alert(/^gateway-system\/gateway-proxy replicas below desired \(0\/2\)$/);
      await k.clock.sleep(30_000);
      seen.get = await k.kubectl('--context', 'control', '-n', 'gateway-system', 'get', 'deployment', 'gateway-proxy');
      seen.diag = diagnoseSession(k.store(), 'gateway-proxy was scaled to zero', k.clock.now()).message;
      await k.clock.sleep(15_000);
      seen.scale = await k.kubectl(
        '--context',
        'control',
        '-n',
        'gateway-system',
        'scale',
        'deployment',
        'gateway-proxy',
        '--replicas=2',
      );
    });
    expect(traineeError).to.equal(undefined);
    expect(seen.get).to.match(/gateway-proxy\s+0\/0/);
    expect(seen.diag).to.equal('Correct: scale-workload.');
    expect(seen.scale).to.contain('deployment.apps/gateway-proxy scaled');
    expect(report.status).to.equal('recovered');
    const [ack, diag, rec] = report.timings;
    // No `gameday ack`: the diagnosis is the first sign of the trainee acting.
    expect(ack!.ms).to.equal(diag!.ms);
    expect(rec!.ms).to.be.at.least(diag!.ms! + 15_000);
    const api = report.transcript.filter((e) => e.kind === 'api').map((e) => [e.text, e.by]);
    expect(api).to.deep.include(['deployment gateway-system/gateway-proxy: replicas 2 -> 0', 'gameday']);
    expect(api).to.deep.include(['deployment gateway-system/gateway-proxy: replicas 0 -> 2', 'someone']);
    expect(report.score.deductions).to.deep.equal([]);
  });

  it('giving up (Ctrl-C) after the fault still rolls it back', async () => {
    const abortAfterAlert = new AbortController();
    target = await SimTarget.create({ seed: 3, tls: true });
    const t = target;
    const report = await runPractice({
      loaded: d11(),
      target: t,
      journalTarget: { kind: 'sim', embedded: true },
      journalDir: join(dir, 'journal'),
      dir,
      seed: 5,
      injectDelay: { minMs: 10_000, maxMs: 10_000 },
      signal: abortAfterAlert.signal,
      onEvent: (e) => {
        if (e.type === 'alert' && e.event.type === 'firing' && /gateway-proxy/.test(e.event.alert.text))
          abortAfterAlert.abort('SIGINT');
      },
    });
    expect(report.status).to.equal('gave-up');
    expect(report.rollback).to.deep.equal({ ok: true, errors: [] });
    const d = await t.kube('control').get('deployments', 'gateway-proxy', 'gateway-system');
    expect(d?.spec?.replicas).to.equal(2);
    expect(report.score.deductions[0]).to.equal('-50 not recovered');
  });
});

interface TraineeKit {
  clock: SimTarget['clock'];
  store: () => SessionStore;
  alert: (match: RegExp) => Promise<AlertEvent>;
  kubectl: (...args: string[]) => Promise<string>;
  shell: (node: string, line: string) => ReturnType<typeof runInSession>;
}

function loadExperiment(file: string): LoadedExperiment {
  return { file, experiment: JSON.parse(readFileSync(file, 'utf8')) as Experiment };
}

function d11(): LoadedExperiment {
  return {
    file: 'test/practice/d11-inline.json',
    experiment: {
      id: 'd11-gateway-proxy-scaled-to-zero',
      title: 'gateway-proxy scaled to zero',
      description: 'D11: the gateway data plane is scaled to zero; the runbook scales it back.',
      runbook: 'D11 GatewayProxy 故障恢复',
      clusters: ['control'],
      steadyState: [
        {
          type: 'workload-available',
          workload: { namespace: 'gateway-system', kind: 'Deployment', name: 'gateway-proxy' },
        },
      ],
      faults: [
        {
          type: 'scale-workload',
          workload: { namespace: 'gateway-system', kind: 'Deployment', name: 'gateway-proxy' },
          replicas: 0,
        },
      ],
      detect: [{ type: 'workload-available', below: true }],
      recovery: { mode: 'automatic', steps: [{ type: 'scale', replicas: 2 }] },
      verify: [{ type: 'workload-available' }],
      targets: { timeToDetect: '60s', timeToReady: '3m' },
    },
  };
}
