import { expect } from 'chai';
import { recordOptionsFrom } from '../../../src/cli/commands/history.js';
import { DEFAULT_RESULTS_DIR } from '../../../src/history/store.js';

describe('gameday run --baseline', () => {
  it('with no value gates against the history the run records into', () => {
    expect(recordOptionsFrom({ baseline: '', resultsDir: 'hist' }).baseline).to.equal('hist');
  });

  it('with no value and no --results-dir gates against the default history, not the current directory', () => {
    expect(recordOptionsFrom({ baseline: '' }).baseline).to.equal(DEFAULT_RESULTS_DIR);
  });

  it('with a directory gates against that directory', () => {
    expect(recordOptionsFrom({ baseline: 'elsewhere', resultsDir: 'hist' }).baseline).to.equal('elsewhere');
  });

  it('is off when not given', () => {
    expect(recordOptionsFrom({ resultsDir: 'hist' })).not.to.have.property('baseline');
  });
});
