import { expect } from 'chai';
import { InvalidInputError } from '../../src/errors.js';
import { DURATION_PATTERN, formatDuration, parseDuration, tryParseDuration } from '../../src/kit/duration.js';

describe('durations', () => {
  it('reads the units a person writes, alone and combined', () => {
    expect(
      ['300ms', '40s', '5m', '2h', '1h30m', '1m30s', '2m500ms', '1.5s', '0.5m'].map((t) => parseDuration(t)),
    ).to.deep.equal([300, 40_000, 300_000, 7_200_000, 5_400_000, 90_000, 120_500, 1500, 30_000]);
  });

  it('reads ISO 8601 durations of hours, minutes and seconds', () => {
    expect(['PT5M', 'PT1H', 'PT1H30M', 'PT30S', 'PT0.5S', 'PT1H2M3S'].map((t) => parseDuration(t))).to.deep.equal([
      300_000, 3_600_000, 5_400_000, 30_000, 500, 3_723_000,
    ]);
  });

  it('ignores surrounding spaces', () => {
    expect(parseDuration(' 40s ')).to.equal(40_000);
  });

  it('refuses what it cannot read, naming where and what came', () => {
    for (const bad of ['', '40', 's', '5 m', '1d', '-5s', 'PT', 'P1D', 'PT5M30', 'forever']) {
      expect(tryParseDuration(bad), bad).to.equal(undefined);
    }
    expect(() => parseDuration('5 minutes', 'timeouts.verify')).to.throw(
      InvalidInputError,
      'timeouts.verify: expected a duration such as "30s", "5m", "1h30m" or "PT5M", got "5 minutes".',
    );
  });

  it('has a schema pattern that accepts exactly what the parser accepts', () => {
    const pattern = new RegExp(DURATION_PATTERN);
    for (const text of ['300ms', '1h30m', '1.5s', 'PT5M', 'PT1H2M3S', '40', '5 m', '1d', 'P1D', 'PT5M30']) {
      expect(pattern.test(text), text).to.equal(tryParseDuration(text) !== undefined);
    }
  });

  it('formats milliseconds compactly for tables and progress lines', () => {
    expect([850, 1000, 42_000, 1500, 60_000, 65_000, 3_600_000, 5_430_000].map(formatDuration)).to.deep.equal([
      '850ms',
      '1s',
      '42s',
      '1.5s',
      '1m00s',
      '1m05s',
      '1h00m00s',
      '1h30m30s',
    ]);
    expect(formatDuration(undefined)).to.equal('-');
    expect(formatDuration(Number.NaN)).to.equal('-');
  });

  it('reads back what it formats, to the second', () => {
    for (const ms of [1000, 42_000, 65_000, 3_723_000]) expect(parseDuration(formatDuration(ms))).to.equal(ms);
  });
});
