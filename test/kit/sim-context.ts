import { makeContext } from '../../src/engine/context.js';
import { newRunState, type PluginContext, type ProbeHandle } from '../../src/kit/plugin.js';
import { Random } from '../../src/engine/random.js';
import { SimTarget } from '../../src/targets/sim/sim-target.js';

/** A plugin context on a fresh simulator (virtual clock), as the runner builds one, with its notes kept. */
export interface SimHarness {
  target: SimTarget;
  ctx: PluginContext;
  notes: string[];
  /** Virtual ms since `mark()` (or the start). */
  elapsed(): number;
  mark(): void;
  /** Wait on the clock until the probe passes (or fails, with `ok: false`); returns the virtual ms it took. */
  until(handle: ProbeHandle, ok?: boolean, timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

export async function simHarness(cluster = 'control', seed = 1): Promise<SimHarness> {
  const target = await SimTarget.create({ seed });
  const notes: string[] = [];
  const ctx = makeContext(
    {
      target,
      random: new Random(seed),
      state: newRunState(),
      signal: new AbortController().signal,
      dryRun: false,
      note: (_c, text) => notes.push(text),
    },
    cluster,
  );
  let from = target.clock.now();
  return {
    target,
    ctx,
    notes,
    elapsed: () => target.clock.now() - from,
    mark: () => {
      from = target.clock.now();
    },
    async until(handle, ok = true, timeoutMs = 900_000) {
      const start = target.clock.now();
      await target.clock.waitFor(() => handle.evaluate().ok === ok, {
        timeoutMs,
        what: `probe ${ok ? 'passing' : 'failing'} (now: ${handle.evaluate().observed})`,
      });
      return target.clock.now() - start;
    },
    close: () => target.close(),
  };
}
