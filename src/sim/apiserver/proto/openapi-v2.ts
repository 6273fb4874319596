import { stringify } from 'yaml';

/**
 * A Swagger 2.0 document encoded as gnostic's `openapi.v2.Document` protobuf, the only form in which
 * kubectl asks for /openapi/v2 (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`): `kubectl
 * apply` and `diff` read patch strategies from it, `kubectl explain --output plaintext-openapiv2` the
 * schemas. Field numbers are those of gnostic's OpenAPIv2.proto as compiled into kubectl v1.32; vendor
 * extensions travel as YAML in `Any.yaml`, as gnostic writes them.
 */

class Writer {
  private readonly chunks: Buffer[] = [];

  private varint(n: number): void {
    const bytes: number[] = [];
    let v = n;
    while (v > 0x7f) {
      bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    this.chunks.push(Buffer.from(bytes));
  }

  private key(num: number, wire: number): void {
    this.varint(num * 8 + wire);
  }

  string(num: number, value: string | undefined): this {
    if (value === undefined || value === '') return this;
    return this.bytes(num, Buffer.from(value, 'utf8'));
  }

  bool(num: number, value: boolean | undefined): this {
    if (!value) return this;
    this.key(num, 0);
    this.varint(1);
    return this;
  }

  bytes(num: number, value: Buffer): this {
    this.key(num, 2);
    this.varint(value.length);
    this.chunks.push(value);
    return this;
  }

  message(num: number, build: (w: Writer) => void): this {
    const w = new Writer();
    build(w);
    return this.bytes(num, w.done());
  }

  done(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

type Json = Record<string, unknown>;

/** NamedAny entries for the `x-` keys of an object. */
function extensions(w: Writer, num: number, obj: Json): void {
  for (const [k, v] of Object.entries(obj)) {
    if (!k.startsWith('x-')) continue;
    w.message(num, (n) => n.string(1, k).message(2, (a) => a.string(2, stringify(v))));
  }
}

function schema(w: Writer, s: Json): void {
  w.string(1, s.$ref as string | undefined);
  w.string(2, s.format as string | undefined);
  w.string(4, s.description as string | undefined);
  for (const r of (s.required as string[] | undefined) ?? []) w.string(19, r);
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    w.message(21, (a) => a.message(1, (x) => schema(x, s.additionalProperties as Json)));
  if (typeof s.type === 'string') w.message(22, (t) => t.string(1, s.type as string));
  if (s.items && typeof s.items === 'object') w.message(23, (i) => i.message(1, (x) => schema(x, s.items as Json)));
  for (const a of (s.allOf as Json[] | undefined) ?? []) w.message(24, (x) => schema(x, a));
  if (s.properties && typeof s.properties === 'object') {
    w.message(25, (p) => {
      for (const [name, prop] of Object.entries(s.properties as Record<string, Json>))
        p.message(1, (n) => n.string(1, name).message(2, (x) => schema(x, prop)));
    });
  }
  extensions(w, 31, s);
}

function operation(w: Writer, op: Json): void {
  w.string(3, op.description as string | undefined);
  w.string(5, op.operationId as string | undefined);
  for (const p of (op.parameters as Json[] | undefined) ?? []) {
    // ParametersItem.parameter -> Parameter.non_body_parameter -> NonBodyParameter.query_parameter_sub_schema
    w.message(8, (item) =>
      item.message(1, (param) =>
        param.message(2, (nb) =>
          nb.message(3, (q) =>
            q
              .string(2, p.in as string)
              .string(3, p.description as string | undefined)
              .string(4, p.name as string)
              .string(6, p.type as string | undefined)
              .bool(20, p.uniqueItems === true),
          ),
        ),
      ),
    );
  }
  w.message(9, (r) => {
    for (const [code, resp] of Object.entries((op.responses as Record<string, Json> | undefined) ?? {}))
      r.message(1, (n) =>
        n.string(1, code).message(2, (v) => v.message(1, (x) => x.string(1, resp.description as string))),
      );
  });
  extensions(w, 13, op);
}

const VERBS: [string, number][] = [
  ['get', 2],
  ['put', 3],
  ['post', 4],
  ['delete', 5],
  ['patch', 8],
];

export function encodeOpenApiV2(doc: Json): Buffer {
  const w = new Writer();
  w.string(1, doc.swagger as string);
  const info = (doc.info ?? {}) as Json;
  w.message(2, (i) => i.string(1, info.title as string).string(2, info.version as string));
  w.message(8, (p) => {
    for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
      p.message(2, (n) =>
        n.string(1, path).message(2, (pi) => {
          for (const [verb, num] of VERBS) {
            const op = item[verb] as Json | undefined;
            if (op) pi.message(num, (o) => operation(o, op));
          }
        }),
      );
    }
  });
  w.message(9, (d) => {
    for (const [name, s] of Object.entries((doc.definitions ?? {}) as Record<string, Json>))
      d.message(1, (n) => n.string(1, name).message(2, (x) => schema(x, s)));
  });
  return w.done();
}
