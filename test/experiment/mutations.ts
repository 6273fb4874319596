import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { Random } from '../../src/engine/random.js';

/**
 * Mutated experiment files, made by a seeded generator from the catalogue: what a careless or hostile person
 * hands `gameday validate`. Each case is written under `dir` and named for what was done to it, so that a
 * failure says which mutation broke which rule.
 */
export interface MutationCase {
  name: string;
  /** The path given to `gameday validate`. */
  path: string;
  /** The case's file when `path` is a directory or a link: every message must name one of them. */
  names: string[];
  /** Whether the input might still be a valid experiment (a mutation that happened to keep it valid). */
  mayBeValid: boolean;
}

export function catalogue(root = process.cwd()): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const d of ['experiments', join('experiments', 'manual')]) {
    for (const f of readdirSync(join(root, d))
      .filter((n) => n.endsWith('.json'))
      .sort())
      out.push({ file: f, text: readFileSync(join(root, d, f), 'utf8') });
  }
  return out;
}

/** Every JSON pointer of a document, for "wrong type at a random path". */
function pointers(value: unknown, at = ''): string[] {
  const out = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pointers(v, `${at}/${i}`)));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...pointers(v, `${at}/${k}`));
  return out;
}

function setAt(doc: unknown, pointer: string, value: unknown): unknown {
  if (pointer === '') return value;
  const parts = pointer.slice(1).split('/');
  const last = parts.pop() as string;
  let node = doc as Record<string, unknown>;
  for (const p of parts) node = node[p] as Record<string, unknown>;
  node[last] = value;
  return doc;
}

/** Values of the wrong kind, and of the right kind but absurd. */
const ODD_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 31,
  2 ** 32,
  2 ** 53 + 2,
  1e300,
  -1e300,
  '',
  ' ',
  'x',
  '100000000h',
  '0s',
  '-5m',
  'PT',
  '1e309',
  '\u0000',
  '\u202e\u202d',
  'a'.repeat(5000),
  [],
  [null],
  [[[[]]]],
  {},
  { type: 'x' },
  { from: 'faults' },
  { names: [] },
  { '': '' },
  { __proto__: null, constructor: 'x' },
  Array.from({ length: 2000 }, (_, i) => i),
];

export function generateCases(dir: string, seed: number, options: { perFile?: number } = {}): MutationCase[] {
  const rng = new Random(seed);
  const perFile = options.perFile ?? 3;
  const cases: MutationCase[] = [];
  let n = 0;
  const write = (name: string, content: string | Buffer, mayBeValid = false): void => {
    const file = join(dir, `${String(n++).padStart(4, '0')}-${name}.json`);
    writeFileSync(file, content);
    cases.push({ name, path: file, names: [file], mayBeValid });
  };
  const files = catalogue();

  for (const { file, text } of files) {
    const bytes = Buffer.from(text, 'utf8');
    // Truncations: at random offsets, and the two ends.
    const cuts = new Set<number>([0, 1, bytes.length - 2]);
    while (cuts.size < perFile + 3) cuts.add(1 + rng.int(bytes.length - 2));
    for (const at of cuts) write(`truncated-${file}-at-${at}`, bytes.subarray(0, at), at >= bytes.length - 2);
    // Random byte flips: one to three bytes set to any value (invalid UTF-8 included).
    for (let k = 0; k < perFile; k++) {
      const copy = Buffer.from(bytes);
      const flips = 1 + rng.int(3);
      for (let f = 0; f < flips; f++) copy[rng.int(copy.length)] = rng.int(256);
      write(`flipped-${file}-${k}`, copy, true);
    }
    // Wrong types and absurd values at random paths.
    const doc = JSON.parse(text) as unknown;
    const all = pointers(doc).filter((p) => p !== '' && !p.startsWith('/$schema'));
    for (let k = 0; k < perFile; k++) {
      const pointer = rng.pick(all) as string;
      const value = rng.pick(ODD_VALUES);
      const mutated = setAt(JSON.parse(text), pointer, value);
      write(`odd-value-${file}-${pointer.replace(/\//g, '_')}`, JSON.stringify(mutated, null, 2), true);
    }
  }

  const base = JSON.parse(files.find((f) => f.file === 'd6-kubelet-stopped.json')?.text ?? '{}') as Record<
    string,
    unknown
  >;
  const baseText = JSON.stringify(base, null, 2);
  const withFaults = (faults: unknown): string => JSON.stringify({ ...base, faults });

  // Nesting far past what any experiment needs, as arrays, objects and a mix, unclosed too.
  write('deep-arrays', '['.repeat(10_000) + ']'.repeat(10_000));
  write('deep-objects', '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000));
  write('deep-mixed-unclosed', '[{"a":'.repeat(5_000));
  write(
    'deep-inside-experiment',
    baseText.replace('"faults": [', `"faults": [${'['.repeat(5000)}${']'.repeat(5000)},`),
  );
  // Huge values: a file over the size limit, and large values under it.
  write('huge-type-10MB', withFaults([{ type: 'x'.repeat(10 * 1024 * 1024) }]));
  write('big-type-900KB', withFaults([{ type: 'k'.repeat(900 * 1024) }]));
  write('big-key', JSON.stringify({ ...base, ['k'.repeat(500_000)]: 1 }));
  write('big-description', JSON.stringify({ ...base, description: 'd'.repeat(800_000) }));
  write('many-faults', withFaults(Array.from({ length: 40_000 }, () => ({ type: 'stop-kubelet' }))));
  write('many-unknown-faults', withFaults(Array.from({ length: 40_000 }, () => ({ type: 'stop-kubelt' }))));
  write('many-properties', withFaults([Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`p${i}`, i]))]));
  write('many-names', withFaults([{ type: 'stop-kubelet', nodes: { names: Array(60_000).fill('n') } }]));
  write('long-number', baseText.replace('"faults"', `"n": ${'9'.repeat(400_000)}, "faults"`));
  // The tricks of the report.
  write(
    'infinite-replicas',
    withFaults([
      { type: 'scale-workload', workload: { namespace: 'a', kind: 'Deployment', name: 'b' }, replicas: 1 },
    ]).replace('"replicas":1', '"replicas":1e309'),
  );
  write(
    'replicas-2^31',
    withFaults([
      { type: 'scale-workload', workload: { namespace: 'a', kind: 'Deployment', name: 'b' }, replicas: 2 ** 31 },
    ]),
  );
  write(
    'replicas-2^32',
    withFaults([
      { type: 'scale-workload', workload: { namespace: 'a', kind: 'Deployment', name: 'b' }, replicas: 2 ** 32 },
    ]),
  );
  write('duration-100000000h', JSON.stringify({ ...base, targets: { timeToDetect: '100000000h' } }));
  write('id-300-characters', JSON.stringify({ ...base, id: 'a'.repeat(300) }));
  write('id-with-slash', JSON.stringify({ ...base, id: '../../etc/passwd' }));
  // Encodings and odd bytes.
  write('empty', '');
  write('whitespace-only', ' \n\t\r\n ');
  write('bom-only', '\uFEFF');
  write('bom-then-valid', `\uFEFF${baseText}`, true);
  write('double-bom', `\uFEFF\uFEFF${baseText}`);
  write('utf16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(baseText, 'utf16le')]));
  write('utf16be-no-bom', Buffer.from(baseText, 'utf16le').swap16());
  write('latin1', Buffer.from(baseText.replace('Node component', 'N\u00f6de component'), 'latin1'));
  write('nul-bytes', `${baseText}\u0000\u0000`);
  write('nul-inside-string', baseText.replace('"title": "', '"title": "\u0000'));
  write('crlf', baseText.replace(/\n/g, '\r\n'), true);
  write('binary', Buffer.from(Array.from({ length: 4096 }, () => rng.int(256))));
  // JSON a person gets almost right.
  write('duplicate-keys', baseText.replace('"faults": [', '"faults": [], "faults": ['));
  write('duplicate-nested-keys', withFaults([{ type: 'stop-kubelet', type2: 1 }]).replace('"type2"', '"type"'));
  write('trailing-comma', baseText.replace(/\n}\s*$/, ',\n}'));
  write('comment', `// a drill\n${baseText}`);
  write('single-quotes', baseText.replace(/"id"/, "'id'"));
  write('smart-quotes', baseText.replace('"id"', '\u201cid\u201d'));
  write('two-documents', `${baseText}\n${baseText}`);
  write('array-at-top', `[${baseText}]`);
  write('string-at-top', '"an experiment"');
  write('number-at-top', '42');
  write('bad-escape', baseText.replace('"title": "', '"title": "\\x'));
  write('bad-unicode-escape', baseText.replace('"title": "', '"title": "\\u12G4'));
  write('lone-surrogate-escape', baseText.replace('"title": "', '"title": "\\uD800'), true);
  write('leading-zero', baseText.replace('"faults"', '"n": 007, "faults"'));
  write('nan', baseText.replace('"faults"', '"n": NaN, "faults"'));
  write('undefined-literal', baseText.replace('"faults"', '"n": undefined, "faults"'));
  write(
    'proto-key',
    JSON.stringify({ ...base, ['__proto__']: { polluted: true } }).replace('"__proto__"', '"__proto__"'),
  );

  // Paths that are not regular files.
  const loop = join(dir, `${String(n++).padStart(4, '0')}-symlink-loop.json`);
  symlinkSync(loop, loop);
  cases.push({ name: 'symlink-loop', path: loop, names: [loop], mayBeValid: false });
  const pair = join(dir, `${String(n++).padStart(4, '0')}-symlink-pair-a.json`);
  const pairB = join(dir, `${String(n++).padStart(4, '0')}-symlink-pair-b.json`);
  symlinkSync(pairB, pair);
  symlinkSync(pair, pairB);
  cases.push({ name: 'symlink-pair', path: pair, names: [pair], mayBeValid: false });
  const dangling = join(dir, `${String(n++).padStart(4, '0')}-dangling.json`);
  symlinkSync(join(dir, 'nowhere.json'), dangling);
  cases.push({ name: 'dangling-symlink', path: dangling, names: [dangling], mayBeValid: false });
  const asDir = join(dir, `${String(n++).padStart(4, '0')}-directory.json`);
  mkdirSync(asDir);
  cases.push({ name: 'directory-named-json', path: join(asDir, '.'), names: [asDir], mayBeValid: false });
  const devices = ['/dev/null', '/dev/zero', '/dev/urandom'];
  for (const d of devices) cases.push({ name: `device ${d}`, path: d, names: [d], mayBeValid: false });
  try {
    const fifo = join(dir, `${String(n++).padStart(4, '0')}-fifo.json`);
    execaSync('mkfifo', [fifo]);
    cases.push({ name: 'fifo', path: fifo, names: [fifo], mayBeValid: false });
    // A directory holding a FIFO and a loop among valid files: each refused, none blocks the others.
    const mixed = join(dir, `${String(n++).padStart(4, '0')}-mixed-dir`);
    mkdirSync(mixed);
    writeFileSync(join(mixed, 'a.json'), baseText);
    execaSync('mkfifo', [join(mixed, 'b.json')]);
    symlinkSync(join(mixed, 'c.json'), join(mixed, 'c.json'));
    cases.push({ name: 'directory with a fifo and a loop', path: mixed, names: [mixed], mayBeValid: false });
  } catch {
    // No mkfifo here: the FIFO cases are left out (the test says so).
  }
  return cases;
}
