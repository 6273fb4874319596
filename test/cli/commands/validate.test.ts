import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { handler, runValidate } from '../../../src/cli/commands/validate.js';
import { ExperimentValidationError } from '../../../src/experiment/errors.js';
import { fixtureRegistries } from '../../experiment/fixture-plugins.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const fixtures = path.relative(process.cwd(), path.join(root, 'test/fixtures/experiments'));
const broken = (name: string): string => path.join(fixtures, 'broken', name);

async function validate(...paths: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runValidate(paths, (line) => lines.push(line), fixtureRegistries);
  return { code, lines };
}

/** What a person reads for each broken fixture, after "<file>:". */
const EXPECTED: Record<string, string[]> = {
  'missing-verify.json': ['1:1: Missing required property "verify"'],
  'wrong-type-timeout.json': [
    '8:50: /verify/0/timeout: Expected "timeout" to be a duration such as "30s", "5m" or "PT5M", got 300 (number)',
  ],
  'bad-duration.json': [
    '8:50: /verify/0/timeout: Expected "timeout" to be a duration such as "30s", "5m" or "PT5M", got "5 minutes" (string)',
  ],
  'unknown-fault-type.json': [
    '6:24: /faults/0/type: Unknown fault type "stop-kublet"; did you mean "stop-kubelet"? Known fault types: kill-etcd-members, power-off-node, stop-kubelet.',
  ],
  'unknown-fault-type-no-guess.json': [
    '6:24: /faults/0/type: Unknown fault type "reboot-the-datacentre". Known fault types: kill-etcd-members, power-off-node, stop-kubelet.',
  ],
  'unknown-probe-type.json': [
    '8:24: /verify/0/type: Unknown probe type "node-ready"; did you mean "nodes-ready"? Known probe types: node-not-ready, nodes-ready, workloads-available.',
  ],
  'contradictory-targets.json': [
    '10:21: /targets/timeToDetect: Contradictory targets: "timeToDetect" (10m) is not shorter than "timeToRecover" (10m), but the fault must be detected before recovery can finish',
    '11:20: /targets/timeToReady: Contradictory targets: "timeToReady" (15m) is longer than "timeToRecover" (10m), but time to Ready is counted from the start of recovery, which comes after the first fault',
  ],
  'invalid-json.json': ['8:50: Unexpected token } in JSON: expected a value'],
  'trailing-comma.json': [
    '9:1: Unexpected token } in JSON: expected a property name in double quotes after ","; trailing commas are not allowed',
  ],
  'unknown-property.json': ['6:3: Unknown property "fualts"; did you mean "faults"?'],
  'unknown-parameter.json': ['6:40: /faults/0: Unknown property "nodez"; did you mean "nodes"?'],
  'parameter-out-of-range.json': ['9:27: /faults/0/nodes/count: Expected "count" to be at least 1, got 0 (number)'],
  'unknown-recovery-mode.json': [
    '7:25: /recovery/mode: Expected "mode" to be "automatic", "manual" or "self-heal", got "auto" (string); did you mean "automatic"?',
  ],
  'automatic-without-steps.json': [
    '7:15: /recovery: Recovery mode "automatic" needs at least one step in "steps"; use "self-heal" if nobody acts',
  ],
  'self-heal-with-steps.json': [
    '7:47: /recovery/steps: Recovery mode "self-heal" runs no steps; remove "steps", or use mode "automatic" or "manual"',
  ],
  'unknown-cluster.json': [
    '7:51: /faults/0/cluster: Unknown cluster "busines"; did you mean "business"? This experiment\'s clusters: control, business.',
  ],
  'quorum-loss-not-allowed.json': [
    '7:38: /blastRadius/maxEtcdMembers: "maxEtcdMembers" is 2, which takes a 3-member etcd below quorum; set "allowQuorumLoss": true in "blastRadius" to allow it',
  ],
  'after-without-sequence.json': [
    '8:57: /faults/1/after: "after" only applies when "faultMode" is "sequence"; set it, or remove "after"',
  ],
  'bad-id.json': [
    '2:9: /id: Expected "id" to be kebab-case (lowercase letters and digits, words joined by "-"), got "Host Crash" (string)',
  ],
  'empty-verify.json': ['8:13: /verify: Expected "verify" to have at least 1 item, got 0'],
  'not-an-object.json': ['1:1: Expected the experiment to be an object, got an empty array'],
  'several-problems.json': [
    '5:14: /runbook: Expected "runbook" to be a non-empty string, got "" (string)',
    '6:60: /faults/0/nodes/count: Expected "count" to be an integer, got "1" (string)',
    '7:47: /recovery/delay: Expected "delay" to be a duration such as "30s", "5m" or "PT5M", got "PT" (string)',
    '8:56: /verify/0: Unknown property "extra". Allowed properties: type, cluster, name, timeout, interval, expect.',
  ],
};

describe('gameday validate', () => {
  it('prints "ok" for a valid experiment and exits 0', async () => {
    const file = path.join(fixtures, 'valid', 'host-crash.json');
    expect(await validate(file)).to.deep.equal({ code: 0, lines: [`ok  ${file}`] });
  });

  for (const [name, messages] of Object.entries(EXPECTED)) {
    it(`explains what is wrong with ${name}, where, and exits 2`, async () => {
      const file = broken(name);
      expect(await validate(file)).to.deep.equal({ code: 2, lines: messages.map((m) => `${file}:${m}`) });
    });
  }

  it('has an expected message for every broken fixture', async () => {
    const { lines } = await validate(path.join(fixtures, 'broken'));
    const files = new Set(lines.map((l) => path.basename(l.split(':')[0] ?? '')));
    expect([...files].sort()).to.deep.equal(Object.keys(EXPECTED).sort());
  });

  it('validates every file of a directory in name order and fails if any is invalid', async () => {
    const { code, lines } = await validate(path.join(fixtures, 'broken'));
    expect(code).to.equal(2);
    const order = [...new Set(lines.map((l) => path.basename(l.split(':')[0] ?? '')))];
    expect(order).to.deep.equal([...order].sort());
  });

  it('reports an experiment id used by two files at the second one', async () => {
    const dir = path.join(fixtures, 'duplicate-ids');
    expect(await validate(dir)).to.deep.equal({
      code: 2,
      lines: [
        `ok  ${path.join(dir, 'a.json')}`,
        `${path.join(dir, 'b.json')}:2:9: /id: Duplicate experiment id "node-crash"; ${path.join(dir, 'a.json')} has it too`,
      ],
    });
  });

  it('says so when a path names no file, and exits 2', async () => {
    const missing = path.join(fixtures, 'no-such-file.json');
    expect(await validate(missing)).to.deep.equal({
      code: 2,
      lines: [`No such experiment file or directory: ${JSON.stringify(missing)}.`],
    });
  });

  it('has its command handler print the issues and throw a typed error whose message sums them up', async () => {
    const file = broken('invalid-json.json');
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    };
    let thrown: unknown;
    try {
      await handler({ paths: [file] });
    } catch (err) {
      thrown = err;
    } finally {
      process.stdout.write = write;
    }
    expect(written).to.deep.equal([`${file}:8:50: Unexpected token } in JSON: expected a value\n`]);
    expect(thrown).to.be.instanceOf(ExperimentValidationError);
    expect((thrown as ExperimentValidationError).exitCode).to.equal(2);
    expect((thrown as Error).message).to.equal('1 of 1 experiment file is invalid (1 problem).');
  });
});
