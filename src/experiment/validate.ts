import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import { DURATION_PATTERN, tryParseDuration } from '../kit/duration.js';
import { didYouMean } from './did-you-mean.js';
import type { ValidationIssue } from './issues.js';
import { parseJsonSource, type SourceDocument } from './json-source.js';
import { collapseErrors, type PointedIssue } from './messages.js';
import { defaultRegistries } from './registries.js';
import { buildExperimentSchema, ITEM_KINDS, type ItemKind, type Registries } from './schema.js';
import { semanticIssues } from './semantic.js';
import type { Experiment } from './types.js';

export interface ValidationResult {
  /** Present only when there are no errors. */
  value?: Experiment;
  errors: ValidationIssue[];
}

/**
 * Marks every duration with a keyword that really parses it: the pattern alone lets "PT" through, which
 * parseDuration rejects. The written schema keeps only the pattern, which editors understand.
 */
function withDurationCheck(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withDurationCheck);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = withDurationCheck(v);
  if (out['pattern'] === DURATION_PATTERN) out['gamedayDuration'] = true;
  return out;
}

const compiled = new WeakMap<Registries, ValidateFunction>();

function validatorFor(registries: Registries): ValidateFunction {
  let validate = compiled.get(registries);
  if (!validate) {
    // Lenient about keywords a plugin's params may use: the schema's own test holds them to strict mode.
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: false, logger: false });
    const addFormats = (ajvFormats as unknown as { default: (a: Ajv2020) => void }).default;
    addFormats(ajv);
    ajv.addKeyword({
      keyword: 'gamedayDuration',
      type: 'string',
      schemaType: 'boolean',
      validate: (_schema: boolean, data: string) => tryParseDuration(data) !== undefined,
    });
    validate = ajv.compile(withDurationCheck(buildExperimentSchema(registries)) as object);
    compiled.set(registries, validate);
  }
  return validate;
}

const LISTS: { pointer: string; kind: ItemKind; get: (doc: Record<string, unknown>) => unknown }[] = [
  { pointer: '/steadyState', kind: 'probe', get: (d) => d['steadyState'] },
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
          `Unknown ${noun} type ${JSON.stringify(type)}` +
          (guess === undefined ? '. ' : `; did you mean ${JSON.stringify(guess)}? `) +
          listing,
      });
      items.push(at);
    });
  }
  return { issues, items };
}

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
  const unknown = unknownTypes(doc.data, registries);
  const validate = validatorFor(registries);
  const valid = validate(doc.data);
  const schemaErrors = (validate.errors ?? []).filter(
    (e) => !unknown.items.some((item) => e.instancePath === item || e.instancePath.startsWith(`${item}/`)),
  );
  const pointed = [...unknown.issues, ...collapseErrors(schemaErrors)];
  if (valid && pointed.length === 0) pointed.push(...semanticIssues(doc.data as Experiment));
  const errors = pointed.map((i) => place(file, doc, i)).sort(byPosition);
  return errors.length === 0 ? { value: doc.data as Experiment, errors } : { errors };
}
