import type { KubeObject } from '../../kube/objects.js';
import type { ContainerSpec } from './container-behaviour.js';
import { entrypointSteps, imageKind } from './image-output.js';
import { parseCommand, type Step } from './shell-script.js';

/**
 * The process a container runs, from its command and image: what it prints and when, and whether and how
 * it exits by itself. `echo hi` prints and exits 0, `sleep 30` exits after 30 s, busybox without a command
 * exits at once (its shell reads EOF), nginx and Tomcat print their start-up and serve until stopped.
 *
 * Logs are rendered from this on demand for the container's lifetime rather than stored, so a container's
 * log costs no memory however long it runs; a renderer keeps at most the last MAX_LOG_LINES lines, as the
 * kubelet's log rotation keeps a bounded tail.
 */
export const MAX_LOG_LINES = 10_000;

/** A program whose command this simulator does not know does its work for this long (Jobs, run-once pods). */
const UNKNOWN_BATCH_RUN_TIME = 1_000;

export interface LogLine {
  at: number;
  text: string;
}

/** argv of the container's process when it is not the image's own entrypoint, else undefined. */
function argvOf(pod: KubeObject, spec: ContainerSpec): string[] | undefined {
  const command = spec.command ?? [];
  const args = spec.args ?? [];
  // Without a command, args replace the CMD; for an image whose CMD is a shell they are the program.
  if (command.length > 0) return [...command, ...args];
  if (args.length > 0 && imageKind(pod, spec.image ?? '') === 'shell') return args;
  return undefined;
}

/**
 * How the container's process ends by itself, if it does (ms after its start, exit code). Cheap for the
 * common case, a server image without a command: it asks only the image's kind.
 */
export function containerExit(pod: KubeObject, spec: ContainerSpec): { after: number; code: number } | undefined {
  if (argvOf(pod, spec) === undefined)
    return imageKind(pod, spec.image ?? '') === 'shell' ? { after: 0, code: 0 } : undefined;
  return programExit(programOf(pod, spec));
}

export function programOf(pod: KubeObject, spec: ContainerSpec): Step[] {
  const argv = argvOf(pod, spec);
  if (argv === undefined) return entrypointSteps(pod, spec);
  const vars: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOSTNAME: pod.metadata.name,
    KUBERNETES_SERVICE_HOST: '10.96.0.1',
    KUBERNETES_SERVICE_PORT: '443',
    HOME: '/root',
  };
  for (const e of spec.env ?? []) if (e.value !== undefined) vars[e.name] = e.value;
  const runsOnce =
    (pod.spec?.restartPolicy as string | undefined) !== undefined && pod.spec?.restartPolicy !== 'Always';
  const resolve = (steps: Step[]): Step[] =>
    steps.flatMap((s): Step[] => {
      if (s.kind === 'loop') return [{ kind: 'loop', body: resolve(s.body) }];
      if (s.kind !== 'unknown') return [s];
      // A program this simulator does not know: in a run-once pod it does its work and exits, in a
      // long-running one it is the service the image provides.
      return runsOnce ? [{ kind: 'sleep', ms: UNKNOWN_BATCH_RUN_TIME }] : entrypointSteps(pod, spec);
    });
  return resolve(parseCommand(argv, { vars, hostname: pod.metadata.name }));
}

/** When (ms after the start) and with which code the program exits by itself; undefined if it runs until stopped. */
export function programExit(steps: Step[]): { after: number; code: number } | undefined {
  let t = 0;
  let status = 0;
  for (const s of steps) {
    switch (s.kind) {
      case 'sleep':
        t += s.ms;
        break;
      case 'status':
        status = s.code;
        break;
      case 'exit':
        return { after: t, code: s.code ?? status };
      case 'forever':
      case 'unknown':
        return undefined;
      case 'loop': {
        const inner = programExit(s.body);
        if (inner && s.body.some((b) => b.kind === 'exit')) return { after: t + inner.after, code: inner.code };
        return undefined;
      }
      case 'print':
        status = 0;
        break;
    }
  }
  return { after: t, code: status };
}

/**
 * The lines a program started at `startedAt` printed up to `until` (at most `maxLines`, the latest), and
 * its exit if it exited by then.
 */
export function runProgram(
  steps: Step[],
  startedAt: number,
  until: number,
  maxLines = MAX_LOG_LINES,
): { lines: LogLine[]; exit?: { at: number; code: number } } {
  const lines: LogLine[] = [];
  const state = { t: startedAt, status: 0 };
  const out = run(steps, state, until, lines, maxLines);
  const kept = lines.length > maxLines ? lines.slice(lines.length - maxLines) : lines;
  return out === undefined ? { lines: kept } : { lines: kept, exit: out };
}

type Outcome = { at: number; code: number } | undefined | 'stop';

function run(
  steps: Step[],
  st: { t: number; status: number },
  until: number,
  lines: LogLine[],
  maxLines: number,
): { at: number; code: number } | undefined {
  const r = runSteps(steps, st, until, lines, maxLines);
  if (r === 'stop') return undefined;
  return r ?? { at: st.t, code: st.status };
}

/** Runs steps; 'stop' when it reached `until` or runs forever, an exit when it exited, undefined at the end. */
function runSteps(
  steps: Step[],
  st: { t: number; status: number },
  until: number,
  lines: LogLine[],
  maxLines: number,
): Outcome {
  for (const s of steps) {
    switch (s.kind) {
      case 'print':
        if (st.t > until) return 'stop';
        lines.push({ at: st.t, text: typeof s.text === 'string' ? s.text : s.text(st.t) });
        if (lines.length > 2 * maxLines) lines.splice(0, lines.length - maxLines);
        st.status = 0;
        break;
      case 'sleep':
        st.t += s.ms;
        if (st.t > until) return 'stop';
        break;
      case 'status':
        st.status = s.code;
        break;
      case 'exit':
        return { at: st.t, code: s.code ?? st.status };
      case 'forever':
      case 'unknown':
        return 'stop';
      case 'loop': {
        const period = Math.max(
          1,
          s.body.reduce((n, b) => n + (b.kind === 'sleep' ? b.ms : 0), 0),
        );
        const flat = s.body.every((b) => b.kind === 'print' || b.kind === 'sleep' || b.kind === 'status');
        if (flat) {
          // Skip the iterations whose lines would be dropped anyway: a loop printing every second for a
          // month costs what its last MAX_LOG_LINES lines cost.
          const perIteration = s.body.filter((b) => b.kind === 'print').length;
          const iterations = Math.floor((until - st.t) / period) + 1;
          const keep = perIteration === 0 ? 1 : Math.ceil(maxLines / perIteration) + 1;
          if (iterations > keep) st.t += (iterations - keep) * period;
        }
        for (;;) {
          const before = st.t;
          const r = runSteps(s.body, st, until, lines, maxLines);
          if (r !== undefined) return r;
          if (st.t === before) st.t += 1;
          if (st.t > until) return 'stop';
        }
      }
    }
  }
  return undefined;
}
