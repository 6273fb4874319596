/**
 * Regenerates schema.ts: the protobuf field numbers of the Kubernetes types kubectl may send as protobuf,
 * read from the FileDescriptorProtos (gzipped, one per generated.proto) compiled into a kubectl binary.
 *
 *   npx tsx src/sim/apiserver/proto/generate-schema.ts /path/to/kubectl > src/sim/apiserver/proto/schema.ts
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fields, signed, text } from './wire.js';

interface Field {
  name: string;
  number: number;
  repeated: boolean;
  type: number;
  typeName: string;
}
interface Message {
  name: string;
  fields: Field[];
  mapEntry: boolean;
}

const ROOTS = [
  'k8s.io.apimachinery.pkg.runtime.Unknown',
  'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  'k8s.io.api.policy.v1.Eviction',
  'k8s.io.api.autoscaling.v1.Scale',
  'k8s.io.api.core.v1.Binding',
  ...['Node', 'Pod', 'Event', 'Namespace', 'Service', 'Endpoints', 'ConfigMap', 'Secret', 'ServiceAccount'].map(
    (k) => `k8s.io.api.core.v1.${k}`,
  ),
  ...['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ControllerRevision'].map(
    (k) => `k8s.io.api.apps.v1.${k}`,
  ),
  'k8s.io.api.policy.v1.PodDisruptionBudget',
  'k8s.io.api.coordination.v1.Lease',
  ...['PersistentVolumeClaim'].map((k) => `k8s.io.api.core.v1.${k}`),
  ...['Job', 'CronJob'].map((k) => `k8s.io.api.batch.v1.${k}`),
  ...['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].map((k) => `k8s.io.api.rbac.v1.${k}`),
  ...['SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview', 'LocalSubjectAccessReview'].map(
    (k) => `k8s.io.api.authorization.v1.${k}`,
  ),
  'k8s.io.api.authentication.v1.SelfSubjectReview',
  'k8s.io.api.authentication.v1.TokenRequest',
];

const ALIASES: [string, string][] = [
  ['k8s.io.api.core.v1.', 'core.'],
  ['k8s.io.api.apps.v1.', 'apps.'],
  ['k8s.io.api.policy.v1.', 'policy.'],
  ['k8s.io.api.coordination.v1.', 'coordination.'],
  ['k8s.io.api.autoscaling.v1.', 'autoscaling.'],
  ['k8s.io.api.batch.v1.', 'batch.'],
  ['k8s.io.api.rbac.v1.', 'rbac.'],
  ['k8s.io.api.authorization.v1.', 'authorization.'],
  ['k8s.io.api.authentication.v1.', 'authentication.'],
  ['k8s.io.apimachinery.pkg.apis.meta.v1.', 'meta.'],
  ['k8s.io.apimachinery.pkg.api.resource.', 'resource.'],
  ['k8s.io.apimachinery.pkg.util.intstr.', 'intstr.'],
  ['k8s.io.apimachinery.pkg.runtime.', 'runtime.'],
];

function alias(name: string): string {
  for (const [long, short] of ALIASES) if (name.startsWith(long)) return short + name.slice(long.length);
  return name;
}

function descriptors(binary: Buffer): Uint8Array[] {
  const magic = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff]);
  const out: Uint8Array[] = [];
  let pos = 0;
  for (;;) {
    const i = binary.indexOf(magic, pos);
    if (i < 0) break;
    pos = i + 1;
    // The compressed length is not recorded: grow the window until gunzip accepts it.
    for (const size of [4096, 16384, 65536, 262144]) {
      try {
        const plain = gunzipSync(binary.subarray(i, i + size));
        if (plain[0] === 0x0a) out.push(plain);
        break;
      } catch {
        // window too small or trailing bytes: try the next size
      }
    }
  }
  return out;
}

function parseMessage(buf: Uint8Array, prefix: string, into: Map<string, Message>): void {
  const msg: Message = { name: '', fields: [], mapEntry: false };
  const nested: Uint8Array[] = [];
  for (const f of fields(buf)) {
    if (f.num === 1 && f.value instanceof Uint8Array) msg.name = text(f.value);
    else if (f.num === 2 && f.value instanceof Uint8Array) {
      const fd: Field = { name: '', number: 0, repeated: false, type: 0, typeName: '' };
      for (const x of fields(f.value)) {
        if (x.num === 1 && x.value instanceof Uint8Array) fd.name = text(x.value);
        if (x.num === 3 && typeof x.value === 'bigint') fd.number = signed(x.value);
        if (x.num === 4 && typeof x.value === 'bigint') fd.repeated = x.value === 3n;
        if (x.num === 5 && typeof x.value === 'bigint') fd.type = signed(x.value);
        if (x.num === 6 && x.value instanceof Uint8Array) fd.typeName = text(x.value).replace(/^\./, '');
      }
      msg.fields.push(fd);
    } else if (f.num === 3 && f.value instanceof Uint8Array) nested.push(f.value);
    else if (f.num === 7 && f.value instanceof Uint8Array) {
      for (const x of fields(f.value)) if (x.num === 7 && x.value === 1n) msg.mapEntry = true;
    }
  }
  const full = `${prefix}.${msg.name}`;
  into.set(full, msg);
  for (const n of nested) parseMessage(n, full, into);
}

function scalar(type: number): string {
  switch (type) {
    case 1:
      return 'd';
    case 2:
      return 'f';
    case 8:
      return 'b';
    case 9:
      return 's';
    case 12:
      return 'y';
    default:
      return 'i';
  }
}

function main(): void {
  const path = process.argv[2];
  if (!path) throw new Error('usage: generate-schema.ts <kubectl binary>');
  const all = new Map<string, Message>();
  for (const d of descriptors(readFileSync(path))) {
    let pkg = '';
    const msgs: Uint8Array[] = [];
    for (const f of fields(d)) {
      if (f.num === 2 && f.value instanceof Uint8Array) pkg = text(f.value);
      if (f.num === 4 && f.value instanceof Uint8Array) msgs.push(f.value);
    }
    for (const m of msgs) parseMessage(m, pkg, all);
  }
  const typeOf = (f: Field): string => {
    if (f.type !== 11) return scalar(f.type);
    const target = all.get(f.typeName);
    if (target?.mapEntry) {
      const v = target.fields.find((x) => x.number === 2);
      return `map<${v ? typeOf(v) : 's'}>`;
    }
    return alias(f.typeName);
  };
  const wanted = new Set<string>();
  const visit = (name: string): void => {
    if (wanted.has(name)) return;
    const m = all.get(name);
    if (!m) throw new Error(`message ${name} not found in the binary's descriptors`);
    wanted.add(name);
    for (const f of m.fields) {
      if (f.type !== 11) continue;
      const t = all.get(f.typeName);
      if (t?.mapEntry) {
        const v = t.fields.find((x) => x.number === 2);
        if (v?.type === 11) visit(v.typeName);
      } else visit(f.typeName);
    }
  };
  for (const r of ROOTS) visit(r);
  const lines = [...wanted].sort().map((name) => {
    const m = all.get(name)!;
    const spec = m.fields
      .map((f) => `${f.number}:${f.name}:${typeOf(f)}${f.repeated && !all.get(f.typeName)?.mapEntry ? '*' : ''}`)
      .join('|');
    return `  '${alias(name)}': '${spec}',`;
  });
  process.stdout.write(
    [
      '// Generated by generate-schema.ts from the protobuf descriptors compiled into kubectl v1.32; do not edit.',
      '// Each message: "<number>:<json name>:<type>[*]" joined by "|"; types: s string, i integer, b bool, y bytes,',
      '// d/f floating point, map<T>, or another message. "*" marks a repeated field.',
      'export const MESSAGES: Record<string, string> = {',
      ...lines,
      '};',
      '',
    ].join('\n'),
  );
}

main();
