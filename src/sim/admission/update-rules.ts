import type { KubeObject } from '../../kube/objects.js';
import { forbidden, type FieldError } from './validation.js';

/**
 * What may not change in an update, as the registry strategies' ValidateUpdate say it: a workload's
 * selector, most of a StatefulSet's spec, a Service's cluster IP, and a Pod's spec beyond images,
 * tolerations (additions), activeDeadlineSeconds and terminationGracePeriodSeconds.
 */

type Json = Record<string, any>;

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Key order does not matter to DeepEqual. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Json)[k])]),
    );
  return v;
}

/** Go's %#v of a string slice or map, as field.Invalid prints values of those types. */
function goStrings(values: string[] | undefined): string {
  return values === undefined ? '[]string(nil)' : `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

function goStringMap(m: Record<string, string> | undefined): string {
  if (m === undefined) return 'map[string]string(nil)';
  const entries = Object.keys(m)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(m[k])}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/** `v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}` */
export function goLabelSelector(sel: Json | undefined): string {
  const exprs = sel?.matchExpressions as Json[] | undefined;
  const e =
    exprs === undefined
      ? '[]v1.LabelSelectorRequirement(nil)'
      : `[]v1.LabelSelectorRequirement{${exprs
          .map(
            (x) =>
              `v1.LabelSelectorRequirement{Key:${JSON.stringify(x.key ?? '')}, Operator:${JSON.stringify(x.operator ?? '')}, Values:${goStrings(x.values as string[] | undefined)}}`,
          )
          .join(', ')}}`;
  return `v1.LabelSelector{MatchLabels:${goStringMap(sel?.matchLabels as Record<string, string> | undefined)}, MatchExpressions:${e}}`;
}

/** A raw value printed as Go prints it, for messages whose value is not JSON-like. */
function goValue(field: string, text: string, detail: string): FieldError {
  return { field, reason: 'FieldValueInvalid', message: `Invalid value: ${text}: ${detail}` };
}

const STATEFULSET_MUTABLE = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'revisionHistoryLimit',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function without(spec: Json | undefined, keys: string[]): Json {
  const out: Json = { ...spec };
  for (const k of keys) delete out[k];
  return out;
}

/** The new pod spec with everything a pod update may change put back as it was. */
function podSpecAsAllowed(spec: Json, old: Json): Json {
  const out: Json = { ...spec };
  for (const key of ['containers', 'initContainers'] as const) {
    const cur = spec[key] as Json[] | undefined;
    const prev = old[key] as Json[] | undefined;
    if (Array.isArray(cur) && Array.isArray(prev) && cur.length === prev.length)
      out[key] = cur.map((c, i) => ({ ...c, image: prev[i]!.image }));
  }
  out.activeDeadlineSeconds = old.activeDeadlineSeconds;
  out.terminationGracePeriodSeconds = old.terminationGracePeriodSeconds;
  // Tolerations may only be added to.
  const tol = (spec.tolerations ?? []) as unknown[];
  const prevTol = (old.tolerations ?? []) as unknown[];
  if (prevTol.every((t) => tol.some((n) => equal(n, t)))) out.tolerations = old.tolerations;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

/** A short account of what differs, in the spirit of the cmp.Diff kube-apiserver appends. */
function specDiff(spec: Json, old: Json): string {
  const keys = [...new Set([...Object.keys(old), ...Object.keys(spec)])].sort();
  const lines = ['  core.PodSpec{'];
  for (const k of keys) {
    if (equal(spec[k], old[k])) continue;
    const field = k.charAt(0).toUpperCase() + k.slice(1);
    if (old[k] !== undefined) lines.push(`- \t${field}: ${JSON.stringify(old[k])},`);
    if (spec[k] !== undefined) lines.push(`+ \t${field}: ${JSON.stringify(spec[k])},`);
  }
  lines.push('  }');
  return lines.join('\n');
}

export function validateUpdate(resource: string, obj: KubeObject, old: KubeObject): FieldError[] {
  const spec = (obj.spec ?? {}) as Json;
  const prev = (old.spec ?? {}) as Json;
  switch (resource) {
    case 'deployments':
    case 'replicasets':
    case 'daemonsets':
      if (!equal(spec.selector, prev.selector))
        return [goValue('spec.selector', goLabelSelector(spec.selector as Json | undefined), 'field is immutable')];
      return [];
    case 'statefulsets': {
      const errs: FieldError[] = [];
      if (!equal(without(spec, STATEFULSET_MUTABLE), without(prev, STATEFULSET_MUTABLE)))
        errs.push(
          forbidden(
            'spec',
            `updates to statefulset spec for fields other than ${STATEFULSET_MUTABLE.slice(0, -1)
              .map((k) => `'${k}'`)
              .join(', ')} and 'minReadySeconds' are forbidden`,
          ),
        );
      return errs;
    }
    case 'services': {
      const oldIps = prev.clusterIPs as string[] | undefined;
      const ips = spec.clusterIPs as string[] | undefined;
      if (spec.type === 'ExternalName' || prev.type === 'ExternalName') return [];
      if (oldIps?.length && ips?.length && oldIps[0] !== ips[0])
        return [goValue('spec.clusterIPs[0]', goStrings(ips), 'may not change once set')];
      return [];
    }
    case 'pods': {
      if (equal(podSpecAsAllowed(spec, prev), prev)) return [];
      return [forbidden('spec', `${POD_UPDATE_FORBIDDEN}\n${specDiff(spec, prev)}`)];
    }
    default:
      return [];
  }
}
