import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runValidate } from '../../src/cli/commands/validate.js';
import { generateCases, type MutationCase } from './mutations.js';

const SEED = 20_261_202;

/** Words a message may only contain when the file itself does (a message quotes what it found). */
const FORBIDDEN = ['undefined', '[object Object]', 'NaN'];

function inputText(c: MutationCase): string {
  try {
    if (!statSync(c.path).isFile()) return '';
    return readFileSync(c.path, 'latin1');
  } catch {
    return '';
  }
}

/**
 * Hundreds of experiment files broken the ways people and programs break them (cut short, bytes flipped,
 * values of the wrong type or absurd size at random places, nesting 10,000 deep, 10 MB strings, loops of
 * links, pipes, devices, other encodings, duplicate keys...), each validated as `gameday validate` does. Each
 * must be refused with exit code 2 (or accepted, when the mutation left a valid experiment), in messages
 * that name the file, never read "undefined" or "[object Object]", and carry no stack trace. A case that
 * hung would hold the suite past its timeout; bench/validate-mutations.ts times them.
 */
describe('gameday validate on mutated experiment files', function () {
  this.timeout(300_000);
  let dir: string;
  let cases: MutationCase[];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gameday-mutations-'));
    cases = generateCases(dir, SEED);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a few hundred cases, FIFOs included when mkfifo is there', () => {
    expect(cases.length).to.be.greaterThan(300);
    if (!cases.some((c) => c.name === 'fifo'))
      console.log('      (mkfifo is not installed: the FIFO cases are left out)');
  });

  it('refuses every broken file with exit code 2 and a located message a person can act on', async () => {
    const failures: string[] = [];
    for (const c of cases) {
      const lines: string[] = [];
      let code: number;
      try {
        code = await runValidate([c.path], (l) => lines.push(l));
      } catch (err) {
        failures.push(`${c.name}: threw ${(err as Error).stack ?? String(err)}`);
        continue;
      }
      const text = lines.join('\n');
      const input = inputText(c);
      const problems: string[] = [];
      if (code !== 2 && !(code === 0 && c.mayBeValid)) problems.push(`exit code ${code}`);
      if (code === 0 && !/^ok {2}/.test(text)) problems.push('exit 0 without "ok"');
      for (const word of FORBIDDEN) if (text.includes(word) && !input.includes(word)) problems.push(`says "${word}"`);
      if (/^\s+at .+[(:]\d+/m.test(text) || /Error: /.test(text)) problems.push('shows a stack trace or a raw error');
      for (const line of lines)
        if (!c.names.some((n) => line.includes(n) || line.includes(JSON.stringify(n).slice(1, -1))))
          problems.push(`a line does not name the file: ${line.slice(0, 200)}`);
      if (lines.some((l) => l.length > 1000)) problems.push('a line longer than 1000 characters');
      if (lines.length > 60) problems.push(`${lines.length} lines`);
      if (problems.length > 0) failures.push(`${c.name}: ${problems.join('; ')}\n    ${text.slice(0, 600)}`);
    }
    expect(failures, failures.join('\n')).to.deep.equal([]);
  });

  it('says what the tricks of the report really are', async () => {
    const said = async (name: string): Promise<string> => {
      const c = cases.find((x) => x.name === name);
      if (!c) throw new Error(`no case ${name}`);
      const lines: string[] = [];
      await runValidate([c.path], (l) => lines.push(l));
      return lines.join('\n');
    };
    expect(await said('huge-type-10MB')).to.match(/is \d+ bytes; an experiment file may be at most 1 MiB/);
    expect(await said('big-type-900KB')).to.match(/Unknown fault type "k{80}"… \(921600 characters\)/);
    expect(await said('deep-arrays')).to.contain('Nested too deeply');
    expect(await said('infinite-replicas')).to.contain('The number "1e309" is too large');
    expect(await said('replicas-2^31')).to.contain('Expected "replicas" to be at most 10000, got 2147483648');
    expect(await said('duration-100000000h')).to.contain('Expected "timeToDetect" to be at most 24h');
    expect(await said('id-300-characters')).to.contain('Expected "id" to be at most 63 characters long');
    expect(await said('symlink-loop')).to.contain('is a symbolic link in a loop');
    expect(await said('duplicate-keys')).to.contain('Duplicate property "faults"');
    expect(await said('utf16le')).to.contain('UTF-16');
    expect(await said('many-faults')).to.contain('Expected "faults" to have at most 50 items, got 40000');
    expect(await said('truncated-d1-host-crash.json-at-1')).to.contain('Unexpected end of JSON input');
    expect(await said('device /dev/zero')).to.contain('character device');
    if (cases.some((c) => c.name === 'fifo')) expect(await said('fifo')).to.contain('named pipe (FIFO)');
  });
});
