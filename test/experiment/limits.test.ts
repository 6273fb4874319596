import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { buildExperimentSchema, EXPERIMENT_LIMITS } from '../../src/experiment/schema.js';
import { defaultRegistries } from '../../src/experiment/registries.js';
import { validateExperiment } from '../../src/experiment/validate.js';
import { LIMITS } from '../../src/kit/limits.js';

const d6 = JSON.parse(readFileSync('experiments/d6-kubelet-stopped.json', 'utf8')) as Record<string, unknown>;

function messages(doc: unknown): string[] {
  return validateExperiment('x.json', JSON.stringify(doc, null, 2)).errors.map((e) => `${e.path}: ${e.message}`);
}

/** Every string, list and integer of a schema, and whether it is bounded. */
function unbounded(node: unknown, at = ''): string[] {
  if (Array.isArray(node)) return node.flatMap((n, i) => unbounded(n, `${at}/${i}`));
  if (node === null || typeof node !== 'object') return [];
  const s = node as Record<string, unknown>;
  const out: string[] = [];
  const types = Array.isArray(s['type']) ? (s['type'] as unknown[]) : [s['type']];
  if (types.includes('string') && s['maxLength'] === undefined) out.push(`${at}: string without maxLength`);
  if (types.includes('array') && s['maxItems'] === undefined) out.push(`${at}: array without maxItems`);
  if (types.includes('integer') && s['maximum'] === undefined) out.push(`${at}: integer without maximum`);
  for (const [k, v] of Object.entries(s)) if (k !== 'enum' && k !== 'const') out.push(...unbounded(v, `${at}/${k}`));
  return out;
}

describe('limits on what an experiment may ask for', () => {
  it('bounds every string, list and integer of the composed schema', () => {
    expect(unbounded(buildExperimentSchema(defaultRegistries))).to.deep.equal([]);
  });

  it('refuses durations past 24h, wherever they are', () => {
    expect(messages({ ...d6, targets: { timeToDetect: '100000000h' } })).to.deep.equal([
      '/targets/timeToDetect: Expected "timeToDetect" to be at most 24h, got "100000000h" (string)',
    ]);
    expect(messages({ ...d6, timeouts: { verify: '25h' } })).to.deep.equal([
      '/timeouts/verify: Expected "verify" to be at most 24h, got "25h" (string)',
    ]);
    expect(messages({ ...d6, timeouts: { verify: '24h' } })).to.deep.equal([]);
  });

  it('refuses a polling interval so short the clock could never move on', () => {
    const verify = [{ type: 'http-ok', path: '/readyz', interval: '0ms' }];
    expect(messages({ ...d6, verify })).to.deep.equal([
      '/verify/0/interval: Expected "interval" to be at least 100ms, got "0ms" (string)',
    ]);
  });

  it('refuses waits that add up to more than 24h, though each is allowed', () => {
    const wait = { type: 'wait', duration: '20h' };
    const recovery = { mode: 'automatic', steps: [wait, wait] };
    expect(messages({ ...d6, recovery })).to.deep.equal([
      '/recovery/steps/1/duration: The drill\'s waits add up to 40h00m00s (its recovery "delay", the faults\' "after" and the recovery steps\' durations); they may add up to 24h at most',
    ]);
  });

  it('bounds replicas to what a drill can mean, below int32', () => {
    const scale = (replicas: number) => ({
      ...d6,
      faults: [{ type: 'scale-workload', workload: { namespace: 'a', kind: 'Deployment', name: 'b' }, replicas }],
    });
    expect(messages(scale(LIMITS.maxReplicas))).to.deep.equal([]);
    expect(messages(scale(2 ** 31))).to.deep.equal([
      '/faults/0/replicas: Expected "replicas" to be at most 10000, got 2147483648 (number)',
    ]);
  });

  it('keeps ids short enough for file names and in-cluster object names', () => {
    expect(messages({ ...d6, id: 'a'.repeat(EXPERIMENT_LIMITS.idLength) })).to.deep.equal([]);
    const [message] = messages({ ...d6, id: 'a'.repeat(300) });
    expect(message).to.equal(
      `/id: Expected "id" to be at most 63 characters long, got "${'a'.repeat(80)}"… (300-character string)`,
    );
  });

  it('refuses a regular expression that does not compile when validating, not mid-drill', () => {
    const detect = [{ type: 'pod-pending-with-reason', reason: 'Insufficient (memory' }];
    expect(messages({ ...d6, detect })).to.deep.equal([
      '/detect/0/reason: Expected "reason" to be a valid regex, got "Insufficient (memory" (string)',
    ]);
  });

  it('counts the real length of a list far past its limit, and lists at most 50 problems', () => {
    const faults = Array.from({ length: 40_000 }, () => ({ type: 'stop-kubelt' }));
    const result = validateExperiment('x.json', JSON.stringify({ ...d6, faults }));
    expect(result.errors.map((e) => e.message)).to.include('Expected "faults" to have at most 50 items, got 40000');
    expect(result.errors).to.have.length(51);
    expect(result.errors.at(-1)).to.include({ hidden: 2 });
  });

  it('quotes at most 80 characters of a huge value, escaping what a terminal would act on', () => {
    const [message] = messages({ ...d6, faults: [{ type: `${'x'.repeat(100_000)}` }] });
    expect(message).to.match(
      /^\/faults\/0\/type: Unknown fault type "x{80}"… \(100000 characters\)\. Known fault types: /,
    );
    const [bidi] = messages({ ...d6, faults: [{ type: 'stop\u202ekubelet' }] });
    expect(bidi).to.contain('"stop\\u202ekubelet"');
  });
});
