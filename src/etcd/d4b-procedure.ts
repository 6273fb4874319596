import { TimeoutError } from '../errors.js';
import { SteadyWriter, type DataCheck } from '../kit/etcd-writer.js';
import type { EtcdEndpointHealth, EtcdMember, EtcdSnapshot } from '../targets/target.js';
import type { RealEtcdOps } from './real-etcd-ops.js';

export interface D4bOptions {
  /** The member that stays up. Default etcd1. */
  survivor?: string;
  /** The two members whose hosts are lost. Default etcd2, etcd3. */
  lost?: [string, string];
  /** Steady writer pace. Default 100 ms. */
  writerIntervalMs?: number;
  /** Keys acknowledged before the fault. Default 100. */
  seedKeys?: number;
  /** Give up on any single wait after this long. Default 30 s. */
  stepTimeoutMs?: number;
}

export interface D4bResult {
  /** Wall ms from killing the two members to three healthy members with writes accepted. */
  wallMs: number;
  /** Wall ms of each step, in order. */
  steps: { name: string; ms: number }[];
  /** etcd's words for the first refused write. */
  refusal: string;
  /** The longest run of refused writes: first refused write sent to the next acknowledged one. */
  writeUnavailableMs: number;
  snapshot: EtcdSnapshot;
  health: EtcdEndpointHealth[];
  members: EtcdMember[];
  data: DataCheck;
  writer: SteadyWriter;
}

/**
 * D4b on real etcd, as the runbook does it when the two lost hosts cannot come back: snapshot the survivor,
 * restore it as a one-member cluster (stop, move the data dir aside, snapshot restore, start), point the
 * apiserver at it, then grow back to three members one at a time, with a steady writer measuring the
 * write outage and the data kept.
 */
export async function runD4b(ops: RealEtcdOps, options: D4bOptions = {}): Promise<D4bResult> {
  const survivor = options.survivor ?? 'etcd1';
  const lost = options.lost ?? ['etcd2', 'etcd3'];
  const stepTimeoutMs = options.stepTimeoutMs ?? 30_000;
  const clock = ops.clock;
  const writer = new SteadyWriter(ops, clock, {
    intervalMs: options.writerIntervalMs ?? 100,
    ...(options.seedKeys !== undefined ? { seedKeys: options.seedKeys } : {}),
  });
  const steps: { name: string; ms: number }[] = [];
  let mark = performance.now();
  const step = (name: string): void => {
    const now = performance.now();
    steps.push({ name, ms: now - mark });
    mark = now;
  };
  const until = async (what: string, check: () => boolean): Promise<void> => {
    const deadline = clock.now() + stepTimeoutMs;
    while (!check()) {
      if (clock.now() > deadline)
        throw new TimeoutError(`D4b: timed out after ${stepTimeoutMs} ms waiting for ${what}.`);
      await clock.sleep(20);
    }
  };

  try {
    await writer.seed();
    writer.start();

    const t0 = performance.now();
    mark = t0;
    await Promise.all(lost.map((m) => ops.stopMember(m, 'kill')));
    step(`kill ${lost.join(', ')}`);
    await until('the first refused write', () => writer.refused.length > 0);
    step('writes refused (quorum lost)');
    const snapshot = await ops.snapshotSave('d4b-survivor');
    step(`snapshot save from ${survivor}`);
    await ops.restoreSingle(survivor, snapshot);
    await ops.pointApiserver([survivor]);
    step(`restore ${survivor} as a one-member cluster`);
    await until('writes accepted again', () => !writer.refusing());
    step('writes accepted again');
    for (const m of lost) {
      await ops.memberAdd(m);
      step(`member add ${m} and start it`);
    }
    await ops.pointApiserver([survivor, ...lost]);
    const health = await ops.health();
    const members = await ops.members();
    step('endpoint health --cluster, member list');
    const wallMs = performance.now() - t0;

    await writer.stop();
    const data = await writer.verify(ops, snapshot);
    const refusal = writer.refused[0]?.error ?? '';
    return {
      wallMs,
      steps,
      refusal,
      writeUnavailableMs: writer.longestOutageMs(),
      snapshot,
      health,
      members,
      data,
      writer,
    };
  } finally {
    await writer.stop();
  }
}
