import { expect } from 'chai';
import { MAX_NESTING, parseJsonSource } from '../../src/experiment/json-source.js';

function syntaxError(text: string): { line: number; column: number; message: string } {
  const result = parseJsonSource(text);
  if (result.ok) throw new Error('expected a syntax error');
  return { ...result.position, message: result.message };
}

describe('parseJsonSource', () => {
  it('locates a value and a property name by JSON pointer, 1-based, counting a tab as one column', () => {
    const result = parseJsonSource('{\n\t"a": {\n\t\t"b/c": [1, 22]\n\t}\n}');
    if (!result.ok) throw new Error(result.message);
    expect(result.doc.locate('/a/b~1c/1')).to.deep.equal({ line: 3, column: 14 });
    expect(result.doc.locate('/a/b~1c', 'key')).to.deep.equal({ line: 3, column: 3 });
    expect(result.doc.locate('')).to.deep.equal({ line: 1, column: 1 });
  });

  it('falls back to the nearest ancestor for a pointer that is not in the document', () => {
    const result = parseJsonSource('{\n  "a": { "b": 1 }\n}');
    if (!result.ok) throw new Error(result.message);
    expect(result.doc.locate('/a/missing/deeper')).to.deep.equal({ line: 2, column: 8 });
  });

  it('ignores a byte-order mark some editors save', () => {
    const result = parseJsonSource('\uFEFF{"a": 1}');
    expect(result.ok && result.doc.data).to.deep.equal({ a: 1 });
  });

  it('counts lines of a file saved with CRLF line ends', () => {
    const result = parseJsonSource('{\r\n  "a": 1\r\n}');
    if (!result.ok) throw new Error(result.message);
    expect(result.doc.locate('/a')).to.deep.equal({ line: 2, column: 8 });
  });

  it('says a value was expected where one is missing', () => {
    expect(syntaxError('{\n  "a": }')).to.deep.equal({
      line: 2,
      column: 8,
      message: 'Unexpected token } in JSON: expected a value',
    });
  });

  it('names trailing commas in objects and arrays', () => {
    expect(syntaxError('{"a": 1,}').message).to.equal(
      'Unexpected token } in JSON: expected a property name in double quotes after ","; trailing commas are not allowed',
    );
    expect(syntaxError('[1, 2,]').message).to.equal(
      'Unexpected token ] in JSON: expected a value after ","; trailing commas are not allowed',
    );
  });

  it('asks for double quotes around a property name', () => {
    expect(syntaxError("{'a': 1}")).to.deep.equal({
      line: 1,
      column: 2,
      message: `Unexpected token ' in JSON: expected a property name in double quotes or "}"; JSON needs double quotes (") around strings and property names`,
    });
  });

  it('asks for a comma between properties and a colon after a name', () => {
    expect(syntaxError('{"a": 1 "b": 2}').message).to.equal('Unexpected token " in JSON: expected "," or "}"');
    expect(syntaxError('{"a" 1}').message).to.equal('Unexpected token 1 in JSON: expected ":" after the property name');
    expect(syntaxError('[1 2]').message).to.equal('Unexpected token 2 in JSON: expected "," or "]"');
  });

  it('says what was still expected when the file ends early', () => {
    expect(syntaxError('{\n  "a": [1,\n')).to.deep.equal({
      line: 3,
      column: 1,
      message:
        'Unexpected end of JSON input: expected a value; the array that starts at line 2, column 8 is not closed (was the file cut short?)',
    });
    expect(syntaxError('').message).to.equal('The file is empty: expected a JSON object');
    expect(syntaxError(' \n ').message).to.equal('The file is empty: expected a JSON object');
  });

  it('explains a line break inside a string', () => {
    expect(syntaxError('{"a": "one\ntwo"}')).to.deep.equal({
      line: 1,
      column: 11,
      message:
        'Unexpected line break inside a string in JSON: strings must end on the line they start (write \\n for a line break)',
    });
  });

  it('points past a complete value at whatever follows it', () => {
    expect(syntaxError('{}\n{}').message).to.equal(
      'Unexpected token { in JSON: expected nothing more after the JSON value',
    );
  });

  it('points at the opening quote of a string the end of the file cut, and never says "undefined"', () => {
    const cut = syntaxError('{\n  "title": "Host cra');
    expect(cut).to.deep.equal({
      line: 2,
      column: 12,
      message:
        'Unexpected end of JSON input inside the string that starts here (line 2, column 12): it has no closing " (was the file cut short?)',
    });
    expect(syntaxError('{"a": "x\\').message).to.contain('has no closing "');
  });

  it('refuses nesting deeper than it will ever need, at the level where it goes too deep, without recursing', () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    expect(syntaxError(deep)).to.deep.equal({
      line: 1,
      column: MAX_NESTING + 1,
      message: `Nested too deeply: more than ${MAX_NESTING} levels of objects and arrays (an experiment needs a dozen at most)`,
    });
    expect(parseJsonSource('['.repeat(MAX_NESTING) + ']'.repeat(MAX_NESTING)).ok).to.equal(true);
  });

  it('refuses two properties with the same name, naming where the first is', () => {
    expect(syntaxError('{\n  "faults": [],\n  "faults": [1]\n}')).to.deep.equal({
      line: 3,
      column: 3,
      message:
        'Duplicate property "faults": it is already at line 2, column 3, and JSON keeps only the last one; remove or rename one of them',
    });
    // The same name in two different objects is fine.
    expect(parseJsonSource('[{"a": 1}, {"a": 2}]').ok).to.equal(true);
  });

  it('refuses a number too large to be anything but Infinity', () => {
    expect(syntaxError('{"replicas": 1e309}')).to.deep.equal({
      line: 1,
      column: 14,
      message: 'The number "1e309" is too large: JSON numbers here must be within ±1.7976931348623157e308',
    });
  });

  it('says what is wrong with a malformed number or escape', () => {
    expect(syntaxError('[01]').message).to.equal(
      'Unexpected token 1 in the number "01": a number cannot have a leading zero',
    );
    expect(syntaxError('[1.]').message).to.contain('expected a digit after the decimal point');
    expect(syntaxError('[1e]').message).to.contain('expected a digit in the exponent');
    expect(syntaxError('[-]').message).to.contain('expected a digit after "-"');
    expect(syntaxError('["\\x"]').message).to.contain('Unexpected escape \\x in a string');
    expect(syntaxError('["\\u12G4"]').message).to.contain('four hexadecimal digits, got "12G4"');
  });

  it('names words that are not JSON and characters people type by mistake', () => {
    expect(syntaxError('{"a": tru}').message).to.equal(
      'Unexpected word "tru" in JSON: expected a value (true, false, null, a number, a string in double quotes, an object or an array)',
    );
    expect(syntaxError('{"a": \u201cx\u201d}').message).to.contain('(U+201C)').and.contain('straight double quotes');
    expect(syntaxError('{// note\n}').message).to.contain('comments are not allowed');
    expect(syntaxError('{"a": 1}\u0001').message).to.equal(
      'Unexpected token U+0001 in JSON: expected nothing more after the JSON value',
    );
  });

  it('quotes at most 80 characters of a huge word', () => {
    const message = syntaxError(`{"a": ${'x'.repeat(1_000_000)}}`).message;
    expect(message.length).to.be.below(300);
    expect(message).to.contain('… (1000000 characters)');
  });

  it('keeps a "__proto__" property as data, as JSON.parse does', () => {
    const result = parseJsonSource('{"__proto__": {"polluted": true}}');
    if (!result.ok) throw new Error(result.message);
    expect(Object.keys(result.doc.data as object)).to.deep.equal(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
  });
});
