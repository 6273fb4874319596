import { expect } from 'chai';
import { VirtualClock } from '../../src/engine/clock.js';
import { Random } from '../../src/engine/random.js';
import { Backoff, REFLECTOR_BACKOFF } from '../../src/kube/backoff.js';

/** `n` waits, each taken when the previous one ends, as a reconnect loop against a dead apiserver takes them. */
async function waits(b: Backoff, clock: VirtualClock, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const ms = b.next();
    out.push(ms);
    await clock.sleep(ms);
  }
  return out;
}

describe('Backoff (client-go reflector back-off)', () => {
  it('has client-go reflector parameters: 800 ms doubling to a 30 s cap, jitter 1.0, reset after 2 minutes', () => {
    expect(REFLECTOR_BACKOFF).to.deep.equal({
      initialMs: 800,
      capMs: 30_000,
      resetAfterMs: 120_000,
      factor: 2,
      jitter: 1,
    });
  });

  it('doubles from 800 ms and stays at the cap once reached', async () => {
    const clock = new VirtualClock(0);
    expect(await waits(new Backoff(clock, () => 0), clock, 9)).to.deep.equal([
      800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000, 30_000,
    ]);
  });

  it('adds up to its own length again in jitter, so a capped wait is 30 to 60 s', async () => {
    const clock = new VirtualClock(0);
    expect(await waits(new Backoff(clock, () => 0.5), clock, 8)).to.deep.equal([
      1200, 2400, 4800, 9600, 19_200, 38_400, 45_000, 45_000,
    ]);
    const random = new Random(7);
    const b = new Backoff(clock, () => random.next());
    const all = await waits(b, clock, 40);
    const bases = [800, 1600, 3200, 6400, 12_800, 25_600];
    all.forEach((ms, i) => {
      const base = bases[i] ?? 30_000;
      expect(ms, `wait ${i}`)
        .to.be.at.least(base)
        .and.below(2 * base + 1);
    });
    expect(new Set(all.slice(6)).size, 'jitter varies the capped waits').to.be.greaterThan(10);
  });

  it('starts over after two minutes without needing a wait', async () => {
    const clock = new VirtualClock(0);
    const b = new Backoff(clock, () => 0);
    await waits(b, clock, 5);
    await clock.sleep(120_001);
    expect(b.next()).to.equal(800);
  });

  it('does not start over while the waits keep coming, capped ones (up to 60 s) included', async () => {
    const clock = new VirtualClock(0);
    const all = await waits(new Backoff(clock, () => 0.999), clock, 12);
    expect(all.slice(6).every((ms) => ms >= 30_000)).to.equal(true);
  });

  it('counts the two minutes from the start of the previous wait', async () => {
    const clock = new VirtualClock(0);
    const b = new Backoff(clock, () => 0);
    await waits(b, clock, 3);
    b.next();
    await clock.sleep(120_000);
    expect(b.next(), 'exactly two minutes later').to.equal(12_800);
    await clock.sleep(120_001);
    expect(b.next(), 'just over two minutes later').to.equal(800);
  });

  it('reads the time from the clock it is given: real time costs nothing on the virtual clock', async () => {
    const clock = new VirtualClock(0);
    const total = (await waits(new Backoff(clock, () => 0), clock, 20)).reduce((a, b) => a + b, 0);
    expect(clock.now()).to.equal(total);
  });
});
