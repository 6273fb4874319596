import { DURATION_PATTERN } from '../kit/duration.js';
import { LIMITS } from '../kit/limits.js';
import { withDefaultBounds } from './bounds.js';
import type { Fault, JsonSchema } from '../kit/plugin.js';

/** What the schema needs to know of a plugin: faults, steps and probes all carry these. */
export type PluginInfo = Pick<Fault<any>, 'name' | 'summary' | 'params'> & {
  /** A recovery step whose every change the rollback can undo: only such a step may be used in `setup`. */
  readonly undoable?: boolean;
};

export interface Registries {
  readonly faults: Readonly<Record<string, PluginInfo>>;
  readonly recoverySteps: Readonly<Record<string, PluginInfo>>;
  readonly probes: Readonly<Record<string, PluginInfo>>;
}

export const EXPERIMENT_SCHEMA_ID = 'urn:gameday:schema:experiment';
export const ID_PATTERN = '^[a-z0-9]+(-[a-z0-9]+)*$';

/**
 * The experiment's own bounds (the plugins' come from src/kit/limits.ts). An id names files and in-cluster
 * objects (a CronJob's name is at most 52 characters, its Jobs add 11): 63 characters, a DNS label.
 */
/** Shortest interval of a polling probe. */
export const MIN_INTERVAL_MS = 100;

export const EXPERIMENT_LIMITS = {
  idLength: 63,
  titleLength: 200,
  descriptionLength: 10_000,
  runbookLength: 500,
  tags: 50,
  clusters: 20,
  faults: 50,
  steps: 200,
  probes: 100,
  pathLength: 4096,
} as const;

/** The three kinds of item an experiment lists, and the fields every item of a kind shares. */
export const ITEM_KINDS = {
  fault: { registry: 'faults', noun: 'fault' },
  step: { registry: 'recoverySteps', noun: 'recovery step' },
  probe: { registry: 'probes', noun: 'probe' },
} as const satisfies Record<string, { registry: keyof Registries; noun: string }>;
export type ItemKind = keyof typeof ITEM_KINDS;

const duration = (description: string): JsonSchema => ({ $ref: '#/$defs/duration', description });

function commonFields(kind: ItemKind): Record<string, JsonSchema> {
  const noun = ITEM_KINDS[kind].noun;
  const base: Record<string, JsonSchema> = {
    cluster: {
      type: 'string',
      minLength: 1,
      maxLength: LIMITS.maxNameLength,
      description: `The cluster this ${noun} acts on; one of the experiment's "clusters". Default: the first of them.`,
    },
    name: {
      type: 'string',
      minLength: 1,
      maxLength: EXPERIMENT_LIMITS.titleLength,
      description: `A short label for reports. Default: the ${noun}'s type.`,
    },
  };
  switch (kind) {
    case 'fault':
      return {
        ...base,
        after: duration('With "faultMode": "sequence", wait this long after the previous fault before this one.'),
      };
    case 'step':
      return {
        ...base,
        continueOnError: {
          type: 'boolean',
          description:
            'Go on with the next step when this one fails (the runbook\'s "try X; otherwise Y"). Default false.',
        },
      };
    case 'probe':
      return {
        ...base,
        timeout: duration(
          'How long the probe may take to pass: the deadline for steady-state, detect and verify probes.',
        ),
        interval: {
          $ref: '#/$defs/interval',
          description: 'For polling probes: how often to ask, at least 100ms.',
        },
        expect: {
          type: 'boolean',
          description:
            'false: the probe passes while its condition does NOT hold, e.g. {"type": "etcd-healthy", "expect": false} ' +
            'in "detect" passes once etcd is unhealthy or a member is missing. Works on every probe. Default true.',
        },
      };
  }
}

/** Keywords of a plugin's params that describe the params object itself, replaced by the item's own. */
const OWN_KEYWORDS = new Set([
  '$schema',
  '$id',
  'type',
  'title',
  'description',
  'properties',
  'required',
  'additionalProperties',
  '$defs',
]);

/**
 * Rewrites a plugin's local references (`#/$defs/x`) to where its `$defs` are hoisted in the composed schema,
 * so a plugin can keep its params self-contained.
 */
function rewriteRefs(node: unknown, prefix: string): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, prefix));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/$defs/')) {
      out[key] = `#/$defs/${prefix}${value.slice('#/$defs/'.length)}`;
    } else {
      out[key] = rewriteRefs(value, prefix);
    }
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Property names declared inside a plugin's conditional or combined subschemas (not inside other properties). */
function nestedPropertyNames(keywords: Record<string, unknown>): string[] {
  const names: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isRecord(node)) return;
    if (isRecord(node['properties'])) names.push(...Object.keys(node['properties']));
    for (const k of ['allOf', 'anyOf', 'oneOf', 'if', 'then', 'else', 'not']) visit(node[k]);
    if (isRecord(node['dependentSchemas'])) Object.values(node['dependentSchemas']).forEach(visit);
  };
  visit(keywords);
  return names;
}

function itemSchema(kind: ItemKind, key: string, plugin: PluginInfo, defs: Record<string, JsonSchema>): JsonSchema {
  const where = `${ITEM_KINDS[kind].noun} "${key}"`;
  if (plugin.name !== key)
    throw new Error(`The ${where} is registered under a different name than its own ("${plugin.name}").`);
  const params = plugin.params;
  if (params['type'] !== undefined && params['type'] !== 'object') {
    throw new Error(`The ${where} params schema must describe an object, not ${JSON.stringify(params['type'])}.`);
  }
  const properties = isRecord(params['properties']) ? params['properties'] : {};
  if ('type' in properties)
    throw new Error(`The ${where} declares a parameter named "type", which names the ${ITEM_KINDS[kind].noun} itself.`);
  const required = Array.isArray(params['required']) ? (params['required'] as string[]) : [];
  const prefix = `${kind}.${key}.`;
  if (isRecord(params['$defs'])) {
    for (const [name, def] of Object.entries(params['$defs']))
      defs[prefix + name] = rewriteRefs(def, prefix) as JsonSchema;
  }
  const rest: JsonSchema = {};
  for (const [k, v] of Object.entries(params)) if (!OWN_KEYWORDS.has(k)) rest[k] = rewriteRefs(v, prefix);
  for (const name of nestedPropertyNames(rest)) {
    if (!(name in properties)) {
      throw new Error(
        `The ${where} declares parameter "${name}" only inside a subschema; declare every parameter in the top-level ` +
          '"properties" (subschemas may add constraints), since the item allows no other property.',
      );
    }
  }
  return {
    type: 'object',
    title: key,
    description: plugin.summary,
    properties: {
      type: { const: key, description: plugin.summary },
      ...commonFields(kind),
      // A plugin may redefine a common field (say, a probe's own meaning of "timeout"); its definition wins.
      ...(rewriteRefs(properties, prefix) as Record<string, JsonSchema>),
    },
    required: ['type', ...required.filter((r) => r !== 'type')],
    additionalProperties: false,
    ...rest,
  };
}

/**
 * An item is dispatched on its `type` with if/then, so that when the type is known, every error is about that
 * type's own parameters (oneOf would report a failure for every other type).
 */
function dispatcher(
  kind: ItemKind,
  registry: Readonly<Record<string, PluginInfo>>,
  defs: Record<string, JsonSchema>,
): JsonSchema {
  const noun = ITEM_KINDS[kind].noun;
  const names = Object.keys(registry).sort();
  const typeProperty: JsonSchema = { type: 'string', description: `Which ${noun} this is.` };
  if (names.length > 0) {
    typeProperty['anyOf'] = names.map((n) => ({ const: n, description: registry[n]?.summary ?? '' }));
  }
  const schema: JsonSchema = {
    type: 'object',
    description: `A ${noun}: "type" names it, the other properties are its parameters.`,
    required: ['type'],
    properties: { type: typeProperty },
  };
  if (names.length > 0) {
    schema['allOf'] = names.map((n) => {
      const plugin = registry[n] as PluginInfo;
      defs[`${kind}.${n}`] = itemSchema(kind, n, plugin, defs);
      return {
        if: { type: 'object', properties: { type: { const: n } }, required: ['type'] },
        then: { $ref: `#/$defs/${kind}.${n}` },
      };
    });
  }
  return schema;
}

const probeList = (description: string, minItems = 0): JsonSchema => ({
  type: 'array',
  description,
  items: { $ref: '#/$defs/probe' },
  ...(minItems > 0 ? { minItems } : {}),
  maxItems: EXPERIMENT_LIMITS.probes,
});

/** The JSON Schema (2020-12) of an experiment file, composed from each plugin's own `params`. */
export function buildExperimentSchema(registries: Registries): JsonSchema {
  const defs: Record<string, JsonSchema> = {
    duration: {
      type: 'string',
      pattern: DURATION_PATTERN,
      maxLength: LIMITS.maxDurationLength,
      description: 'A duration such as "300ms", "30s", "5m", "1h30m" or ISO 8601 "PT5M", at most 24h.',
    },
    // Its own definition so that the validator can add its minimum (MIN_INTERVAL_MS): polling every 0ms
    // would keep the clock from ever moving on.
    interval: {
      type: 'string',
      pattern: DURATION_PATTERN,
      maxLength: LIMITS.maxDurationLength,
      description: 'How often to ask: a duration from "100ms" to "24h".',
    },
  };
  defs['fault'] = dispatcher('fault', registries.faults, defs);
  defs['step'] = dispatcher('step', registries.recoverySteps, defs);
  defs['probe'] = dispatcher('probe', registries.probes, defs);

  const schema: JsonSchema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: EXPERIMENT_SCHEMA_ID,
    title: 'gameday experiment',
    description:
      'A Kubernetes emergency drill as a measured experiment: the fault to inject, how it is detected, the ' +
      "runbook's recovery, how recovery is verified, and the targets it must meet.",
    type: 'object',
    required: ['id', 'title', 'description', 'runbook', 'faults', 'recovery', 'verify'],
    additionalProperties: false,
    properties: {
      $schema: {
        type: 'string',
        maxLength: EXPERIMENT_LIMITS.pathLength,
        description: 'The JSON Schema this file follows, for editors: a path or URL to schemas/experiment.schema.json.',
      },
      id: {
        type: 'string',
        pattern: ID_PATTERN,
        maxLength: EXPERIMENT_LIMITS.idLength,
        description:
          'Unique id of the experiment, kebab-case, at most 63 characters; by convention the file name without ".json".',
      },
      title: {
        type: 'string',
        minLength: 1,
        maxLength: EXPERIMENT_LIMITS.titleLength,
        description: 'A one-line title for reports.',
      },
      description: {
        type: 'string',
        minLength: 1,
        maxLength: EXPERIMENT_LIMITS.descriptionLength,
        description: 'What the drill does and why; where the runbook is vague, what this experiment chose to do.',
      },
      runbook: {
        type: 'string',
        minLength: 1,
        maxLength: EXPERIMENT_LIMITS.runbookLength,
        description: 'The runbook section this experiment drills, e.g. "D1 操作系统宕机 (host crash)".',
      },
      tags: {
        type: 'array',
        description: 'Free-form tags for selecting experiments, e.g. "etcd", "node".',
        items: { type: 'string', minLength: 1, maxLength: LIMITS.maxLabelLength, description: 'A tag.' },
        uniqueItems: true,
        maxItems: EXPERIMENT_LIMITS.tags,
      },
      clusters: {
        type: 'array',
        description: 'The clusters the drill needs; the first is the default for items without "cluster".',
        items: {
          type: 'string',
          minLength: 1,
          maxLength: LIMITS.maxNameLength,
          description: 'A cluster name, as the target knows it.',
        },
        minItems: 1,
        maxItems: EXPERIMENT_LIMITS.clusters,
        uniqueItems: true,
      },
      topology: {
        type: 'string',
        minLength: 1,
        maxLength: EXPERIMENT_LIMITS.pathLength,
        description: 'A simulator topology to load instead of the default, as a path relative to this file.',
      },
      steadyState: probeList(
        'Probes that must pass before any fault is injected: the steady state the drill starts from.',
      ),
      setup: {
        type: 'array',
        description:
          'What the drill needs before its faults (a label, a toleration, a PodDisruptionBudget, a test workload): steps ' +
          'of the recovery-step kinds whose changes can be undone (label-nodes, patch-tolerations, apply-manifest, scale...), ' +
          'run in order after the preflight and before the steady-state check. Every change they make is journalled and ' +
          'undone when the drill ends (pass, failure, Ctrl-C, or `gameday rollback` after a crash), after the faults.',
        items: { $ref: '#/$defs/step' },
        maxItems: EXPERIMENT_LIMITS.steps,
      },
      faults: {
        type: 'array',
        description: 'The faults to inject.',
        items: { $ref: '#/$defs/fault' },
        minItems: 1,
        maxItems: EXPERIMENT_LIMITS.faults,
      },
      faultMode: {
        enum: ['parallel', 'sequence'],
        description:
          '"parallel": inject every fault at once (default); "sequence": one after another, each after its "after" delay.',
      },
      blastRadius: {
        type: 'object',
        description: 'Limits the faults may not exceed; the drill is refused before anything changes if they would.',
        additionalProperties: false,
        properties: {
          maxNodes: {
            type: 'integer',
            minimum: 0,
            maximum: LIMITS.maxSelected,
            description: 'Most nodes the faults may touch, per cluster. Default 1.',
          },
          maxEtcdMembers: {
            type: 'integer',
            minimum: 0,
            maximum: 9,
            description: 'Most etcd members the faults may touch. Default: a minority, never quorum.',
          },
          allowQuorumLoss: {
            type: 'boolean',
            description: 'Let the faults take etcd below quorum (D4b, D4c). Default false.',
          },
          allowControlPlaneMajority: {
            type: 'boolean',
            description: 'Let the faults take down a majority of control-plane nodes (D2). Default false.',
          },
          maxWorkloads: {
            type: 'integer',
            minimum: 0,
            maximum: LIMITS.maxSelected,
            description: 'Most workloads the faults may touch. Default 1.',
          },
        },
      },
      detect: probeList('Probes that show the fault was noticed; the first time all pass is the time to detect.'),
      recovery: {
        type: 'object',
        description: "The runbook's recovery procedure.",
        required: ['mode'],
        additionalProperties: false,
        properties: {
          mode: {
            enum: ['automatic', 'manual', 'self-heal'],
            description:
              '"automatic": gameday runs the steps; "manual": a person does and gameday times them; "self-heal": nobody acts.',
          },
          steps: {
            type: 'array',
            description: 'The recovery steps, in order.',
            items: { $ref: '#/$defs/step' },
            maxItems: EXPERIMENT_LIMITS.steps,
          },
          delay: duration(
            'Wait this long after detection before recovering (e.g. the runbook\'s "wait for the host to reboot").',
          ),
        },
      },
      verify: probeList('Probes that show recovery is complete; the first time all pass ends the drill.', 1),
      monitors: probeList(
        'Probes watched from the first fault to verification; the longest time one is failing is the unavailability.',
      ),
      targets: {
        type: 'object',
        description: 'What the drill must achieve to pass.',
        additionalProperties: false,
        properties: {
          timeToDetect: duration('Longest allowed time from the first fault to every detect probe passing.'),
          timeToReady: duration('Longest allowed time from the start of recovery to every verify probe passing.'),
          timeToRecover: duration('Longest allowed time from the first fault to every verify probe passing.'),
          maxUnavailability: duration('Longest time any monitor probe may be failing.'),
          noDataLoss: {
            type: 'boolean',
            description: 'Every key acknowledged before the last snapshot must be present after recovery.',
          },
        },
      },
      rollback: {
        type: 'object',
        description: 'What to undo when the drill ends.',
        additionalProperties: false,
        properties: {
          revertFaults: {
            type: 'boolean',
            description: 'Revert the faults even when recovery succeeded, leaving the cluster as found. Default true.',
          },
        },
      },
      abortWhen: probeList('Probes that must stay true during the drill; one failing stops it and rolls back.'),
      timeouts: {
        type: 'object',
        description: 'Deadlines for each phase; a phase running past its deadline fails the drill.',
        additionalProperties: false,
        properties: {
          steadyState: duration('Deadline for the steady-state probes to pass.'),
          detect: duration('Deadline for the detect probes to pass after the first fault.'),
          recover: duration(
            'Deadline for the recovery: automatic steps must all have finished by then (default 20m). In manual and ' +
              'self-heal modes, how long the person or Kubernetes has to bring the verify probes to pass ("verify" is added when set).',
          ),
          verify: duration(
            'Deadline for the verify probes to pass after the recovery steps (default 15m). In manual and self-heal ' +
              'modes, without "recover", the whole wait for Ready.',
          ),
        },
      },
    },
    $defs: defs,
  };
  return withDefaultBounds(schema) as JsonSchema;
}
