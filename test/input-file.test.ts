import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execaSync } from 'execa';
import { Journal } from '../src/engine/journal.js';
import { listRuns } from '../src/history/store.js';
import { readInputFile } from '../src/input-file.js';

function mkfifo(path: string): boolean {
  try {
    execaSync('mkfifo', [path]);
    return true;
  } catch {
    return false;
  }
}

const limits = { maxBytes: 1024, what: 'a test file' };

describe('reading a file a person named', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gameday-input-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a regular UTF-8 file', () => {
    writeFileSync(join(dir, 'a.json'), '{"a": "é"}');
    expect(readInputFile(join(dir, 'a.json'), limits)).to.deep.equal({ ok: true, text: '{"a": "é"}' });
  });

  it('refuses, without reading or blocking, what is not a regular file of a sensible size', function () {
    const reason = (path: string): string => {
      const r = readInputFile(path, limits);
      return r.ok ? 'read' : r.reason;
    };
    symlinkSync(join(dir, 'loop'), join(dir, 'loop'));
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'big'), 'x'.repeat(1025));
    expect(reason(join(dir, 'loop'))).to.contain('symbolic link in a loop');
    expect(reason(join(dir, 'dangling'))).to.equal('is a symbolic link to something that does not exist');
    expect(reason(join(dir, 'missing'))).to.equal('does not exist');
    expect(reason(join(dir, 'd'))).to.equal('is a directory, not a file');
    expect(reason('/dev/zero')).to.contain('character device');
    expect(reason(join(dir, 'big'))).to.equal(
      'is 1025 bytes; a test file may be at most 1 KiB (1024 bytes)',
    );
    if (!mkfifo(join(dir, 'fifo'))) {
      console.log('      (mkfifo is not installed: the FIFO case is left out)');
      return;
    }
    // Nobody writes to it: a plain read would wait forever.
    expect(reason(join(dir, 'fifo'))).to.contain('named pipe (FIFO)');
  });

  it('says where the bytes stop being UTF-8, and when the end cut a character', () => {
    writeFileSync(join(dir, 'latin1'), Buffer.from('{\n  "a": "\xe9"}', 'latin1'));
    writeFileSync(join(dir, 'cut'), Buffer.from('{"a": "é', 'utf8').subarray(0, -1));
    writeFileSync(join(dir, 'utf16'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{}', 'utf16le')]));
    expect(readInputFile(join(dir, 'latin1'), limits)).to.deep.equal({
      ok: false,
      reason: 'is not UTF-8 text: byte 0xe9 cannot be read as a character; save the file as UTF-8',
      position: { line: 2, column: 9 },
    });
    expect(readInputFile(join(dir, 'cut'), limits)).to.include({
      reason: 'ends in the middle of a UTF-8 character (was it cut short?)',
    });
    expect(readInputFile(join(dir, 'utf16'), limits)).to.include({
      reason: 'is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8',
    });
  });

  it('keeps `gameday rollback` and `gameday history` from blocking on a FIFO among their files', async function () {
    if (!mkfifo(join(dir, 'stuck.json'))) {
      console.log('      (mkfifo is not installed)');
      this.skip();
    }
    expect(Journal.pending(dir)).to.deep.equal([]);
    expect(() => Journal.read(join(dir, 'stuck.json'))).to.throw('named pipe (FIFO)');
    mkdirSync(join(dir, 'results', 'd1'), { recursive: true });
    expect(mkfifo(join(dir, 'results', 'd1', 'r.json'))).to.equal(true);
    const skipped: string[] = [];
    expect(await listRuns(join(dir, 'results'), { onSkip: (_f, why) => skipped.push(why) })).to.deep.equal([]);
    expect(skipped).to.deep.equal([
      'the file is a named pipe (FIFO), not a regular file: gameday reads only regular files',
    ]);
  });
});
