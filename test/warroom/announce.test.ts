import { expect } from 'chai';
import { execa } from 'execa';
import { existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { announce, findAnnounced, postShellLine } from '../../src/warroom/announce.js';
import { tempDir } from '../e2e/support.js';

describe('war room: where `gameday node shell` finds the page', () => {
  it('says where the page is in a file only its user can read, and takes it back on close', () => {
    const file = join(tempDir('announce'), '.gameday', 'warroom.json');
    const a = { url: 'http://127.0.0.1:4000/?token=t', token: 't', pid: process.pid };
    const unannounce = announce(file, a);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(findAnnounced(file)).to.deep.equal(a);
    unannounce();
    expect(existsSync(file)).to.equal(false);
    expect(findAnnounced(file)).to.equal(undefined);
  });

  it('ignores a war room whose process is gone, and leaves a newer war room’s file alone', async () => {
    const file = join(tempDir('announce'), 'warroom.json');
    const gone = await execa('node', ['-e', 'console.log(process.pid)']);
    const unannounceOld = announce(file, { url: 'http://127.0.0.1:1/', token: 'old', pid: Number(gone.stdout) });
    expect(findAnnounced(file), 'its process exited').to.equal(undefined);
    announce(file, { url: 'http://127.0.0.1:2/', token: 'new', pid: process.pid });
    unannounceOld();
    expect(findAnnounced(file)?.token).to.equal('new');
  });

  it('posts a command with the token in a header, never in the URL, and never fails for want of a page', async () => {
    const seen: { req: IncomingMessage; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ req, body });
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const a = { url: `http://127.0.0.1:${port}/?token=secret`, token: 'secret', pid: process.pid };
      await postShellLine(a, { node: 'n1', command: 'systemctl start kubelet', exitCode: 0 });
      expect(seen).to.have.length(1);
      const [{ req, body }] = seen as [{ req: IncomingMessage; body: string }];
      expect(req.method).to.equal('POST');
      expect(req.url).to.equal('/api/shell');
      expect(req.headers['x-gameday-token']).to.equal('secret');
      expect(req.headers['content-type']).to.match(/^application\/json/);
      expect(JSON.parse(body)).to.deep.equal({ node: 'n1', command: 'systemctl start kubelet', exitCode: 0 });
    } finally {
      await new Promise((r) => server.close(r));
    }
    // The page is gone (the port is closed now): the shell goes on.
    await postShellLine(
      { url: `http://127.0.0.1:${port}/?token=secret`, token: 'secret', pid: process.pid },
      { node: 'n1', command: 'uptime', exitCode: 0 },
    );
  });
});
