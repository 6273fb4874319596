import { expect } from 'chai';
import { programExit, runProgram } from '../../../src/sim/kubelet/image-process.js';
import { parseCommand, piDigits, type Step } from '../../../src/sim/kubelet/shell-script.js';

const env = { vars: { HOSTNAME: 'pod-1', GREETING: 'hello' }, hostname: 'pod-1' };
const sh = (script: string): Step[] => parseCommand(['sh', '-c', script], env);
const out = (steps: Step[], ms = 60_000): string[] => runProgram(steps, 0, ms).lines.map((l) => l.text);

describe("simulated containers' commands", () => {
  it('prints, sleeps and exits with the status a POSIX shell would', () => {
    const steps = sh('echo "$GREETING from ${HOSTNAME}"; sleep 5; echo done > /tmp/out; exit 4');
    expect(out(steps)).to.deep.equal(['hello from pod-1']);
    expect(programExit(steps)).to.deep.equal({ after: 5_000, code: 4 });
    expect(programExit(sh('true && false'))).to.deep.equal({ after: 0, code: 1 });
    expect(programExit(parseCommand(['echo', 'hi'], env))).to.deep.equal({ after: 0, code: 0 });
  });

  it('loops forever with while true, repeating its body, and expands for loops', () => {
    const ticker = sh('while true; do echo tick; sleep 10; done');
    expect(programExit(ticker)).to.equal(undefined);
    const { lines } = runProgram(ticker, 0, 35_000);
    expect(lines.map((l) => l.at)).to.deep.equal([0, 10_000, 20_000, 30_000]);
    expect(out(sh('for i in a b c; do echo item $i; done'))).to.deep.equal(['item a', 'item b', 'item c']);
  });

  it('runs until stopped for sleep infinity and tail -f, and leaves unknown programs to the caller', () => {
    expect(programExit(parseCommand(['sleep', 'infinity'], env))).to.equal(undefined);
    expect(programExit(sh('tail -f /dev/null'))).to.equal(undefined);
    expect(parseCommand(['/app/server', '--port=8080'], env)).to.deep.equal([
      { kind: 'unknown', argv: ['/app/server', '--port=8080'] },
    ]);
  });

  it('computes the digits of pi the Kubernetes docs Job prints', () => {
    expect(piDigits(50)).to.equal('3.1415926535897932384626433832795028841971693993751');
    const steps = parseCommand(['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'], env);
    const exit = programExit(steps)!;
    expect(exit.code).to.equal(0);
    expect(out(steps)[0]).to.have.length(2001);
  });
});
