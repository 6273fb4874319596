import { expect } from 'chai';
import { VirtualClock } from '../../../src/engine/clock.js';
import { startFixture, type Fixture } from './fixture.js';

describe('simulated apiserver: kubectl logs -f', () => {
  let f: Fixture | undefined;
  afterEach(async () => f?.close());

  it('streams lines as the container prints them and ends when the run ends, without holding the clock', async () => {
    const clock = new VirtualClock();
    const start = clock.now();
    const end = start + 35_000;
    f = await startFixture({
      clock,
      hooks: {
        podLogs: () => ({
          log: {
            // One line every 10 s of the run, until it ends at 35 s.
            lines: (now) =>
              Array.from({ length: Math.floor((Math.min(now, end) - start) / 10_000) + 1 }, (_, i) => ({
                at: start + i * 10_000,
                text: `line ${i}`,
              })),
            ended: () => clock.now() >= end,
          },
        }),
      },
    });
    const res = await fetch(`${f.url}/api/v1/namespaces/default/pods/web-1/log?follow=true&timestamps=true`, {
      headers: { authorization: `Bearer ${f.token}` },
    });
    const text = await res.text();
    expect(text.trim().split('\n')).to.deep.equal([
      '2026-01-01T00:00:00.000000000Z line 0',
      '2026-01-01T00:00:10.000000000Z line 1',
      '2026-01-01T00:00:20.000000000Z line 2',
      '2026-01-01T00:00:30.000000000Z line 3',
    ]);
    expect(clock.now()).to.be.within(end, end + 1_000);
    expect(clock.heldBy()).to.deep.equal([]);
  });
});
