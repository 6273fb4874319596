import { tryParseQuantity } from '../controllers/quantity.js';
import { invalid, oneOf, type FieldError } from './validation.js';

/**
 * What pkg/apis/core/validation checks in a pod spec beyond names and images: enum fields, port ranges,
 * non-negative quantities with requests within limits. Field paths and messages are kube-apiserver's.
 */

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'] as const;
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'] as const;

const NEGATIVE = 'must be greater than or equal to 0';

export function portRange(field: string, port: unknown): FieldError[] {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    return [invalid(field, port, 'must be between 1 and 65535, inclusive')];
  return [];
}

export function nonNegative(field: string, value: unknown): FieldError[] {
  if (typeof value === 'number' && value < 0) return [invalid(field, value, NEGATIVE)];
  return [];
}

interface Container {
  imagePullPolicy?: unknown;
  terminationMessagePolicy?: unknown;
  ports?: { containerPort?: unknown; hostPort?: unknown; protocol?: unknown }[];
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
}

function resources(path: string, r: Container['resources']): FieldError[] {
  const errs: FieldError[] = [];
  const limits = r?.limits ?? {};
  const requests = r?.requests ?? {};
  for (const [name, q] of Object.entries(limits)) {
    const v = tryParseQuantity(q as string | number);
    if (v !== undefined && v < 0) errs.push(invalid(`${path}.limits[${name}]`, String(q), NEGATIVE));
  }
  for (const [name, q] of Object.entries(requests)) {
    const v = tryParseQuantity(q as string | number);
    if (v === undefined) continue;
    if (v < 0) {
      errs.push(invalid(`${path}.requests[${name}]`, String(q), NEGATIVE));
      continue;
    }
    const l = limits[name];
    const lv = l === undefined ? undefined : tryParseQuantity(l as string | number);
    if (lv !== undefined && lv >= 0 && v > lv)
      errs.push(invalid(`${path}.requests`, String(q), `must be less than or equal to ${name} limit of ${String(l)}`));
  }
  return errs;
}

function container(path: string, c: Container): FieldError[] {
  const errs: FieldError[] = [];
  (c.ports ?? []).forEach((p, i) => {
    const pp = `${path}.ports[${i}]`;
    errs.push(...portRange(`${pp}.containerPort`, p.containerPort));
    if (p.hostPort !== undefined && p.hostPort !== 0) errs.push(...portRange(`${pp}.hostPort`, p.hostPort));
    errs.push(...oneOf(`${pp}.protocol`, p.protocol, PROTOCOLS));
  });
  errs.push(...resources(`${path}.resources`, c.resources));
  errs.push(...oneOf(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES));
  errs.push(...oneOf(`${path}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  return errs;
}

export function podSpecFields(spec: Record<string, unknown> | undefined, path: string): FieldError[] {
  if (!spec) return [];
  const errs: FieldError[] = [];
  for (const key of ['initContainers', 'containers'] as const) {
    const list = spec[key];
    if (Array.isArray(list)) list.forEach((c, i) => errs.push(...container(`${path}.${key}[${i}]`, c as Container)));
  }
  errs.push(...oneOf(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  errs.push(...oneOf(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  const ads = spec.activeDeadlineSeconds;
  if (typeof ads === 'number' && (ads < 1 || ads > 2147483647))
    errs.push(invalid(`${path}.activeDeadlineSeconds`, ads, 'must be between 1 and 2147483647, inclusive'));
  return errs;
}
