import { X509Certificate } from 'node:crypto';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { servingCertificate } from '../../../src/sim/apiserver/certificate.js';

function get(port: number, ca: string, servername?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', ca, ...(servername ? { servername } : {}) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe("the simulator's serving certificate", () => {
  it('is a self-signed CA certificate for exactly the names it was made for', () => {
    const { cert } = servingCertificate(['127.0.0.1', 'localhost', '::1', 'gateway.test']);
    const x = new X509Certificate(cert);
    expect(x.ca).to.equal(true);
    expect(x.verify(x.publicKey)).to.equal(true);
    expect(x.subjectAltName).to.equal(
      'IP Address:127.0.0.1, DNS:localhost, IP Address:0:0:0:0:0:0:0:1, DNS:gateway.test',
    );
    expect(x.checkIP('127.0.0.1')).to.equal('127.0.0.1');
    expect(x.checkHost('gateway.test')).to.equal('gateway.test');
    expect(x.checkHost('evil.example')).to.equal(undefined);
    expect(new Date(x.validFrom).getTime()).to.be.below(Date.now());
    // Two starts never share a key.
    expect(new X509Certificate(servingCertificate(['127.0.0.1']).cert).fingerprint256).not.to.equal(x.fingerprint256);
  });

  it("lets a client that trusts it connect, and fails a client that trusts another start's certificate", async () => {
    const tls = servingCertificate(['127.0.0.1']);
    const server = createServer({ cert: tls.cert, key: tls.key }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      expect(await get(port, tls.cert)).to.equal(200);
      const other = servingCertificate(['127.0.0.1']);
      const err = await get(port, other.cert).catch((e: unknown) => e);
      expect((err as NodeJS.ErrnoException).code).to.equal('DEPTH_ZERO_SELF_SIGNED_CERT');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
