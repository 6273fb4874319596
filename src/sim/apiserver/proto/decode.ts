import { MESSAGES } from './schema.js';
import { fields, packedVarints, signed, text, WireError, type WireField } from './wire.js';

/**
 * Decodes the protobuf bodies kubectl's typed clients send (`application/vnd.kubernetes.protobuf`: the
 * "k8s\0" magic, then a runtime.Unknown wrapping the object) into the JSON form the rest of the server
 * handles. kubectl v1.31+ sends protobuf for `create`, `run`, `expose` and, above all, `drain`'s
 * evictions and deletions, and does not fall back to JSON when refused.
 */
export class ProtobufError extends Error {}

interface FieldSpec {
  name: string;
  type: string;
  repeated: boolean;
}

const parsed = new Map<string, Map<number, FieldSpec>>();

function spec(message: string): Map<number, FieldSpec> {
  let m = parsed.get(message);
  if (m) return m;
  const text = MESSAGES[message];
  if (text === undefined) throw new ProtobufError(`no protobuf schema for ${message}`);
  m = new Map();
  for (const part of text.split('|')) {
    const [num, name, rawType] = part.split(':') as [string, string, string];
    const repeated = rawType.endsWith('*');
    m.set(Number(num), { name, type: repeated ? rawType.slice(0, -1) : rawType, repeated });
  }
  parsed.set(message, m);
  return m;
}

/** Fields whose Go type embeds the message inline in JSON (`json:",inline"`). */
const INLINE = new Set(['volumeSource', 'handler', 'ephemeralContainerCommon', 'persistentVolumeSource']);

/**
 * Go's protobuf marshalling writes non-pointer zero values that JSON omits (omitempty). These fields are
 * pointers or always-present numbers, where a zero means something (`gracePeriodSeconds: 0` is a force
 * delete) and must survive.
 */
const KEEP_ZERO = new Set([
  'replicas',
  'gracePeriodSeconds',
  'terminationGracePeriodSeconds',
  'deletionGracePeriodSeconds',
  'tolerationSeconds',
  'exitCode',
  'restartCount',
  'activeDeadlineSeconds',
  'revisionHistoryLimit',
  'progressDeadlineSeconds',
  'partition',
  'disruptionsAllowed',
  'currentHealthy',
  'desiredHealthy',
  'expectedPods',
  'revision',
  // batch/v1 Job and CronJob: pointers where 0 is a choice (no retries, no parallel pods, clean up at once).
  'parallelism',
  'completions',
  'backoffLimit',
  'backoffLimitPerIndex',
  'ttlSecondsAfterFinished',
  'startingDeadlineSeconds',
  'successfulJobsHistoryLimit',
  'failedJobsHistoryLimit',
  'expirationSeconds',
]);
const KEEP_FALSE = new Set([
  'ready',
  'automountServiceAccountToken',
  'immutable',
  'started',
  'controller',
  'blockOwnerDeletion',
  'suspend',
  'allowed',
]);

function timeString(f: Map<string, unknown>, micro: boolean): string | undefined {
  const seconds = Number(f.get('seconds') ?? 0);
  const nanos = Number(f.get('nanos') ?? 0);
  if (seconds === 0 && nanos === 0) return undefined;
  const iso = new Date(seconds * 1000).toISOString();
  if (!micro) return iso.replace(/\.\d{3}Z$/, 'Z');
  return iso.replace(/\.\d{3}Z$/, `.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`);
}

function base64(v: Uint8Array): string {
  return Buffer.from(v).toString('base64');
}

function scalarValue(type: string, f: WireField): unknown {
  switch (type) {
    case 's':
      return f.value instanceof Uint8Array ? text(f.value) : '';
    case 'y':
      return f.value instanceof Uint8Array ? base64(f.value) : '';
    case 'b':
      return typeof f.value === 'bigint' ? f.value !== 0n : false;
    case 'd':
      return f.value instanceof Uint8Array ? Buffer.from(f.value).readDoubleLE(0) : 0;
    case 'f':
      return f.value instanceof Uint8Array ? Buffer.from(f.value).readFloatLE(0) : 0;
    default:
      return typeof f.value === 'bigint' ? signed(f.value) : 0;
  }
}

function isEmpty(v: unknown, name: string): boolean {
  if (v === undefined || v === '') return true;
  if (v === 0) return !KEEP_ZERO.has(name);
  if (v === false) return !KEEP_FALSE.has(name);
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object' && v !== null) return Object.keys(v).length === 0;
  return false;
}

/** Decode one message into its JSON form; special apimachinery types become what their JSON is. */
export function decodeMessage(message: string, buf: Uint8Array): unknown {
  switch (message) {
    case 'meta.Time':
    case 'meta.MicroTime': {
      const m = new Map<string, unknown>();
      for (const f of fields(buf))
        if (typeof f.value === 'bigint') m.set(f.num === 1 ? 'seconds' : 'nanos', signed(f.value));
      return timeString(m, message === 'meta.MicroTime');
    }
    case 'resource.Quantity': {
      const f = fields(buf).find((x) => x.num === 1);
      return f?.value instanceof Uint8Array ? text(f.value) : undefined;
    }
    case 'intstr.IntOrString': {
      let type = 0;
      let intVal = 0;
      let strVal = '';
      for (const f of fields(buf)) {
        if (f.num === 1 && typeof f.value === 'bigint') type = signed(f.value);
        if (f.num === 2 && typeof f.value === 'bigint') intVal = signed(f.value);
        if (f.num === 3 && f.value instanceof Uint8Array) strVal = text(f.value);
      }
      return type === 1 ? strVal : intVal;
    }
    case 'runtime.RawExtension':
    case 'meta.FieldsV1': {
      const f = fields(buf).find((x) => x.num === 1);
      if (!(f?.value instanceof Uint8Array) || f.value.length === 0) return undefined;
      try {
        return JSON.parse(text(f.value)) as unknown;
      } catch {
        return undefined;
      }
    }
    case 'meta.Duration': {
      const f = fields(buf).find((x) => x.num === 1);
      return typeof f?.value === 'bigint' ? `${Number(f.value) / 1e9}s` : undefined;
    }
    default:
      break;
  }
  const s = spec(message);
  const out: Record<string, unknown> = {};
  for (const f of fields(buf)) {
    const fs = s.get(f.num);
    if (!fs) continue;
    if (fs.type.startsWith('map<')) {
      if (!(f.value instanceof Uint8Array)) continue;
      const valueType = fs.type.slice(4, -1);
      let key = '';
      let value: unknown = valueType === 's' ? '' : undefined;
      for (const e of fields(f.value)) {
        if (e.num === 1 && e.value instanceof Uint8Array) key = text(e.value);
        if (e.num === 2) value = fieldValue(valueType, e);
      }
      const map = (out[fs.name] ??= {}) as Record<string, unknown>;
      map[key] = value ?? (valueType === 's' ? '' : {});
      continue;
    }
    const isScalar = fs.type.length === 1;
    if (fs.repeated) {
      const list = (out[fs.name] ??= []) as unknown[];
      if (isScalar && fs.type !== 's' && fs.type !== 'y' && f.wire === 2 && f.value instanceof Uint8Array) {
        // packed repeated numbers
        for (const v of packedVarints(f.value)) list.push(fs.type === 'b' ? v !== 0n : signed(v));
      } else {
        list.push(fieldValue(fs.type, f) ?? (isScalar ? '' : {}));
      }
      continue;
    }
    const v = fieldValue(fs.type, f);
    if (INLINE.has(fs.name) && typeof v === 'object' && v !== null && !Array.isArray(v)) Object.assign(out, v);
    else out[fs.name] = v;
  }
  for (const [k, v] of Object.entries(out)) if (isEmpty(v, k)) delete out[k];
  return out;
}

function fieldValue(type: string, f: WireField): unknown {
  if (type.length === 1) return scalarValue(type, f);
  if (!(f.value instanceof Uint8Array)) return undefined;
  return decodeMessage(type, f.value);
}

const MAGIC = [0x6b, 0x38, 0x73, 0x00];

const GROUP_PREFIX: Record<string, string> = {
  v1: 'core.',
  'apps/v1': 'apps.',
  'policy/v1': 'policy.',
  'coordination.k8s.io/v1': 'coordination.',
  'autoscaling/v1': 'autoscaling.',
  'meta.k8s.io/v1': 'meta.',
  'batch/v1': 'batch.',
  'rbac.authorization.k8s.io/v1': 'rbac.',
  'authorization.k8s.io/v1': 'authorization.',
  'authentication.k8s.io/v1': 'authentication.',
};

/** A Kubernetes protobuf request body as the JSON object it encodes, apiVersion and kind included. */
export function decodeKubeProtobuf(body: Uint8Array): Record<string, unknown> {
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b))
    throw new ProtobufError('missing the k8s protobuf magic number');
  try {
    let apiVersion = '';
    let kind = '';
    let raw: Uint8Array | undefined;
    for (const f of fields(body.subarray(4))) {
      if (f.num === 1 && f.value instanceof Uint8Array) {
        for (const t of fields(f.value)) {
          if (t.num === 1 && t.value instanceof Uint8Array) apiVersion = text(t.value);
          if (t.num === 2 && t.value instanceof Uint8Array) kind = text(t.value);
        }
      }
      if (f.num === 2 && f.value instanceof Uint8Array) raw = f.value;
    }
    const prefix = kind === 'DeleteOptions' ? 'meta.' : GROUP_PREFIX[apiVersion];
    if (!prefix || !MESSAGES[prefix + kind])
      throw new ProtobufError(`cannot decode ${kind} ${apiVersion} from protobuf`);
    const obj = decodeMessage(prefix + kind, raw ?? new Uint8Array()) as Record<string, unknown>;
    return { apiVersion, kind, ...obj };
  } catch (err) {
    if (err instanceof WireError) throw new ProtobufError(`malformed protobuf body: ${err.message}`);
    throw err;
  }
}
