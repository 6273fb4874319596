import { X509Certificate, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * A self-signed serving certificate for one start of a served simulator. kubectl (client-go) sends the
 * kubeconfig user's bearer token only over TLS, so a simulator that asks for a token must speak HTTPS; the
 * kubeconfig then names this certificate as the cluster's certificate authority, and clients verify the
 * server as they would a real kube-apiserver instead of skipping verification.
 *
 * The certificate is one fixed DER structure (X.509 v3, ECDSA P-256 with SHA-256, the server's names as
 * subjectAltName), built here with node:crypto rather than with a PKI library and its dozen packages;
 * node's X509Certificate parses it back before it is used, and the real kubectl verifies it in the tests.
 * The private key never leaves the process.
 */
export interface ServingCertificate {
  /** PEM, also the certificate authority clients trust. */
  cert: string;
  /** PEM (PKCS#8). */
  key: string;
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const seq = (...c: Buffer[]): Buffer => tlv(0x30, ...c);

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [40 * (a ?? 0) + (b ?? 0)];
  for (const n of rest) {
    const groups: number[] = [];
    for (let v = n; ; v = Math.floor(v / 128)) {
      groups.unshift(v % 128);
      if (v < 128) break;
    }
    out.push(...groups.map((g, i) => (i < groups.length - 1 ? g | 0x80 : g)));
  }
  return tlv(0x06, Buffer.from(out));
}

function time(d: Date): Buffer {
  // UTCTime until 2049, as RFC 5280 asks; GeneralizedTime after.
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}

function name(cn: string): Buffer {
  return seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn, 'utf8')))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [Buffer.from([0x01, 0x01, 0xff])] : []), tlv(0x04, value));
}

function ipBytes(address: string): Buffer {
  if (isIP(address) === 4) return Buffer.from(address.split('.').map(Number));
  // IPv6: expand "::" and write the eight groups.
  const [head = '', tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function altNames(names: readonly string[]): Buffer {
  return seq(
    ...names.map((n) => {
      const bare = n.replace(/^\[|\]$/g, '');
      return isIP(bare) ? tlv(0x87, ipBytes(bare)) : tlv(0x82, Buffer.from(bare, 'ascii'));
    }),
  );
}

const ECDSA_WITH_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

/** A certificate valid for `names` (IP addresses and DNS names) from an hour ago for `days` days. */
export function servingCertificate(names: readonly string[], days = 365): ServingCertificate {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40; // positive, and not padded
  const now = Date.now();
  const subject = name('gameday simulator');
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // v3
    tlv(0x02, serial),
    ECDSA_WITH_SHA256,
    subject,
    seq(time(new Date(now - 3_600_000)), time(new Date(now + days * 86_400_000))),
    subject,
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(
      0xa3,
      seq(
        // CA: clients trust this certificate itself as the authority for the server.
        extension('2.5.29.19', true, seq(Buffer.from([0x01, 0x01, 0xff]))),
        // digitalSignature and keyCertSign.
        extension('2.5.29.15', true, Buffer.from([0x03, 0x02, 0x02, 0x84])),
        // serverAuth.
        extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))),
        extension('2.5.29.17', false, altNames(names)),
      ),
    ),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, ECDSA_WITH_SHA256, tlv(0x03, Buffer.from([0]), signature));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n');
  const cert = `-----BEGIN CERTIFICATE-----\n${body}${body.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
  // What clients will parse: a mistake here must fail at start, not as a TLS error in kubectl.
  const parsed = new X509Certificate(cert);
  if (!parsed.verify(publicKey)) throw new Error('the serving certificate does not verify with its own key');
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}
