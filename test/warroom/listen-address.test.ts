import { expect } from 'chai';
import { InvalidInputError } from '../../src/errors.js';
import { hostPort, parseListenAddress } from '../../src/warroom/listen-address.js';

describe('war room: --serve [ADDR:PORT]', () => {
  it('defaults to loopback and a free port', () => {
    expect(parseListenAddress('')).to.deep.equal({ host: '127.0.0.1', port: 0 });
  });

  it('takes a port alone, :port, an IPv4 or bracketed IPv6 address with a port, or localhost', () => {
    expect(parseListenAddress('8080')).to.deep.equal({ host: '127.0.0.1', port: 8080 });
    expect(parseListenAddress(':8080')).to.deep.equal({ host: '127.0.0.1', port: 8080 });
    expect(parseListenAddress('0.0.0.0:9000')).to.deep.equal({ host: '0.0.0.0', port: 9000 });
    expect(parseListenAddress('[::1]:9000')).to.deep.equal({ host: '::1', port: 9000 });
    expect(parseListenAddress('[::]')).to.deep.equal({ host: '::', port: 0 });
    expect(parseListenAddress('localhost:7')).to.deep.equal({ host: 'localhost', port: 7 });
    expect(parseListenAddress('10.0.0.5')).to.deep.equal({ host: '10.0.0.5', port: 0 });
  });

  it('refuses host names, bad ports and unbracketed IPv6, saying what it expected', () => {
    for (const bad of ['example.com:80', '127.0.0.1:99999', '127.0.0.1:http', '::1:80', 'experiments/']) {
      expect(() => parseListenAddress(bad), bad)
        .to.throw(InvalidInputError)
        .with.property('message')
        .that.matches(/^--serve: expected ADDR:PORT .* got /);
    }
    // An experiment path swallowed as the value says how to write the option instead.
    expect(() => parseListenAddress('experiments/')).to.throw(
      /put --serve after the other arguments or write --serve=/,
    );
  });

  it('writes IPv6 hosts in brackets for URLs and Host headers', () => {
    expect(hostPort('::1', 80)).to.equal('[::1]:80');
    expect(hostPort('127.0.0.1', 80)).to.equal('127.0.0.1:80');
  });
});
