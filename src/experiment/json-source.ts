import { parse, type Mapping } from 'json-source-map';

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

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
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

export function parseJsonSource(raw: string): ParseResult {
  // Editors on some systems save a byte-order mark; JSON.parse and json-source-map reject it.
  const text = raw.startsWith('\uFEFF') ? raw.slice(1) : raw;
  const starts = lineStarts(text);
  let parsed: { data: unknown; pointers: Record<string, Mapping> };
  try {
    parsed = parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = /at position (\d+)/.exec(message);
    const pos = at ? Number(at[1]) : text.length;
    return { ok: false, position: positionOf(starts, pos), message: describeSyntaxError(text, pos) };
  }
  const control = controlCharacterInString(text);
  if (control !== undefined) {
    return { ok: false, position: positionOf(starts, control), message: describeSyntaxError(text, control) };
  }
  const { data, pointers } = parsed;
  return {
    ok: true,
    doc: {
      data,
      locate(pointer, at = 'value') {
        for (let p = pointer; ; p = parentPointer(p)) {
          const mapping = pointers[p];
          if (mapping) {
            const location = at === 'key' && p === pointer && mapping.key ? mapping.key : mapping.value;
            return positionOf(starts, location.pos);
          }
          if (p === '') return { line: 1, column: 1 };
        }
      },
    },
  };
}

/** json-source-map accepts raw control characters (a line break) inside strings; JSON does not. */
function controlCharacterInString(text: string): number | undefined {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!inString) {
      if (c === 0x22) inString = true;
    } else if (c === 0x5c) {
      i++;
    } else if (c === 0x22) {
      inString = false;
    } else if (c < 0x20) {
      return i;
    }
  }
  return undefined;
}

type Expect = 'value' | 'value-or-end' | 'key' | 'key-or-end' | 'colon' | 'comma-or-end' | 'end';
interface Frame {
  kind: 'object' | 'array' | 'top';
  expect: Expect;
}

/**
 * What the parser wanted at `pos`, found by scanning the text before it: json-source-map only says which
 * character it did not expect, and "expected a value" is what tells a person how to fix it.
 */
function describeSyntaxError(text: string, pos: number): string {
  const stack: Frame[] = [{ kind: 'top', expect: 'value' }];
  const top = (): Frame => stack[stack.length - 1] as Frame;
  let afterComma = false;
  const afterValue = (): void => {
    const frame = top();
    frame.expect = frame.kind === 'top' ? 'end' : 'comma-or-end';
    afterComma = false;
  };
  let i = 0;
  let inString = false;
  while (i < pos) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < pos && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= pos) {
        inString = true;
        break;
      }
      const frame = top();
      if (frame.kind === 'object' && (frame.expect === 'key' || frame.expect === 'key-or-end')) {
        frame.expect = 'colon';
        afterComma = false;
      } else afterValue();
      i = j + 1;
      continue;
    }
    if (c === '{' || c === '[') {
      stack.push({ kind: c === '{' ? 'object' : 'array', expect: c === '{' ? 'key-or-end' : 'value-or-end' });
      afterComma = false;
    } else if (c === '}' || c === ']') {
      if (stack.length > 1) stack.pop();
      afterValue();
    } else if (c === ':') {
      top().expect = 'value';
    } else if (c === ',') {
      const frame = top();
      frame.expect = frame.kind === 'object' ? 'key' : 'value';
      afterComma = true;
    } else {
      while (i < pos && /[-+.\w]/.test(text[i] as string)) i++;
      afterValue();
      continue;
    }
    i++;
  }

  const found = pos >= text.length ? undefined : (text[pos] as string);
  if (inString) {
    return found === '\n' || found === '\r'
      ? 'Unexpected line break inside a string in JSON: strings must end on the line they start (write \\n for a line break)'
      : `Unexpected character ${JSON.stringify(found)} inside a string in JSON: control characters must be escaped`;
  }
  const frame = top();
  const close = frame.kind === 'object' ? '"}"' : '"]"';
  const trailing = afterComma && (found === '}' || found === ']');
  const expected: Record<Expect, string> = {
    value: trailing ? 'expected a value after ","; trailing commas are not allowed' : 'expected a value',
    'value-or-end': 'expected a value or "]"',
    key: trailing
      ? 'expected a property name in double quotes after ","; trailing commas are not allowed'
      : 'expected a property name in double quotes',
    'key-or-end': 'expected a property name in double quotes or "}"',
    colon: 'expected ":" after the property name',
    'comma-or-end': `expected "," or ${close}`,
    end: 'expected nothing more after the JSON value',
  };
  const what =
    found === undefined
      ? 'Unexpected end of JSON input'
      : `Unexpected token ${/\s/.test(found) ? JSON.stringify(found) : found} in JSON`;
  return `${what}: ${expected[frame.expect]}`;
}
