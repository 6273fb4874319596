import { expect } from 'chai';
import { MAX_LOG_LINES } from '../../../src/sim/kubelet/image-process.js';
import type { ContainerLogResult } from '../../../src/sim/kubelet/pod-logs.js';
import { cluster, closeClusters, containerStatus, pod, podOf } from './helpers.js';

const W = '10.128.38.6';

function lines(r: ContainerLogResult | undefined, now: number): string[] {
  if (!r || 'error' in r) throw new Error(`expected a log, got ${JSON.stringify(r)}`);
  return r.log.lines(now).map((l) => l.text);
}

function error(r: ContainerLogResult | undefined): { code: number; message: string } {
  if (!r || !('error' in r)) throw new Error(`expected an error, got a log`);
  return r.error;
}

describe('simulated kubelet: container logs', () => {
  afterEach(closeClusters);

  it('prints what the image prints: Tomcat lines for Tomcat, nginx lines and no Tomcat for nginx', async () => {
    const { ctx, hosts } = cluster();
    ctx.store.create('pods', pod('web', W));
    ctx.store.create('pods', pod('proxy', W, { container: { image: 'nginx:1.25.5' } }));
    await ctx.advance(30_000);
    const now = ctx.clock.now();
    const tomcat = lines(hosts.podLogs('default', 'web', 'app'), now);
    expect(tomcat.some((l) => l.includes('Apache Tomcat/8.5'))).to.equal(true);
    expect(tomcat[tomcat.length - 1]).to.match(
      /org\.apache\.catalina\.startup\.Catalina\.start Server startup in \d+ ms$/,
    );
    const nginx = lines(hosts.podLogs('default', 'proxy', 'app'), now);
    expect(nginx).to.include('/docker-entrypoint.sh: Configuration complete; ready for start up');
    expect(nginx.some((l) => l.endsWith('[notice] 1#1: nginx/1.25.5'))).to.equal(true);
    expect(nginx.some((l) => /tomcat|catalina/i.test(l))).to.equal(false);
  });

  it("runs a command's output and exit: echo prints and completes, sh -c exits with its status", async () => {
    const { ctx, hosts } = cluster();
    ctx.store.create(
      'pods',
      pod('hello', W, {
        container: { image: 'busybox:1.36', command: ['echo', 'hello', 'world'] },
        spec: { restartPolicy: 'Never' },
      }),
    );
    ctx.store.create(
      'pods',
      pod('script', W, {
        container: {
          image: 'busybox:1.36',
          command: ['sh', '-c', 'echo start; sleep 5; echo "done $HOSTNAME"; exit 3'],
        },
        spec: { restartPolicy: 'Never' },
      }),
    );
    await ctx.advance(30_000);
    const hello = podOf(ctx, 'hello')!;
    expect(hello.status.phase).to.equal('Succeeded');
    expect(containerStatus(hello)!.state.terminated).to.include({ exitCode: 0, reason: 'Completed' });
    expect(lines(hosts.podLogs('default', 'hello', 'app'), ctx.clock.now())).to.deep.equal(['hello world']);
    const script = podOf(ctx, 'script')!;
    expect(script.status.phase).to.equal('Failed');
    const t = containerStatus(script)!.state.terminated;
    expect(t).to.include({ exitCode: 3, reason: 'Error' });
    expect(Date.parse(t.finishedAt) - Date.parse(t.startedAt)).to.equal(5_000);
    expect(lines(hosts.podLogs('default', 'script', 'app'), ctx.clock.now())).to.deep.equal(['start', 'done script']);
  });

  it('gives a crashed container its crash as the last line, the same run with --previous while it backs off', async () => {
    const { ctx, hosts } = cluster();
    ctx.store.create(
      'pods',
      pod('crash', W, {
        annotations: {
          'sim.gameday.io/crash': 'true',
          'sim.gameday.io/crash-message': 'Error: Communications link failure',
        },
      }),
    );
    await ctx.advance(5_000);
    const cs = containerStatus(podOf(ctx, 'crash'))!;
    expect(cs.state.waiting.reason).to.equal('CrashLoopBackOff');
    const now = ctx.clock.now();
    const current = lines(hosts.podLogs('default', 'crash', 'app'), now);
    const previous = lines(hosts.podLogs('default', 'crash', 'app', true), now);
    expect(current[current.length - 1]).to.match(/SEVERE \[main\] .* Error: Communications link failure$/);
    expect(previous).to.deep.equal(current);
  });

  it('prints nothing after the last line of an OOM-killed container', async () => {
    const { ctx, hosts } = cluster();
    ctx.store.create(
      'pods',
      pod('oom', W, {
        annotations: { 'sim.gameday.io/memory-usage': '600Mi' },
        container: { image: 'nginx:1.25.5', resources: { limits: { memory: '512Mi' } } },
      }),
    );
    await ctx.advance(7_000);
    const last = containerStatus(podOf(ctx, 'oom'))!.lastState.terminated;
    expect(last.reason).to.equal('OOMKilled');
    const r = hosts.podLogs('default', 'oom', 'app', true);
    if (!r || 'error' in r) throw new Error('no log');
    const all = r.log.lines(ctx.clock.now());
    expect(all[all.length - 1]!.text).to.match(/start worker process 29$/);
    expect(all.every((l) => l.at <= Date.parse(last.finishedAt))).to.equal(true);
  });

  it("answers in the kubelet's words when there is no run to read", async () => {
    const { ctx, hosts } = cluster();
    ctx.store.create('pods', pod('web', W));
    ctx.store.create('pods', pod('bad', W, { container: { image: 'registry.local/app:doesnotexist' } }));
    await ctx.advance(30_000);
    expect(error(hosts.podLogs('default', 'web', 'app', true))).to.deep.equal({
      code: 400,
      message: 'previous terminated container "app" in pod "web" not found',
    });
    expect(error(hosts.podLogs('default', 'bad', 'app')).message).to.equal(
      'container "app" in pod "bad" is waiting to start: trying and failing to pull image',
    );
    await hosts.ops().service(W, 'kubelet', 'stop');
    expect(error(hosts.podLogs('default', 'web', 'app'))).to.deep.equal({
      code: 500,
      message: `Get "https://${W}:10250/containerLogs/default/web/app": dial tcp ${W}:10250: connect: connection refused`,
    });
  });

  it('follows a loop as it prints, and keeps only a bounded tail however long it runs', async () => {
    const { ctx, hosts } = cluster();
    ctx.store.create(
      'pods',
      pod('ticker', W, {
        container: { image: 'busybox:1.36', command: ['sh', '-c', 'while true; do echo tick; sleep 10; done'] },
      }),
    );
    await ctx.advance(62_000);
    const r = hosts.podLogs('default', 'ticker', 'app');
    const started = Date.parse(containerStatus(podOf(ctx, 'ticker'))!.state.running.startedAt);
    expect(lines(r, ctx.clock.now())).to.have.length(Math.floor((ctx.clock.now() - started) / 10_000) + 1);
    const yearLater = started + 365 * 86_400_000;
    const year = lines(r, yearLater);
    expect(year).to.have.length(MAX_LOG_LINES);
    expect(year.every((l) => l === 'tick')).to.equal(true);
  });

  it('exits at once for a shell image without a command, as busybox does without a terminal', async () => {
    const { ctx } = cluster();
    ctx.store.create('pods', pod('shell', W, { container: { image: 'busybox:1.36' } }));
    await ctx.advance(20_000);
    const cs = containerStatus(podOf(ctx, 'shell'))!;
    expect(cs.lastState.terminated).to.include({ exitCode: 0, reason: 'Completed' });
    expect(cs.state.waiting?.reason ?? 'running').to.be.oneOf(['CrashLoopBackOff', 'running']);
    expect(cs.restartCount).to.be.greaterThan(0);
  });

  it('reports resource metrics for running containers: the simulated working set, a third of the CPU request', async () => {
    const { ctx, hosts } = cluster();
    ctx.store.create(
      'pods',
      pod('hungry', W, {
        annotations: { 'sim.gameday.io/memory-usage': '300Mi' },
        container: { resources: { requests: { cpu: '300m', memory: '256Mi' } } },
      }),
    );
    await ctx.advance(30_000);
    const { nodes, pods } = hosts.resourceMetrics();
    const m = pods.find((p) => p.metadata.name === 'hungry')!;
    const usage = (m.containers as { usage: { cpu: string; memory: string } }[])[0]!.usage;
    expect(usage.memory).to.equal(`${300 * 1024}Ki`);
    const cpu = Number(usage.cpu.replace(/n$/, '')) / 1e6;
    expect(cpu).to.be.within(90, 110);
    expect(nodes.map((n) => n.metadata.name)).to.include(W);
  });
});
