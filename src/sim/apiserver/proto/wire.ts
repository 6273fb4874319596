/** Protocol-buffers wire format: just enough to walk a message's fields. */
export interface WireField {
  num: number;
  /** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  wire: number;
  /** Varints as bigint (int64 must not lose precision); fixed and length-delimited as raw bytes. */
  value: bigint | Uint8Array;
}

export class WireError extends Error {}

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new WireError('truncated varint');
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
    if (shift > 70n) throw new WireError('varint too long');
  }
}

export function fields(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = readVarint(buf, pos);
    pos = p1;
    const num = Number(key >> 3n);
    const wire = Number(key & 7n);
    switch (wire) {
      case 0: {
        const [v, p2] = readVarint(buf, pos);
        pos = p2;
        out.push({ num, wire, value: v });
        break;
      }
      case 1:
        if (pos + 8 > buf.length) throw new WireError('truncated fixed64');
        out.push({ num, wire, value: buf.subarray(pos, pos + 8) });
        pos += 8;
        break;
      case 2: {
        const [len, p2] = readVarint(buf, pos);
        const end = p2 + Number(len);
        if (end > buf.length) throw new WireError('truncated length-delimited field');
        out.push({ num, wire, value: buf.subarray(p2, end) });
        pos = end;
        break;
      }
      case 5:
        if (pos + 4 > buf.length) throw new WireError('truncated fixed32');
        out.push({ num, wire, value: buf.subarray(pos, pos + 4) });
        pos += 4;
        break;
      default:
        throw new WireError(`unsupported wire type ${wire}`);
    }
  }
  return out;
}

/** Interpret a varint as a signed 64-bit integer (two's complement), as int32/int64 fields are. */
export function signed(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

export function text(v: Uint8Array): string {
  return new TextDecoder().decode(v);
}

/** Packed repeated varints. */
export function packedVarints(buf: Uint8Array): bigint[] {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [v, p] = readVarint(buf, pos);
    out.push(v);
    pos = p;
  }
  return out;
}
