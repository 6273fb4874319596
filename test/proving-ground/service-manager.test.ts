import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { askInit } from '../../src/proving-ground/host/protocol.js';
import { ServiceManager } from '../../src/proving-ground/host/service-manager.js';
import { systemctl } from '../../src/proving-ground/host/systemctl-cli.js';

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The proving-ground host's service manager and systemctl, on real processes of this machine: systemd's
 * answers and exit codes, a stop that really ends the process, Restart= after a crash, and static pods
 * that outlive the kubelet unit (as containers outlive kubelet and containerd on kind).
 */
describe('proving-ground host: service manager and systemctl', function () {
  this.timeout(20_000);
  let dir: string;
  let socket: string;
  let manager: ServiceManager;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gameday-init-'));
    socket = join(dir, 'init.sock');
    manager = new ServiceManager({
      socket,
      stopTimeoutMs: 1000,
      units: [
        {
          name: 'kubelet',
          description: 'kubelet',
          command: ['sleep', '1000'],
          restart: 'always',
          restartSec: 0.2,
          log: join(dir, 'kubelet.log'),
        },
        {
          name: 'flaky',
          description: 'exits 3 at once',
          command: ['sh', '-c', 'exit 3'],
          restart: 'no',
          restartSec: 0,
          log: join(dir, 'flaky.log'),
        },
        // Ignores SIGTERM: stop must end it with SIGKILL after the stop timeout, as systemd does.
        {
          name: 'stubborn',
          description: 'ignores TERM',
          command: ['sh', '-c', "trap '' TERM; while :; do sleep 0.1; done"],
          restart: 'no',
          restartSec: 0,
          log: join(dir, 'stubborn.log'),
        },
      ],
    });
    await manager.boot();
  });

  afterEach(async () => {
    await manager.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  async function pidOf(unit: string): Promise<number | undefined> {
    const r = await askInit({ op: 'status', unit }, socket);
    return r.ok ? r.units?.[0]?.pid : undefined;
  }

  it('is-active says active (exit 0), then inactive (exit 3) once stop has ended the process', async () => {
    const pid = await pidOf('kubelet');
    expect(alive(pid)).to.equal(true);
    expect(await systemctl(['is-active', 'kubelet'], socket)).to.include({ code: 0, out: 'active\n' });
    expect((await systemctl(['stop', 'kubelet.service'], socket)).code).to.equal(0);
    expect(alive(pid)).to.equal(false);
    expect(await systemctl(['is-active', 'kubelet'], socket)).to.include({ code: 3, out: 'inactive\n' });
    const status = await systemctl(['status', 'kubelet'], socket);
    expect(status.code).to.equal(3);
    expect(status.out).to.match(/Active: inactive \(dead\)/);
    expect((await systemctl(['start', 'kubelet'], socket)).code).to.equal(0);
    const again = await pidOf('kubelet');
    expect(again).to.not.equal(pid);
    expect(alive(again)).to.equal(true);
    expect((await systemctl(['status', 'kubelet'], socket)).out).to.match(
      /Active: active \(running\)[\s\S]*Main PID: \d+ \(sleep\)/,
    );
  });

  it('restarts a crashed unit with Restart=always, and reports a failed one as failed', async () => {
    const pid = await pidOf('kubelet');
    process.kill(pid!, 'SIGKILL');
    await until('kubelet restarted', async () => {
      const p = await pidOf('kubelet');
      return p !== undefined && p !== pid && alive(p);
    });
    expect((await systemctl(['is-active', 'flaky'], socket)).out).to.equal('failed\n');
    expect((await systemctl(['is-active', 'flaky'], socket)).code).to.equal(3);
    expect((await systemctl(['is-failed', 'flaky'], socket)).code).to.equal(0);
  });

  it('kills a unit that ignores SIGTERM once the stop timeout passes', async () => {
    const pid = await pidOf('stubborn');
    expect(alive(pid)).to.equal(true);
    expect((await systemctl(['stop', 'stubborn'], socket)).code).to.equal(0);
    expect(alive(pid)).to.equal(false);
  });

  it('answers an unknown unit as systemd does, and refuses changes to a non-root user', async () => {
    expect(await systemctl(['start', 'nosuch'], socket)).to.deep.include({ code: 5 });
    expect((await systemctl(['start', 'nosuch'], socket)).err).to.equal(
      'Failed to start nosuch.service: Unit nosuch.service not found.\n',
    );
    expect((await systemctl(['status', 'nosuch'], socket)).code).to.equal(4);
    expect(await systemctl(['is-active', 'nosuch'], socket)).to.include({ code: 3, out: 'inactive\n' });
    const denied = await systemctl(['stop', 'kubelet'], socket, 1000);
    expect(denied.code).to.equal(1);
    expect(denied.err).to.match(/Interactive authentication required/);
    expect(alive(await pidOf('kubelet'))).to.equal(true);
  });

  it('fails as systemctl without its bus while init is not listening (a host still booting)', async () => {
    const r = await systemctl(['restart', 'kubelet'], join(dir, 'absent.sock'));
    expect(r.code).to.equal(1);
    expect(r.err).to.equal('Failed to connect to bus: No such file or directory\n');
  });

  it('keeps static pod containers running when the kubelet unit stops; pauses, resumes and stops them', async () => {
    const started = await askInit(
      {
        op: 'pod-start',
        name: 'etcd',
        pod: 'etcd-n1',
        namespace: 'kube-system',
        image: 'x',
        hash: 'h',
        attempt: 0,
        command: ['sleep', '1000'],
        env: {},
        log: join(dir, 'etcd.log'),
      },
      socket,
    );
    expect(started.ok).to.equal(true);
    const id = (started as { id: string }).id;
    const pod = async () =>
      ((await askInit({ op: 'pods' }, socket)) as { pods: { id: string; pid?: number; state: string }[] }).pods.find(
        (p) => p.id === id,
      )!;
    const pid = (await pod()).pid;
    await systemctl(['stop', 'kubelet'], socket);
    expect(alive(pid)).to.equal(true);
    await askInit({ op: 'pod-signal', id: id.slice(0, 12), signal: 'SIGSTOP' }, socket);
    expect((await pod()).state).to.equal('paused');
    await askInit({ op: 'pod-signal', id, signal: 'SIGCONT' }, socket);
    expect((await pod()).state).to.equal('running');
    await askInit({ op: 'pod-stop', id, graceMs: 1000 }, socket);
    expect(alive(pid)).to.equal(false);
    expect((await pod()).state).to.equal('exited');
  });
});
