import { expect } from 'chai';
import type { LoadedExperiment } from '../../src/experiment/types.js';
import type { RunResult } from '../../src/report/result.js';
import { LiveDrill } from '../../src/warroom/live-drill.js';
import { withPeopleRecord } from '../../src/warroom/people-record.js';
import { kubeletDrill } from '../e2e/support.js';
import { T0, passingHostCrash } from '../report/fixtures.js';

/** The host-crash result as the runner holds it while detecting: inject at +2.5s, detect running. */
function detecting(): RunResult {
  const r = passingHostCrash();
  r.phases = [
    { name: 'preflight', startedAt: T0, endedAt: T0 + 100, ok: true },
    { name: 'steady-state', startedAt: T0 + 100, endedAt: T0 + 2_000, ok: true },
    { name: 'journal', startedAt: T0 + 2_000, endedAt: T0 + 2_500, ok: true },
    { name: 'inject', startedAt: T0 + 2_500, endedAt: T0 + 3_000, ok: true },
    { name: 'detect', startedAt: T0 + 3_000, ok: true },
  ];
  r.timings = {};
  r.checks = [];
  r.steps = [];
  r.timeline = [];
  r.endedAt = T0;
  r.verdict = 'error';
  return r;
}

const loaded = (): LoadedExperiment => ({
  file: 'd6.json',
  experiment: kubeletDrill({
    recovery: {
      mode: 'manual',
      steps: [
        { type: 'start-service', service: 'kubelet', nodes: { from: 'faults' } },
        { type: 'uncordon', nodes: { from: 'faults' } },
      ],
    },
  }),
});

describe('war room: a drill as it happens', () => {
  it('counts time-to-detect down from the injection, and time-to-Ready not before recovery starts', () => {
    const d = new LiveDrill(0, loaded());
    d.result = detecting();
    const [detect, ready] = d.countdowns(T0 + 20_000);
    expect(detect).to.deep.include({
      name: 'timeToDetect',
      state: 'running',
      deadline: T0 + 2_500 + 60_000,
      ticking: true,
    });
    expect(ready).to.deep.include({ name: 'timeToReady', state: 'waiting', ticking: false });
  });

  it('turns the countdown red once its deadline passed, and keeps it counting the overrun', () => {
    const d = new LiveDrill(0, loaded());
    d.result = detecting();
    const [detect] = d.countdowns(T0 + 70_000);
    expect(detect).to.deep.include({ state: 'missed', ticking: true });
    // The chart's deadline line turns red too: the provisional check is missed.
    expect(d.view(T0 + 70_000)!.checks.find((c) => c.name === 'timeToDetect')!.ok).to.equal(false);
    expect(d.view(T0 + 20_000)!.checks.find((c) => c.name === 'timeToDetect')!.ok).to.equal(true);
  });

  it('stops at the measured value once detected, met or missed against the target', () => {
    const d = new LiveDrill(0, loaded());
    const r = detecting();
    d.result = r;
    r.timings.timeToDetect = 42_000;
    expect(d.countdowns(T0 + 90_000)[0]).to.deep.include({ state: 'met', measured: 42_000, ticking: false });
    r.timings.timeToDetect = 61_000;
    expect(d.countdowns(T0 + 90_000)[0]).to.deep.include({ state: 'missed', measured: 61_000, ticking: false });
  });

  it('says a detection that timed out is over, not still counting', () => {
    const d = new LiveDrill(0, loaded());
    const r = detecting();
    r.phases.at(-1)!.endedAt = T0 + 50_000;
    d.result = r;
    expect(d.countdowns(T0 + 51_000)[0]).to.deep.include({ state: 'missed', ticking: false });
  });

  it('draws the result so far up to now, with the steps people marked done', () => {
    const d = new LiveDrill(0, loaded());
    const r = detecting();
    r.phases.push({ name: 'recover', startedAt: T0 + 50_000, ok: true });
    d.result = r;
    d.manualSteps = ['start kubelet', 'uncordon'];
    d.people.steps.push({ index: 1, at: T0 + 80_000 });
    const view = d.view(T0 + 90_000)!;
    expect(view.endedAt).to.equal(T0 + 90_000);
    expect(view.steps).to.have.length(1);
    expect(view.steps[0]).to.deep.include({ type: 'uncordon', startedAt: T0 + 50_000, endedAt: T0 + 80_000, ok: true });
    // The runner's own result is not touched.
    expect(r.steps).to.deep.equal([]);
    expect(r.endedAt).to.equal(T0);
  });
});

describe('war room: what the people did, in the report', () => {
  it('makes each step marked done a recovery step from the previous mark, and a timeline entry, in time order', () => {
    const r = passingHostCrash();
    const recoverAt = r.phases.find((p) => p.name === 'recover')!.startedAt;
    const out = withPeopleRecord(
      r,
      loaded(),
      {
        steps: [
          { index: 1, at: recoverAt + 30_000 },
          { index: 0, at: recoverAt + 10_000 },
        ],
        acks: [{ at: recoverAt - 1_000, alerts: ['Node 10.128.38.10 is NotReady'] }],
      },
      ['start kubelet on 10.128.38.10', 'uncordon 10.128.38.10'],
    );
    const added = out.steps.slice(r.steps.length);
    expect(added.map((s) => [s.type, s.startedAt, s.endedAt])).to.deep.equal([
      ['start-service', recoverAt, recoverAt + 10_000],
      ['uncordon', recoverAt + 10_000, recoverAt + 30_000],
    ]);
    expect(added[0]!.description).to.equal(
      'start kubelet on 10.128.38.10 (carried out by a person, marked done in the war room)',
    );
    const texts = out.timeline.map((t) => t.text);
    expect(texts).to.include('manual step 1/2 marked done in the war room: start kubelet on 10.128.38.10');
    expect(texts).to.include('acknowledged in the war room: Node 10.128.38.10 is NotReady');
    const times = out.timeline.map((t) => t.at);
    expect(times).to.deep.equal([...times].sort((a, b) => a - b));
    expect(r.steps.length).to.equal(passingHostCrash().steps.length);
  });

  it('returns the result as it was when nobody did anything on the page', () => {
    const r = passingHostCrash();
    expect(withPeopleRecord(r, loaded(), { steps: [], acks: [] }, [])).to.equal(r);
  });
});
