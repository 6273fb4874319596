import { expect } from 'chai';
import { CronSyntaxError, validateCron } from '../../src/schedule/cron.js';

function error(schedule: string): string {
  try {
    validateCron(schedule);
  } catch (err) {
    expect(err).to.be.instanceOf(CronSyntaxError);
    return (err as Error).message;
  }
  return expect.fail(`expected ${JSON.stringify(schedule)} to be refused`);
}

describe('cron schedule validation', () => {
  it('accepts the five-field schedules and macros a CronJob takes, normalising spaces', () => {
    for (const ok of [
      '0 3 * * 1',
      '*/15 * * * *',
      '0 0-6/2 1,15 * MON-FRI',
      '30 2 * jan,jul sun',
      '0 3 * * 7',
      '5 4 ? * *',
      '@weekly',
      '@daily',
      '59 23 31 12 6',
    ]) {
      expect(() => validateCron(ok), ok).to.not.throw();
    }
    expect(validateCron('  0   3 * *  1 ')).to.equal('0 3 * * 1');
  });

  it('names the field and the bound when a value is out of range', () => {
    expect(error('60 3 * * 1')).to.equal('cron schedule "60 3 * * 1": minute field "60" has 60, outside 0-59.');
    expect(error('0 24 * * 1')).to.equal('cron schedule "0 24 * * 1": hour field "24" has 24, outside 0-23.');
    expect(error('0 3 0 * *')).to.equal('cron schedule "0 3 0 * *": day-of-month field "0" has 0, outside 1-31.');
    expect(error('0 3 * 13 *')).to.equal('cron schedule "0 3 * 13 *": month field "13" has 13, outside 1-12.');
    expect(error('0 3 * * 8')).to.equal('cron schedule "0 3 * * 8": day-of-week field "8" has 8, outside 0-7.');
  });

  it('counts the fields, and recognises a schedule with seconds', () => {
    expect(error('0 3 * *')).to.equal(
      'cron schedule "0 3 * *" has 4 fields; expected five: minute hour day-of-month month day-of-week, e.g. "0 3 * * 1".',
    );
    expect(error('0 0 3 * * 1')).to.contain(
      'has 6 fields (six fields look like a schedule with seconds or years; Kubernetes has neither)',
    );
    expect(error('')).to.contain('cron schedule is empty');
  });

  it('refuses malformed ranges, steps, lists and names, saying what is wrong', () => {
    expect(error('0 5-1 * * *')).to.equal(
      'cron schedule "0 5-1 * * *": hour field "5-1" has a range 5-1 that runs backwards.',
    );
    expect(error('*/0 * * * *')).to.equal('cron schedule "*/0 * * * *": minute field "*/0" has step 0.');
    expect(error('*/x * * * *')).to.equal(
      'cron schedule "*/x * * * *": minute field "*/x" has step "x", which is not a whole number.',
    );
    expect(error('1,,2 * * * *')).to.equal('cron schedule "1,,2 * * * *": minute field "1,,2" has an empty list item.');
    expect(error('0 3 * * MOON')).to.equal(
      'cron schedule "0 3 * * MOON": day-of-week field "MOON" has "MOON", which is not a number nor a name (SUN-SAT).',
    );
    expect(error('0 MON * * *')).to.equal(
      'cron schedule "0 MON * * *": hour field "MON" has "MON", which is not a number.',
    );
    expect(error('? * * * *')).to.equal(
      'cron schedule "? * * * *": minute field "?" uses "?", allowed only in the day fields.',
    );
  });

  it('refuses unknown macros and TZ= prefixes, which Kubernetes rejects', () => {
    expect(error('@fortnightly')).to.contain(
      'unknown macro @fortnightly; expected one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly',
    );
    expect(error('TZ=UTC 0 3 * * 1')).to.contain('use --time-zone instead');
  });
});
