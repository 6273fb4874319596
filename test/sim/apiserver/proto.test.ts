import { expect } from 'chai';
import { decodeKubeProtobuf, ProtobufError } from '../../../src/sim/apiserver/proto/decode.js';

/** A minimal protobuf encoder, enough to build the bodies kubectl's typed clients send. */
function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
}
const int = (num: number, v: number): number[] => [...varint(num << 3), ...varint(v)];
const bytes = (num: number, b: number[]): number[] => [...varint((num << 3) | 2), ...varint(b.length), ...b];
const str = (num: number, s: string): number[] => bytes(num, [...Buffer.from(s)]);

function envelope(apiVersion: string, kind: string, raw: number[]): Uint8Array {
  return Uint8Array.from([
    0x6b,
    0x38,
    0x73,
    0x00,
    ...bytes(1, [...str(1, apiVersion), ...str(2, kind)]),
    ...bytes(2, raw),
    ...str(3, ''),
    ...str(4, ''),
  ]);
}

describe('protobuf request bodies', () => {
  it('decodes DeleteOptions keeping an explicit gracePeriodSeconds of 0 (a force delete)', () => {
    const body = envelope('meta.k8s.io/v1', 'DeleteOptions', [...int(1, 0), ...str(4, 'Background')]);
    expect(decodeKubeProtobuf(body)).to.deep.equal({
      apiVersion: 'meta.k8s.io/v1',
      kind: 'DeleteOptions',
      gracePeriodSeconds: 0,
      propagationPolicy: 'Background',
    });
  });

  it('decodes an Eviction with its metadata, dropping the zero values Go writes for absent fields', () => {
    const meta = [
      ...str(1, 'web-1'),
      ...str(2, ''),
      ...str(3, 'default'),
      ...bytes(8, []),
      ...bytes(11, [...str(1, 'app'), ...str(2, 'web')]),
    ];
    const body = envelope('policy/v1', 'Eviction', bytes(1, meta));
    expect(decodeKubeProtobuf(body)).to.deep.equal({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } },
    });
  });

  it('decodes times, quantities and int-or-strings into their JSON forms', () => {
    const time = bytes(8, int(1, Date.UTC(2026, 0, 1) / 1000));
    const container = [
      ...str(1, 'c'),
      ...str(2, 'nginx'),
      ...bytes(8, bytes(1, [...str(1, 'memory'), ...bytes(2, str(1, '1Gi'))])),
    ];
    const spec = [...bytes(2, container)];
    const pod = [...bytes(1, [...str(1, 'p'), ...time]), ...bytes(2, spec)];
    const out = decodeKubeProtobuf(envelope('v1', 'Pod', pod)) as any;
    expect(out.metadata).to.deep.equal({ name: 'p', creationTimestamp: '2026-01-01T00:00:00Z' });
    expect(out.spec.containers).to.deep.equal([
      { name: 'c', image: 'nginx', resources: { limits: { memory: '1Gi' } } },
    ]);
    const pdb = [...bytes(2, bytes(1, [...int(1, 0), ...int(2, 2)]))];
    expect((decodeKubeProtobuf(envelope('policy/v1', 'PodDisruptionBudget', pdb)) as any).spec).to.deep.equal({
      minAvailable: 2,
    });
  });

  it('refuses a body without the k8s magic or of an unknown kind', () => {
    expect(() => decodeKubeProtobuf(Uint8Array.from([1, 2, 3, 4]))).to.throw(ProtobufError);
    expect(() => decodeKubeProtobuf(envelope('example.com/v1', 'Widget', []))).to.throw(
      ProtobufError,
      /cannot decode Widget/,
    );
  });
});
