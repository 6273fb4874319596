import { expect } from 'chai';
import { META } from '../report/fixtures.js';
import { practiceContent } from '../../src/practice/practice-html.js';
import { buildReport, formatReport } from '../../src/practice/practice-report.js';
import {
  markInjected,
  markStepDone,
  newState,
  takeHint,
  type PracticeState,
} from '../../src/practice/session-state.js';
import { practicePeople, practiceView } from '../../src/warroom/practice-side.js';

function session(): PracticeState {
  const s = newState({
    id: 's1',
    experiment: { id: 'd6', title: 'Kubelet <stopped>', file: 'd6.json', runbook: 'D6' },
    target: 'sim',
    cluster: 'business',
    now: 1_000,
    wallNow: 1_000,
    speed: 1,
    mode: 'virtual',
    targets: { acknowledge: 60_000, recover: 180_000 },
  });
  s.hints = ['start kubelet on 10.128.38.10', 'uncordon 10.128.38.10'];
  return s;
}

describe('practice: runbook steps marked done in the war room', () => {
  it('marks only a step a hint has shown, once, while the fault is on', () => {
    const s = session();
    expect(markStepDone(s, 2_000, 0)).to.deep.equal({ ok: false, message: 'Nothing to recover from now.' });
    markInjected(s, 5_000, [{ type: 'stop-kubelet' }]);
    expect(markStepDone(s, 6_000, 0).message).to.equal('Step 1 is still hidden: take a hint first.');
    takeHint(s, 7_000);
    expect(markStepDone(s, 8_000, 5).message).to.equal('There is no runbook step 6 (the runbook has 2).');
    expect(markStepDone(s, 9_000, 0)).to.deep.equal({ ok: true, message: 'Step 1 marked done.' });
    expect(markStepDone(s, 9_500, 0).ok).to.equal(false);
    expect(s.stepsDone).to.deep.equal([{ index: 0, at: 9_000 }]);
    expect(s.transcript.at(-1)).to.deep.equal({
      at: 9_000,
      kind: 'step',
      text: 'runbook step 1/2 marked done: start kubelet on 10.128.38.10',
    });
  });

  it('puts the steps with their times in the report, the terminal text and the HTML page', () => {
    const s = session();
    markInjected(s, 5_000, [{ type: 'stop-kubelet' }]);
    takeHint(s, 7_000);
    markStepDone(s, 65_000, 0);
    const report = buildReport(s);
    expect(report.stepsDone).to.deep.equal([{ index: 0, afterMs: 60_000, text: 'start kubelet on 10.128.38.10' }]);
    expect(formatReport(report)).to.contain('runbook steps marked done: 1 at +1m00s');
    const page = practiceContent(report, undefined, META).join('\n');
    expect(page).to.contain('runbook step 1/2 marked done: start kubelet on 10.128.38.10');
    expect(page).to.contain('Kubelet &lt;stopped&gt;').and.not.contain('<stopped>');
    expect(practicePeople(s).steps).to.deep.equal([{ index: 0, at: 65_000 }]);
  });

  it('keeps what gameday did off the page while the session runs: the trainee is to find the fault', () => {
    const s = session();
    markInjected(s, 5_000, [{ type: 'stop-kubelet' }]);
    s.transcript.push({ at: 5_001, kind: 'api', text: 'node 10.128.38.10 cordoned', by: 'gameday' });
    s.transcript.push({ at: 9_000, kind: 'api', text: 'node 10.128.38.10 uncordoned', by: 'someone' });
    const running = practiceView(s).transcript.map((t) => t.text);
    expect(running).to.include('node 10.128.38.10 uncordoned');
    expect(running).not.to.include('node 10.128.38.10 cordoned');
    expect(running).not.to.include('fault injected');
    s.status = 'recovered';
    expect(practiceView(s).transcript.map((t) => t.text)).to.include.members([
      'node 10.128.38.10 cordoned',
      'fault injected',
    ]);
  });
});
