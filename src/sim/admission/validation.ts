import { labelSelectorMatches } from '../store/selectors.js';
import type { KubeObject } from '../../kube/objects.js';
import { validateAnnotations, validateLabels } from './labels.js';
import { nonNegative, podSpecFields } from './pod-rules.js';

/** One field error, worded as k8s.io/apimachinery/pkg/util/validation/field words it. */
export interface FieldError {
  field: string;
  reason:
    | 'FieldValueRequired'
    | 'FieldValueInvalid'
    | 'FieldValueNotSupported'
    | 'FieldValueForbidden'
    | 'FieldValueTooLong'
    | 'FieldValueDuplicate';
  /** The error body: `Required value`, `Invalid value: -1: must be greater than or equal to 0`. */
  message: string;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (
    value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  ) {
    // Go's %#v of a map[string]string, keys sorted, as field.Invalid prints label maps.
    const entries = Object.entries(value as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `map[string]string{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

export function required(field: string, detail?: string): FieldError {
  return { field, reason: 'FieldValueRequired', message: detail ? `Required value: ${detail}` : 'Required value' };
}

export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { field, reason: 'FieldValueInvalid', message: `Invalid value: ${show(value)}: ${detail}` };
}

/** `Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"` */
export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  return {
    field,
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${show(value)}: supported values: ${supported.map((v) => JSON.stringify(v)).join(', ')}`,
  };
}

export function forbidden(field: string, detail: string): FieldError {
  return { field, reason: 'FieldValueForbidden', message: `Forbidden: ${detail}` };
}

/** An enum field: absent is fine (defaulting fills it), anything outside `supported` is not. */
export function oneOf(field: string, value: unknown, supported: readonly string[]): FieldError[] {
  if (value === undefined || value === null) return [];
  return typeof value === 'string' && supported.includes(value) ? [] : [notSupported(field, value, supported)];
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export function validateSubdomain(field: string, value: string): FieldError[] {
  if (value.length > 253) return [invalid(field, value, 'must be no more than 253 characters')];
  if (!DNS1123_SUBDOMAIN.test(value)) {
    return [
      invalid(
        field,
        value,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ),
    ];
  }
  return [];
}

export function validateLabel(field: string, value: string): FieldError[] {
  if (value.length > 63) return [invalid(field, value, 'must be no more than 63 characters')];
  if (!DNS1123_LABEL.test(value)) {
    return [
      invalid(
        field,
        value,
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ),
    ];
  }
  return [];
}

export function validate1035(field: string, value: string): FieldError[] {
  if (value.length > 63) return [invalid(field, value, 'must be no more than 63 characters')];
  if (!DNS1035_LABEL.test(value)) {
    return [
      invalid(
        field,
        value,
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      ),
    ];
  }
  return [];
}

export function validateMetadata(
  obj: KubeObject,
  nameCheck: (field: string, v: string) => FieldError[],
  namespaced: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  const m = obj.metadata;
  if (!m.name && !m.generateName) errs.push(required('metadata.name', 'name or generateName is required'));
  if (m.name) errs.push(...nameCheck('metadata.name', m.name));
  if (namespaced && m.namespace) errs.push(...validateLabel('metadata.namespace', m.namespace));
  errs.push(
    ...validateLabels('metadata.labels', m.labels),
    ...validateAnnotations('metadata.annotations', m.annotations),
  );
  return errs;
}

interface ContainerSpec {
  name?: string;
  image?: string;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
}

export function validatePodSpec(spec: Record<string, unknown> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const containers = (spec?.containers ?? []) as ContainerSpec[];
  if (!Array.isArray(containers) || containers.length === 0) {
    errs.push(required(`${path}.containers`));
    return errs;
  }
  const seen = new Set<string>();
  containers.forEach((c, i) => {
    const p = `${path}.containers[${i}]`;
    if (!c.name) errs.push(required(`${p}.name`));
    else {
      errs.push(...validateLabel(`${p}.name`, c.name));
      if (seen.has(c.name))
        errs.push({ field: `${p}.name`, reason: 'FieldValueInvalid', message: `Duplicate value: ${show(c.name)}` });
      seen.add(c.name);
    }
    if (!c.image) errs.push(required(`${p}.image`));
  });
  errs.push(...podSpecFields(spec, path));
  return errs;
}

export function validateReplicas(field: string, replicas: unknown): FieldError[] {
  if (replicas === undefined) return [];
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    return [invalid(field, replicas, 'must be greater than or equal to 0')];
  }
  return [];
}

export function validateWorkload(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  if (obj.kind !== 'DaemonSet') errs.push(...validateReplicas('spec.replicas', spec.replicas));
  const selector = spec.selector as Parameters<typeof labelSelectorMatches>[0];
  const template = spec.template as KubeObject | undefined;
  if (
    !selector ||
    (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)
  ) {
    errs.push(required('spec.selector'));
  } else if (template && !labelSelectorMatches(selector, template.metadata?.labels)) {
    errs.push(
      invalid(
        'spec.template.metadata.labels',
        template.metadata?.labels ?? {},
        '`selector` does not match template `labels`',
      ),
    );
  }
  errs.push(
    ...validateLabels('spec.template.metadata.labels', template?.metadata?.labels),
    ...validateAnnotations('spec.template.metadata.annotations', template?.metadata?.annotations),
  );
  const podSpec = template?.spec as Record<string, unknown> | undefined;
  errs.push(...validatePodSpec(podSpec, 'spec.template.spec'));
  // Controllers restart their pods: only Always (ValidatePodTemplateSpecForReplicaSet and its kin).
  if (podSpec?.restartPolicy !== undefined && podSpec.restartPolicy !== 'Always')
    errs.push(notSupported('spec.template.spec.restartPolicy', podSpec.restartPolicy, ['Always']));
  errs.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  errs.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  if (obj.kind === 'Deployment') {
    const strategy = spec.strategy as { type?: unknown } | undefined;
    errs.push(...oneOf('spec.strategy.type', strategy?.type, ['Recreate', 'RollingUpdate']));
  }
  if (obj.kind === 'StatefulSet')
    errs.push(...oneOf('spec.podManagementPolicy', spec.podManagementPolicy, ['OrderedReady', 'Parallel']));
  if (obj.kind === 'Deployment') {
    const pd = spec.progressDeadlineSeconds;
    const mrs = (spec.minReadySeconds as number | undefined) ?? 0;
    if (typeof pd === 'number' && pd <= mrs) {
      errs.push(invalid('spec.progressDeadlineSeconds', pd, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

export function validatePdb(obj: KubeObject): FieldError[] {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    return [
      {
        field: 'spec',
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "spec": minAvailable and maxUnavailable cannot be both set',
      },
    ];
  }
  return [];
}
