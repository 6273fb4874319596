import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import schema from '../../../schemas/topology.schema.json' with { type: 'json' };
import { tryParseDuration } from '../../kit/duration.js';
import { InvalidInputError } from '../../errors.js';
import { MAX_TOPOLOGY_BYTES, readInputFile } from '../../input-file.js';
import { parseJsonSource, type SourceDocument } from '../../experiment/json-source.js';
import { quoteText } from '../../experiment/quote.js';
import { LIMITS } from '../../kit/limits.js';
import { DEFAULT_PARAMS, type SimParams } from '../params.js';
import { simParamsSchema } from '../param-docs.js';
import type { Topology } from './types.js';

export interface LoadedTopology {
  topology: Topology;
  /** Kubernetes' defaults with the topology's `params` applied. */
  params: SimParams;
}

/** Parameters that are plain numbers (counts, rates, seconds); every other numeric parameter is a duration in ms. */
export const UNITLESS = new Set<string>([
  'nodeEvictionRate',
  'secondaryNodeEvictionRate',
  'largeClusterSizeThreshold',
  'unhealthyZoneThreshold',
  'defaultTolerationSeconds',
  'probeFailureThreshold',
]);

/** Parameters that may be absent from DEFAULT_PARAMS, with their type. */
const OPTIONAL: Record<string, 'boolean' | 'number' | 'string'> = { schedulerPreemptionMessage: 'boolean' };

let validator: ReturnType<Ajv2020['compile']> | undefined;
function validateSchema(value: unknown): ErrorObject[] {
  // An unknown parameter is left to mergeParams, whose message lists the known ones.
  const params = {
    ...simParamsSchema(),
    maxProperties: 100,
    additionalProperties: { type: ['string', 'number', 'boolean'], maxLength: 32 },
  };
  validator ??= new Ajv2020({ allErrors: true, verbose: true, strict: false }).addSchema(params).compile(schema);
  return validator(value) ? [] : [...(validator.errors ?? [])];
}

/** `/clusters/0/nodes/2/role` -> `clusters[0].nodes[2].role` */
export function jsonPath(pointer: string): string {
  if (pointer === '') return '(top level)';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else out += /^[A-Za-z_$][\w$]*$/.test(seg) ? (out ? `.${seg}` : seg) : `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function found(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `${quoteText(v)} (string)`;
  return `${JSON.stringify(v)} (${typeof v})`;
}

function describe(e: ErrorObject): { pointer: string; message: string } {
  const params = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as { title?: string };
  const at = e.instancePath;
  switch (e.keyword) {
    case 'required':
      return { pointer: at, message: `missing required property ${JSON.stringify(params.missingProperty)}` };
    case 'additionalProperties':
      return {
        pointer: `${at}/${String(params.additionalProperty).replace(/~/g, '~0').replace(/\//g, '~1')}`,
        message: `unknown property ${quoteText(String(params.additionalProperty))}`,
      };
    case 'enum':
      return {
        pointer: at,
        message: `expected one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${found(e.data)}`,
      };
    case 'type':
      return { pointer: at, message: `expected ${parent.title ?? String(params.type)}, got ${found(e.data)}` };
    case 'pattern':
      return {
        pointer: at,
        message: `expected ${parent.title ?? `a string matching /${String(params.pattern)}/`}, got ${found(e.data)}`,
      };
    case 'minimum':
    case 'maximum':
      return {
        pointer: at,
        message: `expected a number ${e.keyword === 'minimum' ? 'at least' : 'at most'} ${String(params.limit)}, got ${found(e.data)}`,
      };
    case 'minItems':
      return { pointer: at, message: `expected at least ${String(params.limit)} item(s)` };
    case 'maxItems':
      return { pointer: at, message: `expected at most ${String(params.limit)} items, got ${found(e.data)}` };
    case 'minLength':
      return { pointer: at, message: `expected a non-empty string, got ${found(e.data)}` };
    case 'maxLength':
      return { pointer: at, message: `expected at most ${String(params.limit)} characters, got ${found(e.data)}` };
    case 'minProperties':
    case 'maxProperties': {
      const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
      if ('minAvailable' in props)
        return { pointer: at, message: 'expected exactly one of "minAvailable" or "maxUnavailable"' };
      const count = e.data && typeof e.data === 'object' ? Object.keys(e.data).length : 0;
      return { pointer: at, message: `expected at most ${String(params.limit)} entries, got ${count}` };
    }
    case 'propertyNames':
      return { pointer: at, message: 'a name in this object is too long' };
    default:
      return { pointer: at, message: e.message ?? `does not satisfy "${e.keyword}"` };
  }
}

/** Validates parsed topology JSON; `doc` (when the text is at hand) adds line and column to messages. */
export function validateTopology(value: unknown, file: string, doc?: SourceDocument): LoadedTopology {
  const issues: { pointer: string; message: string }[] = [];
  const seen = new Set<string>();
  for (const e of validateSchema(value)) {
    const d = describe(e);
    if (seen.has(d.pointer)) continue; // one message per place: the first is the most basic
    seen.add(d.pointer);
    issues.push(d);
  }
  let params: SimParams = { ...DEFAULT_PARAMS };
  if (issues.length === 0) {
    const t = value as Topology;
    issues.push(...semanticIssues(t));
    const merged = mergeParams(t.params ?? {});
    issues.push(...merged.issues);
    params = merged.params;
  }
  if (issues.length > 0) {
    const lines = issues.map((i) => {
      const pos = doc ? doc.locate(i.pointer) : undefined;
      return `${file}${pos ? `:${pos.line}:${pos.column}` : ''}: ${jsonPath(i.pointer)}: ${i.message}`;
    });
    throw new InvalidInputError(`Invalid topology ${file}:\n${lines.map((l) => `  ${l}`).join('\n')}`);
  }
  return { topology: value as Topology, params };
}

function semanticIssues(t: Topology): { pointer: string; message: string }[] {
  const out: { pointer: string; message: string }[] = [];
  const clusters = new Set<string>();
  t.clusters.forEach((c, ci) => {
    if (clusters.has(c.name))
      out.push({ pointer: `/clusters/${ci}/name`, message: `cluster "${c.name}" is defined twice` });
    clusters.add(c.name);
    const nodes = new Set<string>();
    c.nodes.forEach((n, ni) => {
      if (nodes.has(n.name))
        out.push({
          pointer: `/clusters/${ci}/nodes/${ni}/name`,
          message: `node "${n.name}" is defined twice in cluster "${c.name}"`,
        });
      nodes.add(n.name);
    });
    (c.etcdMembers ?? []).forEach((m, mi) => {
      if (!nodes.has(m))
        out.push({
          pointer: `/clusters/${ci}/etcdMembers/${mi}`,
          message: `expected the name of a node of cluster "${c.name}", got "${m}"`,
        });
    });
    const workloads = new Set<string>();
    (c.workloads ?? []).forEach((w, wi) => {
      const k = `${w.kind}/${w.namespace}/${w.name}`;
      if (workloads.has(k))
        out.push({
          pointer: `/clusters/${ci}/workloads/${wi}`,
          message: `${w.kind} ${w.namespace}/${w.name} is defined twice`,
        });
      workloads.add(k);
    });
  });
  return out;
}

/** Applies a topology's `params` to Kubernetes' defaults: durations as "40s"/"5m" (or ms), the rest as they are. */
export function mergeParams(
  overrides: Record<string, unknown>,
  base: SimParams = DEFAULT_PARAMS,
): { params: SimParams; issues: { pointer: string; message: string }[] } {
  const params = { ...base } as unknown as Record<string, unknown>;
  const issues: { pointer: string; message: string }[] = [];
  const known = [...Object.keys(base), ...Object.keys(OPTIONAL)];
  for (const [key, value] of Object.entries(overrides)) {
    const pointer = `/params/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const current = (base as unknown as Record<string, unknown>)[key];
    const kind = current === undefined ? OPTIONAL[key] : typeof current;
    if (kind === undefined) {
      issues.push({ pointer, message: `unknown parameter; known ones are ${known.map((k) => `"${k}"`).join(', ')}` });
      continue;
    }
    if (kind === 'boolean') {
      if (typeof value === 'boolean') params[key] = value;
      else issues.push({ pointer, message: `expected true or false, got ${found(value)}` });
    } else if (kind === 'string') {
      if (typeof value === 'string') params[key] = value;
      else issues.push({ pointer, message: `expected a string, got ${found(value)}` });
    } else if (UNITLESS.has(key)) {
      const n = typeof value === 'string' ? Number(value) : value;
      if (typeof n === 'number' && Number.isFinite(n) && n >= 0) params[key] = n;
      else issues.push({ pointer, message: `expected a non-negative number, got ${found(value)}` });
    } else {
      const ms = typeof value === 'number' ? value : typeof value === 'string' ? tryParseDuration(value) : undefined;
      if (ms !== undefined && ms >= 0 && ms <= LIMITS.maxDurationMs) params[key] = ms;
      else
        issues.push({
          pointer,
          message: `expected a duration such as "40s" or "5m", at most 24h, got ${found(value)}`,
        });
    }
  }
  return { params: params as unknown as SimParams, issues };
}

/** Reads, parses and validates a topology file. */
export function loadTopology(file: string): LoadedTopology {
  const read = readInputFile(file, { maxBytes: MAX_TOPOLOGY_BYTES, what: 'a topology file' });
  if (!read.ok) {
    const at = read.position ? `:${read.position.line}:${read.position.column}` : '';
    throw new InvalidInputError(`Invalid topology ${file}:\n  ${file}${at}: the file ${read.reason}`);
  }
  return parseTopology(read.text, file);
}

export function parseTopology(text: string, file: string): LoadedTopology {
  const parsed = parseJsonSource(text);
  if (!parsed.ok) {
    throw new InvalidInputError(
      `Invalid topology ${file}:\n  ${file}:${parsed.position.line}:${parsed.position.column}: ${parsed.message}`,
    );
  }
  return validateTopology(parsed.doc.data, file, parsed.doc);
}
