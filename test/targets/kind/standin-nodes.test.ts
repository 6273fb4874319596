import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { makeContext } from '../../../src/engine/context.js';
import { Journal } from '../../../src/engine/journal.js';
import { thisProcess } from '../../../src/engine/process-identity.js';
import { Random } from '../../../src/engine/random.js';
import { rollbackJournal } from '../../../src/engine/rollback.js';
import { killEtcdMembers, type KillEtcdMembersParams } from '../../../src/faults/kill-etcd-members.js';
import { powerOffNode } from '../../../src/faults/power-off-node.js';
import { newRunState, type FaultPlan, type PluginContext } from '../../../src/kit/plugin.js';
import { etcdGrow } from '../../../src/recovery/etcd-grow.js';
import { etcdMemberReplace } from '../../../src/recovery/etcd-member-replace.js';
import { etcdPointApiserver } from '../../../src/recovery/etcd-point-apiserver.js';
import { etcdRestoreSingle } from '../../../src/recovery/etcd-restore-single.js';
import { powerOnNode } from '../../../src/recovery/power-on-node.js';
import { restartService } from '../../../src/recovery/restart-service.js';
import { createKindTarget, type KindTarget } from '../../../src/targets/kind/kind-target.js';
import { ActionLog, type EtcdMember } from '../../../src/targets/target.js';
import { docker, findEngine, releaseEngine } from '../../support/docker.js';
import { missingForNodes, standinCluster, type StandinCluster, type StandinNode } from './standin-cluster.js';
import { stubKube } from './stub-kube.js';

/**
 * Issue 13 on kind-shaped stand-in nodes (see standin-cluster.ts): real containers on a private network, a
 * real 3-member etcd 3.4 with kubeadm's TLS layout driven by the nodes' manifests, and etcd 3.6's tools (an
 * etcdctl that lost `snapshot status`/`restore`, an etcdutl that has them). Each test is named after the
 * item of the issue it shows. Skips, saying what is missing, without Docker, busybox-static, etcd or openssl.
 */
describe('kind target on stand-in nodes with real etcd (issue 13)', function () {
  this.timeout(300_000);
  let cluster: StandinCluster;
  const targets: KindTarget[] = [];
  let notes: string[];

  before(async function () {
    const missing = missingForNodes();
    const engine = missing.length ? undefined : await findEngine();
    if (missing.length || engine) {
      console.log(`      (skipped: ${engine ?? `missing ${missing.join(', ')}`})`);
      this.skip();
    }
    cluster = await standinCluster({ controlPlanes: 3, spareControlPlanes: 1, workers: 2, bootDelay: 3 });
  });

  after(async () => {
    for (const t of targets) await t.close();
    await cluster?.remove();
    releaseEngine();
  });

  /** A fresh target and context, as a new `gameday run` or `gameday rollback` process has them. */
  async function fresh(): Promise<{ target: KindTarget; ctx: PluginContext }> {
    const nodes = cluster.nodes.map((n) => ({
      metadata: {
        name: n.name,
        labels: n.role === 'control-plane' ? { 'node-role.kubernetes.io/control-plane': '' } : {},
      },
    }));
    const target = await createKindTarget({
      name: cluster.name,
      kubeconfig: cluster.kubeconfig,
      network: cluster.network,
      actions: new ActionLog(),
      snapshotDir: mkdtempSync(join(tmpdir(), 'gameday-snaps-')),
      commandTimeoutMs: 60_000,
      makeKube: () => stubKube({ nodes }).kube,
    });
    targets.push(target);
    notes = [];
    const ctx = makeContext(
      {
        target,
        random: new Random(1),
        state: newRunState(),
        signal: new AbortController().signal,
        dryRun: false,
        note: (_c, text) => notes.push(text),
      },
      cluster.name,
    );
    return { target, ctx };
  }

  async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  const allHealthy =
    (ctx: PluginContext, n = 3) =>
    async () => {
      const h = await ctx.etcd.health();
      return h.length === n && h.every((x) => x.healthy);
    };

  /** The journal `gameday run` writes before injecting, with this fault in it. */
  function journalWith(type: string, params: object, plan: FaultPlan): Journal {
    const j = Journal.create(mkdtempSync(join(tmpdir(), 'gameday-journal-')), {
      runId: `run-${Date.now()}`,
      experimentId: 'issue-13',
      experimentFile: 'issue-13.json',
      target: { kind: 'kind', kindCluster: cluster.name },
      faults: [],
    });
    // As a drill's process that died left it: rollback refuses the journal of a drill still running.
    j.data.process = { ...thisProcess(), startTime: 'another-start' };
    j.addFault({ index: 0, type, cluster: cluster.name, params: { ...params }, plan });
    j.mark(0, 'injected');
    return j;
  }

  async function exitCode(node: string): Promise<number> {
    return Number(await docker('inspect', '-f', '{{.State.ExitCode}}', node));
  }

  async function onNode(node: string, ...cmd: string[]): Promise<{ exitCode: number | undefined; stdout: string }> {
    const r = await execa('docker', ['exec', node, ...cmd], { reject: false });
    return { exitCode: r.exitCode, stdout: r.stdout };
  }

  it('issue 13 item 1: with every etcd member down, the rollback starts them from the membership kept in the journal', async () => {
    const { ctx } = await fresh();
    await until('etcd healthy', allHealthy(ctx));
    const params: KillEtcdMembersParams = { members: { all: true }, how: 'kill', snapshot: false };
    const plan = await killEtcdMembers.plan(ctx, params);
    const membership = plan.data?.['membership'] as EtcdMember[];
    expect(membership.map((m) => m.name).sort()).to.deep.equal(cluster.controlPlanes.map((n) => n.name).sort());
    const journal = journalWith('kill-etcd-members', params, plan);
    await killEtcdMembers.inject(ctx, params, plan);
    await until('every member down', async () => (await ctx.etcd.running()).length === 0);
    // Nothing answers `member list` now: this is what the revert must do without.
    expect(await ctx.etcd.members().catch((e: unknown) => e)).to.be.instanceOf(Error);

    // A new process (gameday rollback after the drill's process died): nothing but the journal.
    const { target } = await fresh();
    const report = await rollbackJournal(Journal.read(journal.path), target, new AbortController().signal);
    expect(report.errors).to.deep.equal([]);
    expect(report.reverted).to.deep.equal([`kill-etcd-members on ${cluster.name}`]);
    const { ctx: after } = await fresh();
    await until('etcd healthy again', allHealthy(after));
  });

  it('issue 13 items 1-4: D4c on etcd 3.6 tools, restored as the DR guide does and grown back with learners', async () => {
    const { ctx } = await fresh();
    await until('etcd healthy', allHealthy(ctx));
    const before = await ctx.etcd.write('d4c/before', 'kept');
    expect(before.ok).to.equal(true);
    const params: KillEtcdMembersParams = { members: { all: true }, how: 'kill', snapshot: true };
    const plan = await killEtcdMembers.plan(ctx, params);
    await killEtcdMembers.inject(ctx, params, plan);
    // Item 2: the snapshot was read with etcdutl: etcd 3.6's etcdctl prints its help for `snapshot status`.
    const snap = ctx.state.snapshots.get(cluster.name)?.[0];
    expect(snap?.revision).to.be.at.least(before.ok ? before.revision : 1);
    expect(snap?.keys).to.be.greaterThan(0);
    await until('every member down', async () => (await ctx.etcd.running()).length === 0);
    // Item 4: a restore container left behind by a failed restore under the old fixed name.
    const first = cluster.controlPlanes[0]!.name;
    await docker('exec', first, 'mkdir', '-p', '/var/lib/containerd-standin/gameday-etcd-restore');

    // Item 1: nothing answers `member list`; the restore takes the membership the fault's plan recorded.
    await etcdRestoreSingle.run(ctx, { member: first });
    const actions = ctx.target.actions.entries.map((a) => a.text);
    const restore = actions.find((t) => t.includes(' snapshot restore '));
    // Item 2: etcdutl, and no --skip-hash-check (the snapshot came from `snapshot save`). Item 4: a name of its own.
    expect(restore).to.match(
      / ctr -n k8s\.io run .* gameday-etcd-restore-\d{8}t\d{6}z-[0-9a-f]{6} etcdutl snapshot restore /,
    );
    expect(restore).to.not.include('--skip-hash-check');
    // Item 3: the member's real name and peer URL, apiservers (and controller-managers, schedulers) stopped
    // before the restore and back after it, pointed at the restored member.
    expect(restore).to.include(
      `--name ${first} --initial-advertise-peer-urls https://${cluster.controlPlanes[0]!.ip}:2380`,
    );
    const index = (re: RegExp) => actions.findIndex((t) => re.test(t));
    expect(index(/mv \/etc\/kubernetes\/manifests\/kube-apiserver\.yaml /)).to.be.within(0, actions.indexOf(restore!));
    expect(index(/mv \/etc\/kubernetes\/kube-scheduler\.yaml \/etc\/kubernetes\/manifests\//)).to.be.greaterThan(
      actions.indexOf(restore!),
    );
    for (const n of cluster.controlPlanes) {
      const apiserver = await onNode(n.name, 'cat', '/etc/kubernetes/manifests/kube-apiserver.yaml');
      expect(apiserver.stdout).to.include(`--etcd-servers=https://${cluster.controlPlanes[0]!.ip}:2379\n`);
      expect((await onNode(n.name, 'test', '-f', '/etc/kubernetes/manifests/kube-scheduler.yaml')).exitCode).to.equal(
        0,
      );
    }
    await etcdPointApiserver.run(ctx, {});
    await etcdGrow.run(ctx, { size: 3 });
    // Item 3: members joined as learners and were promoted; every apiserver on all three members.
    // Two members added, each perhaps more than once: etcd refuses a membership change ("unhealthy cluster")
    // until every member has been connected for 5 s, and the runbook's operator runs it again.
    const added = ctx.target.actions.entries.flatMap((a) => / member add (\S+) .* --learner$/.exec(a.text)?.[1] ?? []);
    expect(new Set(added).size).to.equal(2);
    expect(ctx.target.actions.entries.filter((a) => / member promote [0-9a-f]+$/.test(a.text)).length).to.be.at.least(
      2,
    );
    const members = await ctx.etcd.members();
    expect(members.map((m) => m.name).sort()).to.deep.equal(cluster.controlPlanes.map((n) => n.name).sort());
    const urls = members.map((m) => m.clientURL).join(',');
    for (const n of cluster.controlPlanes) {
      const apiserver = await onNode(n.name, 'cat', '/etc/kubernetes/manifests/kube-apiserver.yaml');
      expect(apiserver.stdout).to.include(`--etcd-servers=${urls}\n`);
    }
    await until('etcd healthy with three members', allHealthy(ctx));
    expect(await ctx.etcd.read('d4c/')).to.deep.equal(new Map([['d4c/before', 'kept']]));
    // The revert after a full recovery: every member is in the cluster and running, nothing to do.
    await killEtcdMembers.revert(ctx, params, plan);
    await until('still healthy', allHealthy(ctx));
  });

  it('issue 13 item 3 (D4a): a member migrated to a host that never ran etcd gets certificates, and the survivors its address', async () => {
    const { ctx } = await fresh();
    await until('etcd healthy', allHealthy(ctx));
    const [cp1, cp2, cp3] = cluster.controlPlanes as [StandinNode, StandinNode, StandinNode];
    const spare = cluster.spares[0]!;
    const params: KillEtcdMembersParams = { members: { names: [cp3.name] }, how: 'kill', snapshot: false };
    const plan = await killEtcdMembers.plan(ctx, params);
    await killEtcdMembers.inject(ctx, params, plan);
    ctx.state.affectedMembers.set(cluster.name, [cp3.name]);
    // The runbook's 1.2-1.8: member remove, member add on the new host, start it, update the others.
    await etcdMemberReplace.run(ctx, { node: spare.name });
    const moved = (await ctx.etcd.members()).find((m) => m.name === cp3.name);
    expect(moved?.peerURL).to.equal(`https://${spare.ip}:2380`);
    // Its peer and server certificates were issued for its address by the cluster's etcd CA.
    for (const c of ['server', 'peer']) {
      const text = await onNode(
        spare.name,
        'openssl',
        'x509',
        '-noout',
        '-text',
        '-in',
        `/etc/kubernetes/pki/etcd/${c}.crt`,
      );
      expect(text.stdout).to.include(`IP Address:${spare.ip}`);
      const verify = await onNode(
        spare.name,
        'openssl',
        'verify',
        '-CAfile',
        '/etc/kubernetes/pki/etcd/ca.crt',
        `/etc/kubernetes/pki/etcd/${c}.crt`,
      );
      expect(verify.exitCode, verify.stdout).to.equal(0);
    }
    // The survivors' manifests name the new member list and join an existing cluster.
    const list = (await ctx.etcd.members()).map((m) => `${m.name}=${m.peerURL}`);
    for (const n of [cp1, cp2]) {
      const manifest = (await onNode(n.name, 'cat', '/etc/kubernetes/manifests/etcd.yaml')).stdout;
      const ic = /--initial-cluster=(\S+)/.exec(manifest)?.[1]?.split(',').sort();
      expect(ic).to.deep.equal([...list].sort());
      expect(manifest).to.include('--initial-cluster-state=existing');
    }
    await until('etcd healthy on the new host', allHealthy(ctx));
    // The revert does not start the old host's member: its name now lives elsewhere.
    await killEtcdMembers.revert(ctx, params, plan);
    expect(notes.some((n) => n.includes(`${cp3.name} no longer in the cluster where it was`))).to.equal(true);
    expect((await onNode(cp3.name, 'test', '-f', '/etc/kubernetes/manifests/etcd.yaml')).exitCode).to.equal(1);
    await until('still healthy', allHealthy(ctx));
  });

  it('issue 13 item 6: power-off is a crash (docker kill); an orderly shutdown is its own option', async () => {
    const { ctx } = await fresh();
    const w = cluster.workers[0]!.name;
    await ctx.nodes.power(w, 'off');
    // SIGKILL: the node's init had no chance to shut anything down (docker stop's SIGTERM leaves a mark).
    expect(await exitCode(w)).to.equal(137);
    await powerOnNode.run(ctx, { nodes: { names: [w] } });
    expect((await onNode(w, 'cat', '/var/log/shutdown')).exitCode).to.not.equal(0);
    await ctx.nodes.power(w, 'shutdown');
    expect(await exitCode(w)).to.equal(0);
    await powerOnNode.run(ctx, { nodes: { names: [w] } });
    expect((await onNode(w, 'cat', '/var/log/shutdown')).stdout).to.match(/^orderly shutdown /);
  });

  it('issue 13 item 5: power-on waits until the host answers, so `systemctl restart kubelet` right after works', async () => {
    const { ctx } = await fresh();
    const w = cluster.workers[0]!.name;
    const params = { nodes: { names: [w] } };
    const plan = await powerOffNode.plan(ctx, params);
    await powerOffNode.inject(ctx, params, plan);
    // The node's "systemd" answers 3 s after docker start; the runbook's next step needs it.
    await powerOnNode.run(ctx, params);
    await restartService.run(ctx, { service: 'kubelet', ...params });
    expect(await ctx.nodes.serviceState(w, 'kubelet')).to.equal('active');
    expect(notes.some((n) => new RegExp(`^${w} answers \\S+ after power-on \\(kubelet active\\)$`).test(n))).to.equal(
      true,
    );
  });

  it('issue 13 item 7: nodes that crashed come back on their own addresses, kept in the journal, after a rollback', async () => {
    const { ctx } = await fresh();
    const [w1, w2] = cluster.workers.map((w) => w.name) as [string, string];
    const address = (n: string) =>
      docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${cluster.network}").IPAddress}}`, n);
    const ips = [await address(w1), await address(w2)];
    // Two crashes, journalled in order; the rollback reverts the last first, so w2 boots before w1 and
    // docker would hand it the first free address: w1's.
    const plans = [];
    for (const w of [w1, w2]) {
      const plan = await powerOffNode.plan(ctx, { nodes: { names: [w] } });
      expect(plan.data).to.deep.equal({ addresses: { [w]: await address(w) } });
      plans.push(plan);
    }
    const journal = journalWith('power-off-node', { nodes: { names: [w1] } }, plans[0]!);
    journal.addFault({
      index: 1,
      type: 'power-off-node',
      cluster: cluster.name,
      params: { nodes: { names: [w2] } },
      plan: plans[1]!,
    });
    journal.mark(1, 'injected');
    await powerOffNode.inject(ctx, { nodes: { names: [w1] } }, plans[0]!);
    await powerOffNode.inject(ctx, { nodes: { names: [w2] } }, plans[1]!);
    // A new process with nothing but the journal.
    const { target } = await fresh();
    const report = await rollbackJournal(Journal.read(journal.path), target, new AbortController().signal);
    expect(report.errors).to.deep.equal([]);
    expect([await address(w1), await address(w2)]).to.deep.equal(ips);
  });
});
