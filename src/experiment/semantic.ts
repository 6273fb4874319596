import { DURATION_PATTERN, formatDuration, tryParseDuration } from '../kit/duration.js';
import { LIMITS } from '../kit/limits.js';
import type { Registries } from './schema.js';
import { didYouMean } from './did-you-mean.js';
import { quoteText } from './quote.js';
import type { PointedIssue } from './messages.js';
import type { Experiment, ItemBase, StepItem } from './types.js';

/** Every list of items an experiment holds, with its JSON pointer. */
export function itemLists(e: Experiment): { pointer: string; items: readonly ItemBase[] }[] {
  const lists: { pointer: string; items: readonly ItemBase[] | undefined }[] = [
    { pointer: '/steadyState', items: e.steadyState },
    { pointer: '/faults', items: e.faults },
    { pointer: '/detect', items: e.detect },
    { pointer: '/setup', items: e.setup },
    { pointer: '/recovery/steps', items: e.recovery.steps },
    { pointer: '/verify', items: e.verify },
    { pointer: '/monitors', items: e.monitors },
    { pointer: '/abortWhen', items: e.abortWhen },
  ];
  return lists.filter((l): l is { pointer: string; items: readonly ItemBase[] } => l.items !== undefined);
}

/**
 * Each wait is at most 24h, but 200 steps of 24h would still keep a run going for months: the waits a drill
 * declares (its recovery "delay", the faults' "after", and every duration parameter of its recovery steps,
 * such as a "wait" step's) may add up to 24h at most.
 */
function waitIssues(e: Experiment, registries: Registries): PointedIssue[] {
  let total = 0;
  let last = '';
  const add = (text: unknown, pointer: string): void => {
    const v = typeof text === 'string' ? tryParseDuration(text) : undefined;
    if (v === undefined || v === 0) return;
    total += v;
    last = pointer;
  };
  add(e.recovery.delay, '/recovery/delay');
  e.faults.forEach((f, i) => add(f['after'], `/faults/${i}/after`));
  const stepWaits = (steps: readonly StepItem[] | undefined, pointer: string): void =>
    (steps ?? []).forEach((step, i) => {
      const params = registries.recoverySteps[step.type]?.params['properties'];
      if (params === null || typeof params !== 'object') return;
      for (const [key, schema] of Object.entries(params as Record<string, Record<string, unknown>>))
        if (schema['pattern'] === DURATION_PATTERN) add(step[key], `${pointer}/${i}/${key}`);
    });
  stepWaits(e.setup, '/setup');
  stepWaits(e.recovery.steps, '/recovery/steps');
  if (total <= LIMITS.maxDurationMs) return [];
  return [
    issue(
      last,
      `The drill's waits add up to ${formatDuration(total)} (its recovery "delay", the faults' "after" and the ` +
        `${e.setup?.length ? 'setup and ' : ''}recovery steps' durations); they may add up to 24h at most`,
    ),
  ];
}

const ms = (text: string | undefined): number | undefined => (text === undefined ? undefined : tryParseDuration(text));

function issue(path: string, message: string): PointedIssue {
  return { path, locate: path, at: 'value', message };
}

/**
 * Rules the schema cannot say: fields that contradict each other. Run only on a document the schema accepted,
 * so every field has its declared type.
 */
export function semanticIssues(e: Experiment, registries?: Registries): PointedIssue[] {
  const issues: PointedIssue[] = [];
  if (registries) issues.push(...waitIssues(e, registries));

  const t = e.targets ?? {};
  const detect = ms(t.timeToDetect);
  const ready = ms(t.timeToReady);
  const recover = ms(t.timeToRecover);
  if (ready !== undefined && recover !== undefined && ready > recover) {
    issues.push(
      issue(
        '/targets/timeToReady',
        `Contradictory targets: "timeToReady" (${t.timeToReady}) is longer than "timeToRecover" (${t.timeToRecover}), ` +
          'but time to Ready is counted from the start of recovery, which comes after the first fault',
      ),
    );
  }
  if (detect !== undefined && recover !== undefined && detect >= recover) {
    issues.push(
      issue(
        '/targets/timeToDetect',
        `Contradictory targets: "timeToDetect" (${t.timeToDetect}) is not shorter than "timeToRecover" (${t.timeToRecover}), ` +
          'but the fault must be detected before recovery can finish',
      ),
    );
  }

  // A target nothing can measure would always be missed: say so before anything runs.
  if (t.timeToDetect !== undefined && (e.detect ?? []).length === 0) {
    issues.push(
      issue(
        '/targets/timeToDetect',
        'Target "timeToDetect" needs at least one probe in "detect": time to detect is measured until they pass',
      ),
    );
  }
  if (t.maxUnavailability !== undefined && (e.monitors ?? []).length === 0) {
    issues.push(
      issue(
        '/targets/maxUnavailability',
        'Target "maxUnavailability" needs at least one probe in "monitors": unavailability is how long a monitor fails',
      ),
    );
  }
  if (
    t.noDataLoss === true &&
    ![...(e.verify ?? []), ...(e.monitors ?? [])].some((p) => p.type === 'etcd-data-intact')
  ) {
    issues.push(
      issue(
        '/targets/noDataLoss',
        'Target "noDataLoss" needs an "etcd-data-intact" probe in "verify": it is what counts the keys read back',
      ),
    );
  }

  const steps = e.recovery.steps ?? [];
  if (e.recovery.mode === 'automatic' && steps.length === 0) {
    issues.push(
      issue(
        e.recovery.steps === undefined ? '/recovery' : '/recovery/steps',
        'Recovery mode "automatic" needs at least one step in "steps"; use "self-heal" if nobody acts',
      ),
    );
  }
  if (e.recovery.mode === 'self-heal' && steps.length > 0) {
    issues.push(
      issue(
        '/recovery/steps',
        'Recovery mode "self-heal" runs no steps; remove "steps", or use mode "automatic" or "manual"',
      ),
    );
  }

  if (e.setup?.length && e.rollback?.revertFaults === false) {
    issues.push(
      issue(
        '/rollback/revertFaults',
        'A drill with a "setup" always rolls back: the setup is undone after the faults, so they cannot be kept; ' +
          'remove "revertFaults": false, or the setup',
      ),
    );
  }

  if (
    e.blastRadius?.maxEtcdMembers !== undefined &&
    e.blastRadius.maxEtcdMembers >= 2 &&
    e.blastRadius.allowQuorumLoss !== true
  ) {
    issues.push(
      issue(
        '/blastRadius/maxEtcdMembers',
        `"maxEtcdMembers" is ${e.blastRadius.maxEtcdMembers}, which takes a 3-member etcd below quorum; ` +
          'set "allowQuorumLoss": true in "blastRadius" to allow it',
      ),
    );
  }

  for (const { pointer, items } of itemLists(e)) {
    items.forEach((item, i) => {
      const at = `${pointer}/${i}`;
      if (e.clusters !== undefined && item.cluster !== undefined && !e.clusters.includes(item.cluster)) {
        const guess = didYouMean(item.cluster, e.clusters);
        issues.push(
          issue(
            `${at}/cluster`,
            `Unknown cluster ${quoteText(item.cluster)}` +
              (guess === undefined ? '.' : `; did you mean ${JSON.stringify(guess)}?`) +
              ` This experiment's clusters: ${e.clusters.join(', ')}.`,
          ),
        );
      }
      if (pointer === '/setup') {
        issues.push(...setupIssues(item, at, registries));
        for (const [key, value] of Object.entries(item)) {
          if (value !== null && typeof value === 'object' && (value as Record<string, unknown>)['from'] === 'faults') {
            issues.push(
              issue(
                `${at}/${key}/from`,
                'Setup runs before the faults, so "from": "faults" selects nothing yet; name what the step acts on ' +
                  '(e.g. {"names": [...]} or {"namespace", "kind", "name"})',
              ),
            );
          }
        }
      }
      if (pointer === '/faults' && item['after'] !== undefined && e.faultMode !== 'sequence') {
        issues.push(
          issue(`${at}/after`, '"after" only applies when "faultMode" is "sequence"; set it, or remove "after"'),
        );
      }
    });
  }
  return issues;
}

/**
 * Kinds apply-manifest may create in `setup` and the rollback cannot remove (the journal does not record
 * them: pods come and go with controllers, a namespace gameday creates stays).
 */
const NOT_UNDONE_KINDS = new Set(['Pod', 'Namespace', 'Event', 'Endpoints', 'ReplicaSet', 'Lease']);

/** A setup step must be one whose every change the rollback undoes: the drill leaves nothing behind. */
function setupIssues(item: ItemBase, at: string, registries: Registries | undefined): PointedIssue[] {
  const step = registries?.recoverySteps[item.type];
  if (!registries || !step) return [];
  if (step.undoable !== true) {
    const usable = Object.values(registries.recoverySteps)
      .filter((s) => s.undoable === true)
      .map((s) => s.name)
      .sort();
    return [
      issue(
        `${at}/type`,
        `"${item.type}" cannot be used in "setup": the rollback cannot undo what it does, and setup must leave ` +
          `nothing behind. Steps setup accepts: ${usable.join(', ')}`,
      ),
    ];
  }
  const props = step.params['properties'];
  const example: Record<string, string> = {
    nodes: '{"names": ["10.128.38.9"]} or {"role": "worker", "count": 1}',
    workload: '{"namespace": "shop", "kind": "Deployment", "name": "web"}',
  };
  for (const [key, sample] of Object.entries(example)) {
    if (props === null || typeof props !== 'object' || !(key in props) || item[key] !== undefined) continue;
    return [
      issue(
        at,
        `"${item.type}" in "setup" needs "${key}": by default it acts on what the faults hit, and setup runs ` +
          `before the faults (e.g. "${key}": ${sample})`,
      ),
    ];
  }
  const manifest = item['manifest'];
  const kind =
    item.type === 'apply-manifest' && manifest !== null && typeof manifest === 'object'
      ? (manifest as Record<string, unknown>)['kind']
      : undefined;
  if (typeof kind === 'string' && NOT_UNDONE_KINDS.has(kind)) {
    return [
      issue(
        `${at}/manifest/kind`,
        `A ${kind} created in "setup" would be left behind: the rollback does not remove ${kind} objects. ` +
          'Create a workload instead (a Deployment), or a namespace in the topology',
      ),
    ];
  }
  return [];
}
