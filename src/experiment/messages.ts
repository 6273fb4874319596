import type { ErrorObject } from 'ajv/dist/2020.js';
import { DURATION_PATTERN } from '../kit/duration.js';
import { didYouMean, quotedList } from './did-you-mean.js';
import { QUOTE_LIMIT, quoteText } from './quote.js';
import { ID_PATTERN } from './schema.js';

/** An issue before it is placed in the file: `at: 'key'` points at a property's name rather than its value. */
export interface PointedIssue {
  path: string;
  /** The pointer whose text the issue is shown at (a missing property is shown at the object holding it). */
  locate: string;
  at: 'key' | 'value';
  message: string;
}

const ARTICLE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** Lists and objects validation saw cut short (src/experiment/validate.ts), with their real size. */
export const CUT_LENGTHS = new WeakMap<object, number>();

function sizeOf(data: unknown): number {
  if (data === null || typeof data !== 'object') return 0;
  return CUT_LENGTHS.get(data) ?? (Array.isArray(data) ? data.length : Object.keys(data).length);
}

export const DURATION_EXPECTED = 'a duration such as "30s", "5m" or "PT5M"';

function unescape(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function segments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map(unescape);
}

/** How a message names the value at `pointer`: `"timeout"`, `item 2 of "tags"`, `the experiment`. */
export function subject(pointer: string): string {
  const parts = segments(pointer);
  const last = parts[parts.length - 1];
  if (last === undefined) return 'the experiment';
  if (/^\d+$/.test(last)) {
    const parent = parts[parts.length - 2];
    return parent === undefined ? `item ${last}` : `item ${last} of ${quoteText(parent)}`;
  }
  return quoteText(last);
}

/** The value as a message shows what was found: `"5 minutes" (string)`, `30 (number)`, `an object`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  switch (typeof value) {
    case 'string':
      return value.length > QUOTE_LIMIT
        ? quoteText(value).replace(/ characters\)$/, '-character string)')
        : `${quoteText(value)} (string)`;
    case 'number':
    case 'boolean':
      return `${String(value)} (${typeof value})`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

function isDurationSchema(schema: unknown): boolean {
  if (schema === null || typeof schema !== 'object') return false;
  const s = schema as Record<string, unknown>;
  return s['pattern'] === DURATION_PATTERN || s['gamedayDuration'] === true;
}

/** 86400000 -> "24h": the duration limit as a person writes it. */
function formatLimit(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `Expected "x" to be <expected>, got <found>`: the one shape of every value error. */
function expected(pointer: string, what: string, data: unknown): string {
  return `Expected ${subject(pointer)} to be ${what}, got ${describeValue(data)}`;
}

function valueMessage(error: ErrorObject): string {
  const p = error.instancePath;
  const params = error.params as Record<string, unknown>;
  const data: unknown = error.data;
  const parent = error.parentSchema as Record<string, unknown> | undefined;
  if (error.keyword === 'gamedayMaxDuration') {
    return expected(p, `at most ${formatLimit(Number(error.schema))}`, data);
  }
  if (error.keyword === 'gamedayMinDuration') {
    return expected(p, `at least ${formatLimit(Number(error.schema))}`, data);
  }
  if (isDurationSchema(parent) && ['type', 'pattern', 'gamedayDuration', 'maxLength'].includes(error.keyword)) {
    return expected(p, DURATION_EXPECTED, data);
  }
  switch (error.keyword) {
    case 'type': {
      const types = String(params['type']).split(',');
      return expected(p, types.map((t) => ARTICLE[t] ?? t).join(' or '), data);
    }
    case 'pattern':
      if (params['pattern'] === ID_PATTERN) {
        return expected(p, 'kebab-case (lowercase letters and digits, words joined by "-")', data);
      }
      return expected(p, `a string matching /${String(params['pattern'])}/`, data);
    case 'enum':
    case 'const': {
      const allowed = error.keyword === 'enum' ? (params['allowedValues'] as unknown[]) : [params['allowedValue']];
      const message = expected(p, quotedList(allowed), data);
      const strings = allowed.filter((a): a is string => typeof a === 'string');
      const guess = typeof data === 'string' ? didYouMean(data, strings) : undefined;
      return guess === undefined ? message : `${message}; did you mean ${JSON.stringify(guess)}?`;
    }
    case 'minimum':
      return expected(p, `at least ${String(params['limit'])}`, data);
    case 'maximum':
      return expected(p, `at most ${String(params['limit'])}`, data);
    case 'exclusiveMinimum':
      return expected(p, `greater than ${String(params['limit'])}`, data);
    case 'exclusiveMaximum':
      return expected(p, `less than ${String(params['limit'])}`, data);
    case 'multipleOf':
      return expected(p, `a multiple of ${String(params['multipleOf'])}`, data);
    case 'minLength': {
      const limit = Number(params['limit']);
      return expected(p, limit === 1 ? 'a non-empty string' : `at least ${plural(limit, 'character')} long`, data);
    }
    case 'maxLength':
      return expected(p, `at most ${plural(Number(params['limit']), 'character')} long`, data);
    case 'minItems': {
      const count = sizeOf(data);
      return `Expected ${subject(p)} to have at least ${plural(Number(params['limit']), 'item')}, got ${count}`;
    }
    case 'maxItems': {
      const count = sizeOf(data);
      return `Expected ${subject(p)} to have at most ${plural(Number(params['limit']), 'item')}, got ${count}`;
    }
    case 'uniqueItems': {
      const [first, second] = [Number(params['i']), Number(params['j'])].sort((a, b) => a - b);
      const item: unknown = Array.isArray(data) ? data[first ?? 0] : undefined;
      const shown = typeof item === 'string' ? quoteText(item) : describeValue(item);
      return `Expected ${subject(p)} to have no duplicates, got ${shown} twice (items ${first} and ${second})`;
    }
    case 'minProperties':
      return `Expected ${subject(p)} to have at least ${plural(Number(params['limit']), 'property')}`.replace(
        'propertys',
        'properties',
      );
    case 'maxProperties':
      return `Expected ${subject(p)} to have at most ${plural(Number(params['limit']), 'property')}, got ${sizeOf(data)}`.replace(
        'propertys',
        'properties',
      );
    case 'format':
      return expected(p, `a valid ${String(params['format'])}`, data);
    case 'dependentRequired':
      return `${JSON.stringify(params['property'])} also needs ${JSON.stringify(params['missingProperty'])}`;
    case 'oneOf':
      return expected(p, 'exactly one of the allowed forms', data);
    case 'anyOf':
      return expected(p, 'one of the allowed forms', data);
    case 'not':
      return `${subject(p)} must not be ${describeValue(data)}`;
    default:
      return `${subject(p)} ${error.message ?? 'is not valid'}`;
  }
}

/** The message for an unknown property, and the known property it is probably a misspelling of. */
function unknownProperty(error: ErrorObject, property: string): { message: string; guess?: string } {
  const parent = error.parentSchema as Record<string, unknown> | undefined;
  const properties = parent?.['properties'];
  const known =
    properties && typeof properties === 'object' ? Object.keys(properties).filter((k) => k !== '$schema') : [];
  const guess = didYouMean(property, known);
  if (guess !== undefined)
    return { message: `Unknown property ${quoteText(property)}; did you mean ${JSON.stringify(guess)}?`, guess };
  if (known.length === 0) return { message: `Unknown property ${quoteText(property)}` };
  return { message: `Unknown property ${quoteText(property)}. Allowed properties: ${known.join(', ')}.` };
}

function child(pointer: string, key: string): string {
  return `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

const COMBINATORS = new Set(['anyOf', 'oneOf', 'allOf', 'if', 'not']);
/** Which error wins when several are about the same value: the most basic mismatch first. */
const PRIORITY = ['type', 'required', 'additionalProperties', 'enum', 'const', 'gamedayDuration', 'pattern'];

function rank(keyword: string): number {
  const i = PRIORITY.indexOf(keyword);
  return i === -1 ? PRIORITY.length : i;
}

/**
 * "Give a node or a selector" is written as anyOf/oneOf of `required`; ajv then reports each alternative as
 * missing, which reads as if both were needed. Such a failure becomes one message naming the alternatives.
 */
function requiredAlternatives(errors: readonly ErrorObject[]): { errors: ErrorObject[]; alternatives: PointedIssue[] } {
  const consumed = new Set<ErrorObject>();
  const alternatives: PointedIssue[] = [];
  for (const c of errors) {
    if (c.keyword !== 'anyOf' && c.keyword !== 'oneOf') continue;
    const subs = errors.filter((e) => e.schemaPath.startsWith(`${c.schemaPath}/`));
    const here = (e: ErrorObject): boolean => e.keyword === 'required' && e.instancePath === c.instancePath;
    const names = (list: unknown[]): string[] =>
      list.flatMap((b) =>
        b && typeof b === 'object' && Array.isArray((b as Record<string, unknown>)['required'])
          ? ((b as Record<string, unknown>)['required'] as string[])
          : [],
      );
    if (subs.length > 0 && subs.every(here)) {
      const missing = [...new Set(subs.map((e) => String((e.params as Record<string, unknown>)['missingProperty'])))];
      alternatives.push({
        path: c.instancePath,
        locate: c.instancePath,
        at: 'value',
        message: `Missing required property: one of ${quotedList(missing)}`,
      });
      [c, ...subs].forEach((e) => consumed.add(e));
    } else if (c.keyword === 'oneOf' && subs.length === 0 && Array.isArray(c.schema)) {
      const passing = (c.params as Record<string, unknown>)['passingSchemas'];
      const given = Array.isArray(passing) ? names(passing.map((i) => (c.schema as unknown[])[Number(i)])) : [];
      if (given.length > 1) {
        alternatives.push({
          path: c.instancePath,
          locate: c.instancePath,
          at: 'value',
          message: `Expected only one of ${quotedList(given)}, got ${given.length === 2 ? 'both' : 'several'}`,
        });
        consumed.add(c);
      }
    }
  }
  return { errors: errors.filter((e) => !consumed.has(e)), alternatives };
}

/**
 * A failed anyOf/oneOf reports every branch's errors, most of them about shapes the user never meant. Keep
 * the errors of the branch that fits best: one whose type matches, whose properties cover the given keys,
 * and that lacks the fewest required ones. When no branch has the right type, keep just the type errors.
 */
function bestBranches(errors: readonly ErrorObject[]): ErrorObject[] {
  const removed = new Set<ErrorObject>();
  const combinators = errors
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const c of combinators) {
    if (removed.has(c)) continue;
    if (Array.isArray((c.params as Record<string, unknown>)['passingSchemas'])) {
      // oneOf matched several branches: that is the error; why the other branches failed is noise.
      for (const e of errors) if (e.schemaPath.startsWith(`${c.schemaPath}/`)) removed.add(e);
      continue;
    }
    const branches = new Map<number, ErrorObject[]>();
    for (const e of errors) {
      if (removed.has(e) || !e.schemaPath.startsWith(`${c.schemaPath}/`)) continue;
      const index = Number(e.schemaPath.slice(c.schemaPath.length + 1).split('/')[0]);
      branches.set(index, [...(branches.get(index) ?? []), e]);
    }
    if (branches.size === 0) continue;
    const atC = (e: ErrorObject, keyword: string): boolean =>
      e.keyword === keyword && e.instancePath === c.instancePath;
    const score = (list: ErrorObject[]): number =>
      list.reduce(
        (n, e) => n + (atC(e, 'type') ? 1000 : atC(e, 'additionalProperties') ? 10 : atC(e, 'required') ? 5 : 1),
        0,
      );
    const entries = [...branches.entries()];
    const wrongType = entries.every(([, list]) => list.some((e) => atC(e, 'type')));
    let keep: ErrorObject[];
    if (wrongType) {
      keep = entries.flatMap(([, list]) => list.filter((e) => atC(e, 'type')));
    } else {
      const [, best] = entries.reduce((a, b) => (score(b[1]) < score(a[1]) ? b : a));
      keep = best;
    }
    for (const [, list] of entries) for (const e of list) if (!keep.includes(e)) removed.add(e);
    removed.add(c);
  }
  return errors.filter((e) => !removed.has(e));
}

interface Keyed {
  key: string;
  error: ErrorObject;
}

function keyOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') return child(error.instancePath, String(params['missingProperty']));
  if (error.keyword === 'additionalProperties') return child(error.instancePath, String(params['additionalProperty']));
  return error.instancePath;
}

function isWithin(pointer: string, ancestor: string): boolean {
  return pointer === ancestor || pointer.startsWith(`${ancestor}/`);
}

/**
 * ajv reports every failed keyword on every branch; a person wants one message per place, the most specific:
 * combinator failures go when a more precise error explains them, type mismatches at one place merge, and
 * the most basic remaining mismatch wins.
 */
export function collapseErrors(allErrors: readonly ErrorObject[]): PointedIssue[] {
  type Collected = PointedIssue & { missing?: string };
  // An "if" failure only says its "then" failed, and that failure is reported on its own.
  const { errors: unexplained, alternatives } = requiredAlternatives(allErrors.filter((e) => e.keyword !== 'if'));
  const errors = bestBranches(unexplained);
  const keyed: Keyed[] = errors.map((error) => ({ key: keyOf(error), error }));
  const precise = [
    ...keyed.filter((k) => !COMBINATORS.has(k.error.keyword)).map((k) => k.key),
    ...alternatives.map((a) => a.path),
  ];
  const kept = keyed.filter((k) => !COMBINATORS.has(k.error.keyword) || !precise.some((p) => isWithin(p, k.key)));
  const groups = new Map<string, ErrorObject[]>();
  for (const { key, error } of kept) {
    const group = groups.get(key);
    if (group) group.push(error);
    else groups.set(key, [error]);
  }
  const issues: Collected[] = [...alternatives];
  // "Unknown property "fualts"; did you mean "faults"?" already says "faults" is missing.
  const misspelt = new Set<string>();
  for (const [key, group] of groups) {
    const types = group.filter((e) => e.keyword === 'type' && !isDurationSchema(e.parentSchema));
    let error = [...group].sort((a, b) => rank(a.keyword) - rank(b.keyword))[0] as ErrorObject;
    if (types.length > 1) {
      const merged = [
        ...new Set(types.flatMap((t) => String((t.params as Record<string, unknown>)['type']).split(','))),
      ];
      error = { ...(types[0] as ErrorObject), params: { type: merged.join(',') } };
    }
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'required') {
      issues.push({
        path: error.instancePath,
        locate: error.instancePath,
        at: 'value',
        message: `Missing required property ${JSON.stringify(params['missingProperty'])}`,
        missing: key,
      });
    } else if (error.keyword === 'additionalProperties') {
      const { message, guess } = unknownProperty(error, String(params['additionalProperty']));
      if (guess !== undefined) misspelt.add(child(error.instancePath, guess));
      issues.push({ path: error.instancePath, locate: key, at: 'key', message });
    } else {
      issues.push({ path: key, locate: key, at: 'value', message: valueMessage(error) });
    }
  }
  return issues
    .filter((i) => i.missing === undefined || !misspelt.has(i.missing))
    .map(({ missing: _missing, ...issue }) => issue);
}
