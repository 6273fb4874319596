import { expect } from 'chai';
import { main } from '../../src/cli/main.js';
import { parseSeed } from '../../src/cli/seed-option.js';

/** Runs the CLI in-process and returns its exit code and what it wrote to stderr. */
async function cli(...argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  };
  try {
    return { code: await main(argv), stderr };
  } finally {
    process.stderr.write = write;
  }
}

describe('the gameday command line', () => {
  for (const bad of ['abc', '-1', '1.5']) {
    it(`refuses --seed ${bad} as invalid input (exit 2) instead of running with a seed that is not a number`, async () => {
      const { code, stderr } = await cli('run', 'experiments/d6-kubelet-stopped.json', '--dry-run', '--seed', bad);
      expect(code).to.equal(2);
      expect(stderr).to.contain('--seed: expected a whole number');
      expect(stderr).not.to.contain('internal error');
    });
  }

  it('accepts a whole-number seed given as text or as a number', () => {
    expect(parseSeed('42')).to.equal(42);
    expect(parseSeed(7)).to.equal(7);
    expect(parseSeed(undefined)).to.equal(undefined);
  });
});
