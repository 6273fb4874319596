import { expect } from 'chai';
import { adjustQuantity, cpuMillis, formatQuantity, memoryBytes } from '../../src/kit/quantity.js';
import { InvalidInputError } from '../../src/errors.js';

describe('quantity arithmetic for recovery steps', () => {
  it('reads Kubernetes quantities in bytes and millicores', () => {
    expect(memoryBytes('512Mi')).to.equal(512 * 2 ** 20);
    expect(memoryBytes('1G')).to.equal(1e9);
    expect(memoryBytes('1e3')).to.equal(1000);
    expect(cpuMillis('500m')).to.equal(500);
    expect(cpuMillis('2')).to.equal(2000);
  });

  it('adds "+500Mi" to a memory value, as the runbook raises gateway-proxy', () => {
    expect(adjustQuantity('memory', '1Gi', '+500Mi')).to.equal('1524Mi');
    expect(adjustQuantity('memory', '512Mi', '+1000Mi')).to.equal('1512Mi');
  });

  it("raises a limit by 50%, the runbook's rule for OOMKilled pods", () => {
    expect(adjustQuantity('memory', '1Gi', '+50%')).to.equal('1536Mi');
    expect(adjustQuantity('cpu', '500m', '+50%')).to.equal('750m');
  });

  it('lowers requests by a percentage or an amount, never below zero', () => {
    expect(adjustQuantity('memory', '2Gi', '-50%')).to.equal('1Gi');
    expect(adjustQuantity('memory', '256Mi', '-1Gi')).to.equal('0');
  });

  it('takes an absolute value as it is', () => {
    expect(adjustQuantity('memory', '2Gi', '768Mi')).to.equal('768Mi');
    expect(adjustQuantity('memory', undefined, '768Mi')).to.equal('768Mi');
  });

  it('refuses a relative change when nothing is set, saying what to give instead', () => {
    expect(() => adjustQuantity('memory', undefined, '+500Mi', 'limits.memory')).to.throw(
      InvalidInputError,
      /none is set; give an absolute value/,
    );
    expect(() => adjustQuantity('memory', '1Gi', 'lots')).to.throw(InvalidInputError, /expected a Kubernetes quantity/);
  });

  it('writes values back the way a person would', () => {
    expect(formatQuantity('memory', 3 * 2 ** 30)).to.equal('3Gi');
    expect(formatQuantity('memory', 1.5 * 2 ** 20 + 1)).to.equal('2Mi');
    expect(formatQuantity('cpu', 1.25)).to.equal('1250m');
  });
});
