import { expect } from 'chai';
import type { Informer } from '../../src/kube/kube.js';
import { conditionOf, isNodeReady, type KubeObject } from '../../src/kube/objects.js';
import type { Target } from '../../src/targets/target.js';

/** What a target plugged into the contract suite brings along. */
export interface ContractSubject {
  target: Target;
  /** The cluster to drill; default: the target's first. */
  cluster?: string;
  /** A worker node whose kubelet is stopped and whose host is powered off and on. */
  worker: string;
  /** A control-plane node running kube-scheduler (and an etcd member) as static pods. */
  controlPlane: string;
  /** How long to wait on the target's clock for a transition. Default 10 minutes: generous on purpose. */
  timeoutMs?: number;
  /** Run the etcd checks (the target has three etcd members). Default true. */
  etcd?: boolean;
  /** Called after the suite, e.g. to close the target. */
  dispose?: () => Promise<void>;
}

/**
 * The semantics every target's NodeOps and EtcdOps must show through the API and through the ops themselves,
 * so that an experiment means the same on sim, kind and lab. `makeTarget` may resolve to undefined when
 * the target is not available here (no kind cluster): the suite then skips, saying so.
 *
 * Waits go through the target's clock and are woken by informer events, never by polling: on the
 * simulator's virtual clock the whole suite takes virtual minutes and real milliseconds.
 */
export function describeTargetContract(name: string, makeTarget: () => Promise<ContractSubject | undefined>): void {
  describe(`${name} target contract`, function () {
    let s: ContractSubject | undefined;
    let cluster = '';
    let nodes: Informer;
    let pods: Informer;

    before(async function () {
      this.timeout(120_000);
      s = await makeTarget();
      if (!s) {
        this.skip();
        return;
      }
      cluster = s.cluster ?? s.target.clusters()[0] ?? '';
      const kube = s.target.kube(cluster);
      nodes = kube.informer('nodes');
      pods = kube.informer('pods', { namespace: 'kube-system' });
      await Promise.all([nodes.ready(), pods.ready()]);
    });

    after(async () => {
      nodes?.stop();
      pods?.stop();
      await s?.dispose?.();
    });

    function subject(): ContractSubject {
      if (!s) throw new Error('no target');
      return s;
    }

    function timeout(): number {
      return subject().timeoutMs ?? 600_000;
    }

    /** Mocha's own limit in real time: the clock's timeout plus room, since a real clock is real time. */
    function realLimit(): number {
      return subject().target.clock.mode === 'real' ? timeout() * 2 + 60_000 : 60_000;
    }

    function waitNode(node: string, ready: boolean): Promise<KubeObject> {
      return subject().target.clock.waitFor(
        () => {
          const n = nodes.get(node);
          return n && isNodeReady(n) === ready ? n : undefined;
        },
        { timeoutMs: timeout(), what: `node ${node} ${ready ? 'Ready' : 'NotReady'}` },
      );
    }

    function waitPod(name: string, present: boolean): Promise<true> {
      return subject().target.clock.waitFor(
        () => (pods.get(name, 'kube-system') !== undefined) === present || undefined,
        {
          timeoutMs: timeout(),
          what: `mirror pod kube-system/${name} ${present ? 'back' : 'gone'}`,
        },
      );
    }

    it('stopping kubelet makes the service inactive and the node NotReady; starting it makes the node Ready', async function () {
      this.timeout(realLimit());
      const { target, worker } = subject();
      const ops = target.nodes(cluster);
      await waitNode(worker, true);
      try {
        await ops.service(worker, 'kubelet', 'stop');
        expect(await ops.serviceState(worker, 'kubelet')).to.equal('inactive');
        const notReady = await waitNode(worker, false);
        expect(conditionOf(notReady, 'Ready')?.status).to.be.oneOf(['False', 'Unknown']);
      } finally {
        await ops.service(worker, 'kubelet', 'start');
      }
      expect(await ops.serviceState(worker, 'kubelet')).to.equal('active');
      await waitNode(worker, true);
    });

    it('powering a host off makes its node NotReady; powering it on brings it back Ready', async function () {
      this.timeout(realLimit());
      const { target, worker } = subject();
      const ops = target.nodes(cluster);
      try {
        await ops.power(worker, 'off');
        await waitNode(worker, false);
      } finally {
        await ops.power(worker, 'on');
      }
      await waitNode(worker, true);
    });

    it("moving kube-scheduler's manifest out removes its mirror pod; moving it back recreates it", async function () {
      this.timeout(realLimit());
      const { target, controlPlane } = subject();
      const ops = target.nodes(cluster);
      const mirror = `kube-scheduler-${controlPlane}`;
      await waitPod(mirror, true);
      try {
        await ops.manifest(controlPlane, 'kube-scheduler', 'out');
        await waitPod(mirror, false);
      } finally {
        await ops.manifest(controlPlane, 'kube-scheduler', 'in');
      }
      await waitPod(mirror, true);
      const pod = pods.get(mirror, 'kube-system');
      expect(pod?.metadata.annotations?.['kubernetes.io/config.mirror']).to.be.a('string');
    });

    it('etcd takes a write and reads it back, lists three members, and one stopped member leaves the others running', async function () {
      const subj = subject();
      if (subj.etcd === false) this.skip();
      this.timeout(realLimit());
      const etcd = subj.target.etcd(cluster);
      const members = await etcd.members();
      expect(members).to.have.length(3);
      const w = await etcd.write('contract/key', 'value-1');
      expect(w.ok).to.equal(true);
      expect((await etcd.read('contract/')).get('contract/key')).to.equal('value-1');

      const victim = members.find((m) => m.node === subj.controlPlane) ?? members[members.length - 1]!;
      try {
        await etcd.stopMember(victim.name, 'stop');
        const running = await waitRunning(
          subj,
          () => etcd.running(),
          (r) => !r.includes(victim.name),
        );
        expect(running).to.have.length(2);
        // One member down out of three: the cluster still takes writes (drill D4a).
        expect((await etcd.write('contract/key', 'value-2')).ok).to.equal(true);
      } finally {
        await etcd.startMember(victim.name);
      }
      await waitRunning(
        subj,
        () => etcd.running(),
        (r) => r.length === 3,
      );
      expect((await etcd.read('contract/')).get('contract/key')).to.equal('value-2');
    });
  });
}

/**
 * Member processes are not API objects: there is no watch to wake on. Re-check once a second of the
 * target's clock (virtual seconds on the simulator) until `done`, within the subject's timeout.
 */
async function waitRunning(
  s: ContractSubject,
  read: () => Promise<string[]>,
  done: (running: string[]) => boolean,
): Promise<string[]> {
  const clock = s.target.clock;
  const deadline = clock.now() + (s.timeoutMs ?? 600_000);
  for (;;) {
    const r = await read();
    if (done(r)) return r;
    if (clock.now() >= deadline) throw new Error(`etcd members running: ${r.join(', ')} (still not as expected)`);
    await clock.sleep(1000);
  }
}
