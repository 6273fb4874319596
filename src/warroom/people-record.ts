import type { LoadedExperiment } from '../experiment/types.js';
import type { ItemRecord, RunResult, TimelineEntry } from '../report/result.js';
import { marks } from '../report/marks.js';

/**
 * What the people in the room did on the page during one drill, on the drill's clock: the manual steps they
 * marked done and the alerts they acknowledged. The runner does not know about them; they join the result
 * when the drill ends, so the report shows who did what when beside what gameday measured.
 */
export interface PeopleRecord {
  /** Manual recovery steps marked done, in the order they were marked. */
  steps: { index: number; at: number }[];
  acks: { at: number; alerts: string[] }[];
  /** What was typed in `gameday node shell` while the drill ran (manual drills: the person's own hands). */
  shell?: ShellLine[];
}

export interface ShellLine {
  at: number;
  node: string;
  command: string;
  exitCode: number;
}

export function emptyPeopleRecord(): PeopleRecord {
  return { steps: [], acks: [], shell: [] };
}

/**
 * The result with the people's record in it: each step marked done becomes a recovery step of the report
 * (from the previous mark, or the start of recovery, to its own mark: the time a person spent on it) and a
 * timeline entry; each acknowledgement a timeline entry. The result given is not changed.
 */
export function withPeopleRecord(
  result: Readonly<RunResult>,
  loaded: LoadedExperiment,
  record: PeopleRecord,
  /** The steps in words, as the page listed them ("restart kubelet on ..."). */
  described: readonly string[],
): RunResult {
  const shell = record.shell ?? [];
  if (record.steps.length === 0 && record.acks.length === 0 && shell.length === 0) return result;
  const exp = loaded.experiment;
  const items = exp.recovery.steps ?? [];
  const cluster = exp.clusters?.[0] ?? '';
  const recoveryStart = marks(result).recoveryStartedAt;
  const steps: ItemRecord[] = [];
  const timeline: TimelineEntry[] = [];
  let previous = recoveryStart;
  for (const mark of [...record.steps].sort((a, b) => a.at - b.at)) {
    const item = items[mark.index];
    const text = described[mark.index] ?? item?.type ?? `step ${mark.index + 1}`;
    steps.push({
      type: item?.type ?? 'manual',
      name: item?.name ?? item?.type ?? `step ${mark.index + 1}`,
      cluster: item?.cluster ?? cluster,
      description: `${text} (carried out by a person, marked done in the war room)`,
      ...(previous !== undefined ? { startedAt: Math.min(previous, mark.at) } : {}),
      endedAt: mark.at,
      ok: true,
    });
    timeline.push({
      at: mark.at,
      kind: 'step',
      text: `manual step ${mark.index + 1}/${Math.max(items.length, described.length)} marked done in the war room: ${text}`,
    });
    previous = mark.at;
  }
  for (const ack of record.acks) {
    timeline.push({
      at: ack.at,
      kind: 'note',
      text: `acknowledged in the war room${ack.alerts.length ? `: ${ack.alerts.join('; ')}` : ' (no alert firing)'}`,
    });
  }
  for (const l of shell) {
    timeline.push({
      at: l.at,
      kind: 'note',
      text: `node shell on ${l.node}: $ ${l.command}${l.exitCode ? ` (exit ${l.exitCode})` : ''}`,
    });
  }
  return {
    ...result,
    steps: [...result.steps, ...steps],
    timeline: [...result.timeline, ...timeline].sort((a, b) => a.at - b.at),
  };
}
