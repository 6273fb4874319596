/**
 * How long `gameday validate` takes on hostile input: the mutated catalogue files of
 * test/experiment/mutations.ts (truncations, byte flips, absurd values, 10,000-deep nesting, 10 MB strings,
 * 40,000 faults, link loops, FIFOs, devices...), validated one by one in this process after the schema is
 * compiled once. Prints the slowest cases, the median and the total, and the peak memory.
 * Target: every case under 1 s; no case hangs.
 *
 *   npx tsx bench/validate-mutations.ts [seed=1] [casesPerFile=3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runValidate } from '../src/cli/commands/validate.js';
import { generateCases } from '../test/experiment/mutations.js';

const seed = Number(process.argv[2] ?? 1);
const perFile = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'gameday-bench-mutations-'));
try {
  const cases = generateCases(dir, seed, { perFile });
  const compileStart = performance.now();
  await runValidate(['experiments/d6-kubelet-stopped.json'], () => undefined);
  const compileMs = performance.now() - compileStart;
  const times: { name: string; ms: number; code: number }[] = [];
  let peak = 0;
  for (const c of cases) {
    const t = performance.now();
    const code = await runValidate([c.path], () => undefined);
    times.push({ name: c.name, ms: performance.now() - t, code });
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  times.sort((a, b) => b.ms - a.ms);
  const total = times.reduce((n, t) => n + t.ms, 0);
  const median = times[Math.floor(times.length / 2)]?.ms ?? 0;
  console.log(`seed ${seed}: ${cases.length} cases, schema compiled in ${compileMs.toFixed(0)} ms`);
  console.log(
    `total ${(total / 1000).toFixed(1)} s, median ${median.toFixed(1)} ms, peak RSS ${Math.round(peak / 1048576)} MiB`,
  );
  console.log('slowest:');
  for (const t of times.slice(0, 8))
    console.log(`  ${t.ms.toFixed(0).padStart(6)} ms  exit ${t.code}  ${t.name.slice(0, 90)}`);
  const codes = new Map<number, number>();
  for (const t of times) codes.set(t.code, (codes.get(t.code) ?? 0) + 1);
  console.log(`exit codes: ${[...codes].map(([c, n]) => `${c}: ${n}`).join(', ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
