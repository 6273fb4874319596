import { expect } from 'chai';
import { VirtualClock } from '../../src/engine/clock.js';
import { TimeoutError } from '../../src/errors.js';

describe('VirtualClock', () => {
  it('jumps to the next timer when nothing holds it', async () => {
    const clock = new VirtualClock(0);
    const t0 = clock.now();
    await clock.sleep(300_000);
    expect(clock.now() - t0).to.equal(300_000);
  });

  it('does not move while held, and moves once released', async () => {
    const clock = new VirtualClock(0);
    const release = clock.hold('request');
    let woke = false;
    const sleeping = clock.sleep(1000).then(() => (woke = true));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(woke).to.equal(false);
    expect(clock.now()).to.equal(0);
    release();
    await sleeping;
    expect(clock.now()).to.equal(1000);
  });

  it('wakes a waiter at the instant notify() makes its check true', async () => {
    const clock = new VirtualClock(0);
    let ready = false;
    clock.setTimer(40_000, () => {
      ready = true;
      clock.notify();
    });
    const at = await clock.waitFor(() => ready && clock.now(), { timeoutMs: 600_000, what: 'ready' });
    expect(at).to.equal(40_000);
  });

  it('times out with a message naming what it waited for', async () => {
    const clock = new VirtualClock(0);
    const err = await clock.waitFor(() => false, { timeoutMs: 5000, what: 'node Ready' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TimeoutError);
    expect((err as Error).message).to.equal('Timed out after 5s waiting for node Ready.');
  });

  it('fires timers of one instant in the order they were set', async () => {
    const clock = new VirtualClock(0);
    const order: string[] = [];
    clock.setTimer(10, () => order.push('a'));
    clock.setTimer(5, () => order.push('b'));
    clock.setTimer(10, () => order.push('c'));
    await clock.sleep(20);
    expect(order).to.deep.equal(['b', 'a', 'c']);
  });
});
