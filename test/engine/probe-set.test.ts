import { expect } from 'chai';
import { InvalidInputError } from '../../src/errors.js';
import { evaluateAll, paramsOf, startProbes, type RunningProbe } from '../../src/engine/probe-set.js';
import type { AnyProbe } from '../../src/engine/plugins.js';
import { closeFakes, fakeContext } from '../kit/fake-context.js';

function probe(log: string[], o: { failStart?: boolean; throws?: boolean } = {}): AnyProbe {
  return {
    name: 'p',
    summary: '',
    params: {},
    mode: 'watch',
    start: (_ctx, params) => {
      if (o.failStart) return Promise.reject(new InvalidInputError('bad params.'));
      log.push(`start ${String(params.id)}`);
      return Promise.resolve({
        evaluate: () => {
          if (o.throws) throw new Error('the API is gone');
          return { ok: true, observed: 'fine' };
        },
        stop: () => log.push(`stop ${String(params.id)}`),
      });
    },
    describe: () => 'p',
  };
}

describe('probe-set', () => {
  afterEach(closeFakes);

  it('gives plugins their own parameters, without the fields only the runner reads', () => {
    expect(
      paramsOf({
        type: 't',
        cluster: 'c',
        name: 'n',
        timeout: '1m',
        after: '5s',
        continueOnError: true,
        interval: '2s',
        expect: false,
        x: 1,
      }),
    ).to.deep.equal({ interval: '2s', x: 1 });
  });

  it('stops the probes it already started when a later one cannot start, and names where it is', async () => {
    const log: string[] = [];
    const ctx = fakeContext().ctx;
    const registry = { ok: probe(log), bad: probe(log, { failStart: true }) };
    const err = await startProbes(
      [
        { type: 'ok', id: 1 },
        { type: 'ok', id: 2 },
        { type: 'bad', id: 3 },
      ],
      () => ctx,
      registry,
      'x.json: /verify',
    ).catch((e: unknown) => e);
    expect((err as Error).message).to.equal('x.json: /verify/2: bad params.');
    expect(log).to.deep.equal(['start 1', 'start 2', 'stop 1', 'stop 2']);
  });

  it('counts a probe that throws as failing, with the error as what it observed', async () => {
    const ctx = fakeContext().ctx;
    const running: RunningProbe[] = await startProbes([{ type: 'p', id: 1 }], () => ctx, {
      p: probe([], { throws: true }),
    });
    const all = evaluateAll(running);
    expect(all.ok).to.equal(false);
    expect(all.results[0]?.result).to.deep.equal({ ok: false, observed: 'probe failed: the API is gone' });
  });

  it('"expect": false turns any probe round: it passes while the condition does not hold, and says so', async () => {
    const ctx = fakeContext().ctx;
    let up = true;
    const flag: AnyProbe = {
      ...probe([]),
      start: () =>
        Promise.resolve({ evaluate: () => ({ ok: up, observed: up ? 'up' : 'down' }), stop: () => undefined }),
      describe: () => 'the service is up',
    };
    const [plain, negated] = await startProbes(
      [
        { type: 'flag', name: 'plain' },
        { type: 'flag', name: 'negated', expect: false },
      ],
      () => ctx,
      { flag },
    );
    expect(negated!.description).to.equal('NOT the service is up');
    expect(plain!.description).to.equal('the service is up');
    expect(evaluateAll([negated!]).results[0]!.result).to.deep.equal({ ok: false, observed: 'up' });
    up = false;
    expect(evaluateAll([negated!]).results[0]!.result).to.deep.equal({ ok: true, observed: 'down' });
    expect(evaluateAll([plain!]).ok).to.equal(false);
  });

  it('a probe that throws still fails with "expect": false: a broken probe is no detection', async () => {
    const ctx = fakeContext().ctx;
    const running = await startProbes([{ type: 'p', id: 1, expect: false }], () => ctx, {
      p: probe([], { throws: true }),
    });
    expect(evaluateAll(running).ok).to.equal(false);
  });
});
