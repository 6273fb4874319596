import { quoteText } from './quote.js';

export interface Position {
  /** 1-based */
  line: number;
  /** 1-based, in characters */
  column: number;
}

/** Parsed JSON that can tell where each JSON pointer sits in the text. */
export interface SourceDocument {
  readonly data: unknown;
  /** The key's position for `at: 'key'` when the value is a property, else the value's; falls back to the nearest ancestor. */
  locate(pointer: string, at?: 'key' | 'value'): Position;
}

export type ParseResult = { ok: true; doc: SourceDocument } | { ok: false; position: Position; message: string };

/**
 * Objects and arrays nested deeper than this are refused before anything recurses over them: an experiment,
 * a topology or a lab profile nests a dozen levels at most (a manifest inside a recovery step), and the
 * schema validator and the code after it recurse once per level.
 */
export const MAX_NESTING = 64;

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0x0a) starts.push(i + 1);
  return starts;
}

function positionOf(starts: readonly number[], pos: number): Position {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= pos) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: pos - (starts[lo] ?? 0) + 1 };
}

function parentPointer(pointer: string): string {
  return pointer.slice(0, Math.max(0, pointer.lastIndexOf('/')));
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

class JsonSyntaxError extends Error {
  constructor(
    readonly pos: number,
    message: string,
  ) {
    super(message);
  }
}

interface Frame {
  kind: 'object' | 'array';
  start: number;
  pointer: string;
  /** Arrays: the next index. */
  index: number;
  /** Objects: each property's key position, to name the first of two with the same name. */
  keys: Map<string, number> | undefined;
  /** What the frame waits for. */
  expect: 'first' | 'value' | 'key' | 'colon' | 'comma';
  key: string;
  keyPos: number;
}

/** How a message shows one character: itself when it is visible ASCII, else its code point as well. */
function showChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code > 0x20 && code < 0x7f) return c;
  if (code === 0x20) return `" " (a space)`;
  if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) return hex;
  return `"${c}" (${hex})`;
}

/** A hint for characters people type that JSON does not take. */
function hintFor(c: string): string {
  switch (c) {
    case "'":
      return '; JSON needs double quotes (") around strings and property names';
    case '\u201c':
    case '\u201d':
    case '\u2018':
    case '\u2019':
      return '; JSON needs straight double quotes ("), not typographic ones';
    case '/':
    case '#':
      return '; comments are not allowed in JSON';
    case '\ufeff':
      return '; a byte-order mark may only start the file';
    default:
      return '';
  }
}

/**
 * The JSON text as a document, or where and why it is not JSON. Iterative (a file nested 10,000 deep is an
 * error at its 65th level, not a stack overflow), it says at each error what was expected there, names the
 * object or array an early end of the file left open, and refuses what JSON.parse lets through but a person
 * did not mean: two properties with the same name, of which JSON keeps only the last, and numbers too large
 * to be anything but Infinity.
 */
export function parseJsonSource(raw: string): ParseResult {
  // Editors on some systems save a byte-order mark; JSON.parse rejects it.
  const text = raw.startsWith('\uFEFF') ? raw.slice(1) : raw;
  const starts = lineStarts(text);
  const pointers = new Map<string, { key?: number; value: number }>();
  try {
    scan(text, pointers, (pos) => positionOf(starts, pos));
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    return { ok: false, position: positionOf(starts, err.pos), message: err.message };
  }
  // The scan accepted exactly JSON: the native parser builds the values (own "__proto__" keys included).
  const data = JSON.parse(text) as unknown;
  return {
    ok: true,
    doc: {
      data,
      locate(pointer, at = 'value') {
        for (let p = pointer; ; p = parentPointer(p)) {
          const mapping = pointers.get(p);
          if (mapping) {
            const location = at === 'key' && p === pointer && mapping.key !== undefined ? mapping.key : mapping.value;
            return positionOf(starts, location);
          }
          if (p === '') return { line: 1, column: 1 };
        }
      },
    },
  };
}

const WORD = /[A-Za-z0-9_$.+-]/;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function scan(
  text: string,
  pointers: Map<string, { key?: number; value: number }>,
  where: (pos: number) => Position,
): void {
  const stack: Frame[] = [];
  let done = false;
  let i = 0;
  const n = text.length;
  const at = (p: number): string => {
    const { line, column } = where(p);
    return `line ${line}, column ${column}`;
  };
  const describeOpen = (f: Frame): string =>
    `the ${f.kind === 'object' ? 'object' : 'array'} that starts at ${at(f.start)} is not closed`;

  const expected = (): string => {
    if (done) return 'expected nothing more after the JSON value';
    const f = stack[stack.length - 1];
    if (!f) return 'expected a value';
    const close = f.kind === 'object' ? '"}"' : '"]"';
    switch (f.expect) {
      case 'first':
        return f.kind === 'object' ? 'expected a property name in double quotes or "}"' : 'expected a value or "]"';
      case 'value':
        return 'expected a value';
      case 'key':
        return 'expected a property name in double quotes';
      case 'colon':
        return 'expected ":" after the property name';
      case 'comma':
        return `expected "," or ${close}`;
    }
  };

  const unexpected = (p: number): never => {
    if (p >= n) {
      const f = stack[stack.length - 1];
      if (!f && !done && text.trim() === '') throw new JsonSyntaxError(p, 'The file is empty: expected a JSON object');
      throw new JsonSyntaxError(
        p,
        `Unexpected end of JSON input: ${expected()}${f ? `; ${describeOpen(f)} (was the file cut short?)` : ''}`,
      );
    }
    const c = String.fromCodePoint(text.codePointAt(p) ?? 0);
    const f = stack[stack.length - 1];
    const trailing =
      f && (c === '}' || c === ']') && (f.expect === 'value' || f.expect === 'key') && lastSignificant(text, p) === ',';
    let what = expected();
    if (trailing)
      what =
        f.expect === 'key'
          ? 'expected a property name in double quotes after ","; trailing commas are not allowed'
          : 'expected a value after ","; trailing commas are not allowed';
    if (WORD.test(c) && !/[-0-9]/.test(c)) {
      let j = p;
      while (j < n && WORD.test(text[j] as string)) j++;
      const word = text.slice(p, j);
      if (word.length > 1)
        throw new JsonSyntaxError(
          p,
          `Unexpected word ${quoteText(word)} in JSON: ${what}` +
            (f?.expect === 'value' || f?.expect === 'first' || !f
              ? ' (true, false, null, a number, a string in double quotes, an object or an array)'
              : ''),
        );
    }
    throw new JsonSyntaxError(p, `Unexpected token ${showChar(c)} in JSON: ${what}${hintFor(c)}`);
  };

  const skipSpace = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };

  /** A string starting at text[i] === '"'; returns its value (keys only) and moves past it. */
  const readString = (keep: boolean): string => {
    const start = i;
    i++;
    let out = '';
    let from = i;
    for (;;) {
      if (i >= n)
        throw new JsonSyntaxError(
          start,
          `Unexpected end of JSON input inside the string that starts here (${at(start)}): it has no closing " (was the file cut short?)`,
        );
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) {
        throw new JsonSyntaxError(
          i,
          c === 0x0a || c === 0x0d
            ? 'Unexpected line break inside a string in JSON: strings must end on the line they start (write \\n for a line break)'
            : `Unexpected character ${showChar(text[i] as string)} inside a string in JSON: control characters must be escaped (\\t, \\n, \\u0000)`,
        );
      }
      if (c === 0x5c) {
        if (keep) out += text.slice(from, i);
        const e = text[i + 1];
        if (e === undefined) {
          throw new JsonSyntaxError(
            start,
            `Unexpected end of JSON input inside the string that starts here (${at(start)}): it has no closing " (was the file cut short?)`,
          );
        }
        if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex))
            throw new JsonSyntaxError(
              i,
              `Unexpected escape in a string in JSON: \\u must be followed by four hexadecimal digits, got ${quoteText(hex.split(/["\\]/)[0] ?? '')}`,
            );
          if (keep) out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else {
          const simple: Record<string, string> = {
            '"': '"',
            '\\': '\\',
            '/': '/',
            b: '\b',
            f: '\f',
            n: '\n',
            r: '\r',
            t: '\t',
          };
          const v = simple[e];
          if (v === undefined)
            throw new JsonSyntaxError(
              i,
              `Unexpected escape \\${showChar(e)} in a string in JSON: JSON knows \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX (write \\\\ for a backslash)`,
            );
          if (keep) out += v;
          i += 2;
        }
        from = i;
        continue;
      }
      i++;
    }
    if (keep) out += text.slice(from, i);
    i++;
    return out;
  };

  /** After a complete value: the enclosing frame wants a comma or its end. */
  const valueDone = (): void => {
    const f = stack[stack.length - 1];
    if (f) f.expect = 'comma';
    else done = true;
  };

  const startValue = (pointer: string, keyPos: number | undefined): void => {
    pointers.set(pointer, keyPos === undefined ? { value: i } : { key: keyPos, value: i });
    const c = text[i];
    if (c === '{' || c === '[') {
      if (stack.length >= MAX_NESTING)
        throw new JsonSyntaxError(
          i,
          `Nested too deeply: more than ${MAX_NESTING} levels of objects and arrays (an experiment needs a dozen at most)`,
        );
      stack.push({
        kind: c === '{' ? 'object' : 'array',
        start: i,
        pointer,
        index: 0,
        keys: c === '{' ? new Map() : undefined,
        expect: 'first',
        key: '',
        keyPos: 0,
      });
      i++;
      return;
    }
    if (c === '"') {
      readString(false);
      valueDone();
      return;
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      const num = m?.[0] ?? '';
      const end = i + num.length;
      const next = text[end];
      if (num === '' || num === '-') {
        throw new JsonSyntaxError(
          end,
          `Unexpected ${next === undefined ? 'end of JSON input' : `token ${showChar(next)} in JSON`}: expected a digit after "-"`,
        );
      }
      if (next !== undefined && /[0-9.eE]/.test(next)) {
        const what =
          /^-?0$/.test(num) && /[0-9]/.test(next)
            ? 'a number cannot have a leading zero'
            : next === '.'
              ? 'expected a digit after the decimal point'
              : /[eE]/.test(next) || /[eE]$/.test(num)
                ? 'expected a digit in the exponent'
                : 'expected "," or the end of the object or array';
        let j = end;
        while (j < n && /[-+.0-9eE]/.test(text[j] as string)) j++;
        throw new JsonSyntaxError(
          end,
          `Unexpected token ${showChar(next)} in the number ${quoteText(text.slice(i, j))}: ${what}`,
        );
      }
      if (!Number.isFinite(Number(num)))
        throw new JsonSyntaxError(
          i,
          `The number ${quoteText(num)} is too large: JSON numbers here must be within ±1.7976931348623157e308`,
        );
      i = end;
      valueDone();
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i) && !WORD.test(text[i + word.length] ?? ' ')) {
        i += word.length;
        valueDone();
        return;
      }
    }
    unexpected(i);
  };

  skipSpace();
  if (i >= n) unexpected(i);
  startValue('', undefined);
  for (;;) {
    skipSpace();
    const f = stack[stack.length - 1];
    if (!f) {
      if (i < n) unexpected(i);
      return;
    }
    if (i >= n) unexpected(i);
    const c = text[i] as string;
    if (f.kind === 'array') {
      if ((f.expect === 'first' || f.expect === 'comma') && c === ']') {
        i++;
        stack.pop();
        valueDone();
      } else if (f.expect === 'comma') {
        if (c !== ',') unexpected(i);
        i++;
        f.expect = 'value';
      } else {
        if (c === ']') unexpected(i);
        startValue(`${f.pointer}/${f.index++}`, undefined);
        if (stack[stack.length - 1] === f) f.expect = 'comma';
      }
      continue;
    }
    switch (f.expect) {
      case 'first':
      case 'key': {
        if (c === '}' && f.expect === 'first') {
          i++;
          stack.pop();
          valueDone();
          break;
        }
        if (c !== '"') unexpected(i);
        const keyPos = i;
        const key = readString(true);
        const seen = f.keys?.get(key);
        if (seen !== undefined)
          throw new JsonSyntaxError(
            keyPos,
            `Duplicate property ${quoteText(key)}: it is already at ${at(seen)}, and JSON keeps only the last one; remove or rename one of them`,
          );
        f.keys?.set(key, keyPos);
        f.key = key;
        f.keyPos = keyPos;
        f.expect = 'colon';
        break;
      }
      case 'colon':
        if (c !== ':') unexpected(i);
        i++;
        f.expect = 'value';
        break;
      case 'value':
        startValue(`${f.pointer}/${escapePointer(f.key)}`, f.keyPos);
        if (stack[stack.length - 1] === f) f.expect = 'comma';
        break;
      case 'comma':
        if (c === '}') {
          i++;
          stack.pop();
          valueDone();
        } else if (c === ',') {
          i++;
          f.expect = 'key';
        } else unexpected(i);
        break;
    }
  }
}

function lastSignificant(text: string, before: number): string | undefined {
  for (let j = before - 1; j >= 0; j--) {
    const c = text[j] as string;
    if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') return c;
  }
  return undefined;
}
