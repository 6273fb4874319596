import { expect } from 'chai';
import { parseJsonSource } from '../../src/experiment/json-source.js';

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
      message: `Unexpected token ' in JSON: expected a property name in double quotes or "}"`,
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
      message: 'Unexpected end of JSON input: expected a value',
    });
    expect(syntaxError('').message).to.equal('Unexpected end of JSON input: expected a value');
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
});
