import type { Experiment } from '../experiment/types.js';
import type { JournalTarget } from '../engine/journal.js';
import type { TrackedResource } from '../engine/resources.js';
import type { Target, TargetKind } from './target.js';
import { InvalidInputError } from '../errors.js';
import { topologyNotices, withNotices } from './topology-notice.js';

export interface TargetOptions {
  kind: TargetKind;
  seed: number;
  dryRun: boolean;
  context?: string;
  kubeconfig?: string;
  profile?: string;
  kindCluster?: string;
  topology?: string;
  /** A topology the experiment itself names (resolved against its file). */
  experimentTopology?: string;
  etcd?: 'sim' | 'real';
  /** sim (embedded): run on a real clock, `speed` times faster than real time, for people watching (--serve). */
  speed?: number;
  yes?: boolean;
  experiment?: Experiment;
  /**
   * Ask the person running the drill to confirm a destructive drill on a real cluster; resolves true to go
   * ahead. Not asked with `yes` or in dry-run mode.
   */
  confirm?: (summary: string) => Promise<boolean>;
  /**
   * A rollback: when a lab cluster's API does not answer (the drill powered it off), a kubeconfig whose
   * server and CA match the recorded identity is enough to go ahead.
   */
  offlineIdentity?: boolean;
  /** Told of processes and directories the target creates outside this process, for the drill's journal. */
  onResource?: (r: TrackedResource) => void;
}

export interface CreatedTarget {
  target: Target;
  /** How `gameday rollback` reaches this target again from another process. */
  journalTarget: JournalTarget;
  /** What the CLI should tell the person (an identity recorded at first use). */
  notices?: string[];
}

/** One place that turns `--target` and its flags into a Target. Loaded lazily: kind/lab pull in execa. */
export async function createTarget(o: TargetOptions): Promise<CreatedTarget> {
  switch (o.kind) {
    case 'sim': {
      const { createSimTargetFromOptions } = await import('./sim/create.js');
      return createSimTargetFromOptions(o);
    }
    case 'kind': {
      const { createKindTargetFromOptions } = await import('./kind/create.js');
      return withNotices(await createKindTargetFromOptions(o), topologyNotices(o, false));
    }
    case 'lab': {
      const { createLabTargetFromOptions } = await import('./lab/create.js');
      return withNotices(await createLabTargetFromOptions(o), topologyNotices(o, false));
    }
    default:
      throw new InvalidInputError(`Unknown target "${String(o.kind)}"; expected sim, kind or lab.`);
  }
}
