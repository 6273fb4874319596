/**
 * Checks a trainee's diagnosis ("kubelet stopped on 10.128.38.8", "D11", "gateway-proxy scaled to zero")
 * against the faults injected. A guess is right when it names the fault type, one of the words a person
 * would use for it, or the runbook section being drilled; it is too vague when it fits several faults
 * equally well (the "node is down" that covers a crash, a partition and a stopped kubelet).
 */

/** Words (all must appear) that name each fault, as people on call would say it. */
const ALIASES: Record<string, string[][]> = {
  'break-cni-pod': [['cni'], ['calico'], ['flannel'], ['network', 'plugin'], ['pod', 'network']],
  'break-image': [['image'], ['imagepullbackoff'], ['errimagepull'], ['pull']],
  'crash-container': [
    ['crash', 'container'],
    ['crashloopbackoff'],
    ['crashloop'],
    ['crash', 'loop'],
    ['container', 'crash'],
  ],
  'create-pending-pod': [['pending'], ['insufficient'], ['unschedulable'], ['failedscheduling']],
  'delete-configmap': [['configmap'], ['config', 'map']],
  'fill-node-disk': [['disk'], ['diskpressure'], ['log'], ['storage']],
  'fill-node-memory': [['memory', 'full'], ['memory', 'exhaust'], ['insufficient', 'memory'], ['ballast']],
  'freeze-node': [['freeze'], ['frozen'], ['hung'], ['hang']],
  'kill-etcd-members': [['etcd']],
  'move-static-pod-manifest': [
    ['manifest'],
    ['static', 'pod'],
    ['apiserver'],
    ['scheduler'],
    ['controller', 'manager'],
  ],
  'node-memory-pressure': [['memorypressure'], ['memory', 'pressure']],
  'overload-node': [['overload'], ['load'], ['cpu']],
  'partition-node': [['partition'], ['unreachable'], ['disconnect'], ['network', 'node'], ['network', 'cut']],
  'power-off-node': [
    ['power'],
    ['poweroff'],
    ['shutdown'],
    ['host', 'crash'],
    ['host', 'down'],
    ['crash', 'host'],
    ['kernel'],
  ],
  'scale-workload': [['scale'], ['replicas'], ['zero'], ['scale', 'down']],
  'set-memory-usage': [['oom'], ['oomkilled'], ['memory', 'limit']],
  'stop-container-runtime': [['docker'], ['containerd'], ['runtime'], ['container', 'runtime']],
  'stop-kubelet': [['kubelet']],
  'taint-nodes': [['taint'], ['toleration'], ['noschedule']],
};

/** Endings people put on verbs and plurals: "stopped", "scaled", "members" also count as "stop", "scale", "member". */
function stems(word: string): string[] {
  const out = [word];
  if (word.length > 4 && word.endsWith('ed')) {
    out.push(word.slice(0, -1), word.slice(0, -2));
    // A doubled consonant: stopped -> stop.
    if (word.at(-3) === word.at(-4)) out.push(word.slice(0, -3));
  }
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) out.push(word.slice(0, -1));
  return out;
}

export function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .flatMap(stems);
}

export interface InjectedFault {
  type: string;
  /** Node, member or workload names the fault hit (a guess may name them; they do not decide). */
  hit?: string[];
}

export interface DiagnosisVerdict {
  correct: boolean;
  /** fault: the guess named the injected fault; section: it named the runbook section; none: wrong. */
  matched: 'fault' | 'section' | 'none';
  /** What the trainee is told. */
  message: string;
  /** The fault types the guess fitted best (for the report). */
  fits: string[];
}

/** The runbook section id of an experiment's runbook field: "D6 节点组件异常 (...)" -> "d6". */
export function sectionOf(runbook: string): string | undefined {
  return /\b([DS]\d+[a-z]?)\b/i.exec(runbook)?.[1]?.toLowerCase();
}

/** How well a guess fits each fault type: the length of its longest alias fully present in the guess. */
export function fitScores(guess: string): Map<string, number> {
  const w = new Set(words(guess));
  const scores = new Map<string, number>();
  for (const [type, aliases] of Object.entries(ALIASES)) {
    let best = w.has(type) || guess.toLowerCase().includes(type) ? 10 : 0;
    for (const a of aliases) if (a.every((x) => w.has(x))) best = Math.max(best, a.length);
    if (best > 0) scores.set(type, best);
  }
  return scores;
}

export function judgeDiagnosis(guess: string, injected: InjectedFault[], runbook: string): DiagnosisVerdict {
  const types = new Set(injected.map((f) => f.type));
  const section = sectionOf(runbook);
  const scores = fitScores(guess);
  const top = Math.max(0, ...scores.values());
  const fits = [...scores]
    .filter(([, s]) => s === top && top > 0)
    .map(([t]) => t)
    .sort();
  const w = new Set(words(guess));
  const namesSection = section !== undefined && (w.has(section) || (section.length > 2 && w.has(section.slice(0, -1))));
  if (fits.length === 1 && types.has(fits[0]!)) {
    return { correct: true, matched: 'fault', message: `Correct: ${fits[0]!}.`, fits };
  }
  if (fits.length > 1 && fits.some((f) => types.has(f))) {
    return {
      correct: false,
      matched: 'none',
      message: `Too vague: that fits several faults (${fits.join(', ')}). Say what exactly is broken.`,
      fits,
    };
  }
  if (namesSection && fits.length === 0) {
    return {
      correct: true,
      matched: 'section',
      message: `Correct: this is runbook section ${section.toUpperCase()}.`,
      fits,
    };
  }
  return { correct: false, matched: 'none', message: 'Wrong: that is not what was injected. Keep looking.', fits };
}

/** Every fault type a guess may name, for `gameday diagnose --list`. */
export function knownFaultTypes(): string[] {
  return Object.keys(ALIASES).sort();
}
