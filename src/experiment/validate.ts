import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import { DURATION_PATTERN, tryParseDuration } from '../kit/duration.js';
import { LIMITS } from '../kit/limits.js';
import { didYouMean } from './did-you-mean.js';
import type { ValidationIssue } from './issues.js';
import { parseJsonSource, type SourceDocument } from './json-source.js';
import { quoteText } from './quote.js';
import { collapseErrors, CUT_LENGTHS, type PointedIssue } from './messages.js';
import { defaultRegistries } from './registries.js';
import {
  buildExperimentSchema,
  EXPERIMENT_LIMITS,
  ITEM_KINDS,
  MIN_INTERVAL_MS,
  type ItemKind,
  type Registries,
} from './schema.js';
import type { JsonSchema } from '../kit/plugin.js';
import { semanticIssues } from './semantic.js';
import type { Experiment } from './types.js';

/** Problems listed per file: past this many, the file is something else than an experiment with typos. */
export const MAX_ISSUES = 50;

export interface ValidationResult {
  /** Present only when there are no errors. */
  value?: Experiment;
  errors: ValidationIssue[];
}

/**
 * Marks every duration with keywords that really parse it: the pattern alone lets "PT" through, which
 * parseDuration rejects, and cannot say "at most 24h". The written schema keeps the pattern and the length,
 * which editors understand.
 */
function withDurationCheck(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withDurationCheck);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = withDurationCheck(v);
  if (out['pattern'] === DURATION_PATTERN) {
    out['gamedayDuration'] = true;
    out['gamedayMaxDuration'] = LIMITS.maxDurationMs;
  }
  return out;
}

const compiled = new WeakMap<Registries, ValidateFunction>();

function validatorFor(registries: Registries): ValidateFunction {
  let validate = compiled.get(registries);
  if (!validate) {
    // Lenient about keywords a plugin's params may use: the schema's own test holds them to strict mode.
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: false, strictNumbers: true, logger: false });
    const addFormats = (ajvFormats as unknown as { default: (a: Ajv2020) => void }).default;
    addFormats(ajv);
    ajv.addKeyword({
      keyword: 'gamedayDuration',
      type: 'string',
      schemaType: 'boolean',
      validate: (_schema: boolean, data: string) => tryParseDuration(data) !== undefined,
    });
    ajv.addKeyword({
      keyword: 'gamedayMinDuration',
      type: 'string',
      schemaType: 'number',
      validate: (min: number, data: string) => (tryParseDuration(data) ?? min) >= min,
    });
    ajv.addKeyword({
      keyword: 'gamedayMaxDuration',
      type: 'string',
      schemaType: 'number',
      // A duration that does not parse is gamedayDuration's to report.
      validate: (max: number, data: string) => (tryParseDuration(data) ?? 0) <= max,
    });
    const schema = withDurationCheck(buildExperimentSchema(registries)) as { $defs: Record<string, JsonSchema> };
    const interval = schema.$defs['interval'];
    if (interval) interval['gamedayMinDuration'] = MIN_INTERVAL_MS;
    validate = ajv.compile(schema);
    compiled.set(registries, validate);
  }
  return validate;
}

const LISTS: { pointer: string; kind: ItemKind; get: (doc: Record<string, unknown>) => unknown }[] = [
  { pointer: '/steadyState', kind: 'probe', get: (d) => d['steadyState'] },
  { pointer: '/setup', kind: 'step', get: (d) => d['setup'] },
  { pointer: '/faults', kind: 'fault', get: (d) => d['faults'] },
  { pointer: '/detect', kind: 'probe', get: (d) => d['detect'] },
  {
    pointer: '/recovery/steps',
    kind: 'step',
    get: (d) => (isRecord(d['recovery']) ? d['recovery']['steps'] : undefined),
  },
  { pointer: '/verify', kind: 'probe', get: (d) => d['verify'] },
  { pointer: '/monitors', kind: 'probe', get: (d) => d['monitors'] },
  { pointer: '/abortWhen', kind: 'probe', get: (d) => d['abortWhen'] },
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Unknown `type` names, found before the schema runs: one clear message per item instead of a failure for
 * every known type. Returns the pointers of those items too, so the schema's errors about them are dropped.
 */
function unknownTypes(data: unknown, registries: Registries): { issues: PointedIssue[]; items: string[] } {
  const issues: PointedIssue[] = [];
  const items: string[] = [];
  if (!isRecord(data)) return { issues, items };
  for (const list of LISTS) {
    const value = list.get(data);
    if (!Array.isArray(value)) continue;
    const { registry, noun } = ITEM_KINDS[list.kind];
    const known = Object.keys(registries[registry]).sort();
    value.forEach((item: unknown, i) => {
      if (!isRecord(item)) return;
      const listing = `Known ${noun} types: ${known.length === 0 ? '(none)' : known.join(', ')}.`;
      const at = `${list.pointer}/${i}`;
      if (!('type' in item)) {
        issues.push({ path: at, locate: at, at: 'value', message: `Missing required property "type". ${listing}` });
        items.push(at);
        return;
      }
      const type = item['type'];
      if (typeof type !== 'string' || Object.hasOwn(registries[registry], type)) return;
      const guess = didYouMean(type, known);
      issues.push({
        path: `${at}/type`,
        locate: `${at}/type`,
        at: 'value',
        message:
          `Unknown ${noun} type ${quoteText(type)}` +
          (guess === undefined ? '. ' : `; did you mean ${JSON.stringify(guess)}? `) +
          listing,
      });
      items.push(at);
    });
  }
  return { issues, items };
}

/** `/recovery/steps/3/...` -> `/recovery/steps/3`, the item a step error is about. */
function stepItem(pointer: string): string {
  return pointer.split('/').slice(0, 4).join('/');
}

/**
 * The document as the schema sees it: every list cut one item past the longest any schema allows, every
 * object one property past, so that 40,000 faults cost as much to check as 51 and still fail "at most 50
 * items" (messages read the real count from CUT_LENGTHS).
 */
function bounded(value: unknown): unknown {
  const copy = (v: unknown, pointer: string): unknown => {
    if (Array.isArray(v)) {
      const cap = (LIST_CAPS.get(pointer) ?? LIMITS.maxItems) + 1;
      if (v.length <= cap) return v.map((x, i) => copy(x, `${pointer}/${i}`));
      const out = v.slice(0, cap).map((x, i) => copy(x, `${pointer}/${i}`));
      CUT_LENGTHS.set(out, v.length);
      return out;
    }
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v);
    const out: Record<string, unknown> = {};
    for (const [k, x] of entries.slice(0, LIMITS.maxItems + 1))
      Object.defineProperty(out, k, {
        value: copy(x, `${pointer}/${k}`),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    if (entries.length > LIMITS.maxItems + 1) CUT_LENGTHS.set(out, entries.length);
    return out;
  };
  return copy(value, '');
}

const LIST_CAPS = new Map<string, number>([
  ['/faults', EXPERIMENT_LIMITS.faults],
  ['/recovery/steps', EXPERIMENT_LIMITS.steps],
  ['/setup', EXPERIMENT_LIMITS.steps],
  ['/steadyState', EXPERIMENT_LIMITS.probes],
  ['/detect', EXPERIMENT_LIMITS.probes],
  ['/verify', EXPERIMENT_LIMITS.probes],
  ['/monitors', EXPERIMENT_LIMITS.probes],
  ['/abortWhen', EXPERIMENT_LIMITS.probes],
]);

function place(file: string, doc: SourceDocument, issue: PointedIssue): ValidationIssue {
  const { line, column } = doc.locate(issue.locate, issue.at);
  return { file, line, column, path: issue.path, message: issue.message };
}

function byPosition(a: ValidationIssue, b: ValidationIssue): number {
  return a.line - b.line || a.column - b.column || a.message.localeCompare(b.message);
}

/**
 * Checks one experiment file's text: JSON syntax, type names, the schema, then the rules across fields.
 * Never throws for a bad experiment; the caller decides what to do with the issues.
 */
export function validateExperiment(
  file: string,
  text: string,
  registries: Registries = defaultRegistries,
): ValidationResult {
  const parsed = parseJsonSource(text);
  if (!parsed.ok) {
    return { errors: [{ file, ...parsed.position, path: '', message: parsed.message }] };
  }
  const { doc } = parsed;
  const data = bounded(doc.data);
  const unknown = unknownTypes(data, registries);
  const validate = validatorFor(registries);
  // What was cut is either counted by a maxItems the schema reports, or free-form (a manifest's content).
  const valid = validate(data);
  // An error inside an item of unknown type: the item's own message says all there is to say.
  const unknownItems = new Set(unknown.items);
  const schemaErrors = (validate.errors ?? []).filter(
    (e) =>
      !unknownItems.has(e.instancePath.split('/').slice(0, 3).join('/')) && !unknownItems.has(stepItem(e.instancePath)),
  );
  const pointed = [...unknown.issues, ...collapseErrors(schemaErrors)];
  if (valid && pointed.length === 0) pointed.push(...semanticIssues(doc.data as Experiment, registries));
  const errors = pointed.map((i) => place(file, doc, i)).sort(byPosition);
  if (errors.length > MAX_ISSUES) {
    const more = errors.length - MAX_ISSUES;
    errors.length = MAX_ISSUES;
    errors.push({
      file,
      line: 0,
      column: 0,
      path: '',
      message: `${more} more problem${more === 1 ? '' : 's'} not shown; fix the ones above first`,
      hidden: more,
    });
  }
  return errors.length === 0 ? { value: doc.data as Experiment, errors } : { errors };
}
