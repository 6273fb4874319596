import { expect } from 'chai';
import { didYouMean, editDistance, quotedList } from '../../src/experiment/did-you-mean.js';

describe('didYouMean', () => {
  it('counts a swap of two neighbouring letters as one edit', () => {
    expect(editDistance('fualts', 'faults')).to.equal(1);
    expect(editDistance('stop-kublet', 'stop-kubelet')).to.equal(1);
    expect(editDistance('', 'abc')).to.equal(3);
  });

  it('suggests the closest name when it is close enough', () => {
    expect(didYouMean('stop-kublet', ['kill-etcd-members', 'stop-kubelet'])).to.equal('stop-kubelet');
    expect(didYouMean('Faults', ['faults', 'verify'])).to.equal('faults');
  });

  it('suggests a name the word is the beginning of', () => {
    expect(didYouMean('auto', ['automatic', 'manual', 'self-heal'])).to.equal('automatic');
  });

  it('suggests nothing for a word unlike every name', () => {
    expect(didYouMean('reboot-the-datacentre', ['stop-kubelet', 'power-off-node'])).to.equal(undefined);
    expect(didYouMean('xy', ['id'])).to.equal(undefined);
  });

  it('lists values quoted, joined by "or"', () => {
    expect(quotedList(['a', 'b', 'c'])).to.equal('"a", "b" or "c"');
    expect(quotedList(['a'])).to.equal('"a"');
  });
});
