import { DURATION_PATTERN } from './duration.js';
import type { JsonSchema } from './plugin.js';
import { LIMITS } from './limits.js';
import { memberSelectorSchema, nodeSelectorSchema, workloadSelectorSchema } from './selectors.js';

export { LIMITS } from './limits.js';

/** A Kubernetes object name (DNS subdomain, 253 characters at most). */
export function nameParam(description: string): JsonSchema {
  return { type: 'string', minLength: 1, maxLength: LIMITS.maxNameLength, description };
}

/** A namespace (a DNS label, 63 characters at most). */
export function namespaceParam(description: string): JsonSchema {
  return { type: 'string', minLength: 1, maxLength: LIMITS.maxLabelLength, description };
}

/** A replica count: Kubernetes takes an int32; a drill has no use for more than LIMITS.maxReplicas. */
export function replicasParam(description: string): JsonSchema {
  return { type: 'integer', minimum: 0, maximum: LIMITS.maxReplicas, description };
}

/** A regular expression, checked to compile when the experiment is validated rather than mid-drill. */
export function patternParam(description: string): JsonSchema {
  return { type: 'string', minLength: 1, maxLength: 256, format: 'regex', description };
}

/**
 * Building blocks for plugin parameter schemas. The experiment schema is composed from them, so every
 * property carries a description (editors show it) and every object refuses unknown keys.
 */
export function paramsSchema(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}

/** A duration of at most LIMITS.maxDurationMs (24h); the validator checks the value, the pattern the form. */
export function durationParam(description: string): JsonSchema {
  return { type: 'string', pattern: DURATION_PATTERN, maxLength: LIMITS.maxDurationLength, description };
}

/** A Kubernetes quantity such as "512Mi" or "500m". */
export const QUANTITY_PATTERN = '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$';
/** A quantity, or a change of one: "+500Mi", "-50%", "+50%". */
export const QUANTITY_CHANGE_PATTERN = '^[+-]?[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m|%)?$';

/** A quantity or a share of a capacity or limit: "6Gi", "95%". */
export const AMOUNT_PATTERN = '^[0-9]+(\\.[0-9]+)?(%|Ki|Mi|Gi|Ti|k|M|G|T)?$';

export function amountParam(description: string): JsonSchema {
  return { type: 'string', pattern: AMOUNT_PATTERN, maxLength: 32, description };
}

export function quantityParam(description: string): JsonSchema {
  return { type: 'string', pattern: QUANTITY_PATTERN, maxLength: 32, description };
}

export function nodesParam(description: string): JsonSchema {
  return { ...nodeSelectorSchema, description: `${description} ${String(nodeSelectorSchema['description'])}` };
}

export function workloadParam(description: string): JsonSchema {
  return { ...workloadSelectorSchema, description: `${description} ${String(workloadSelectorSchema['description'])}` };
}

export function membersParam(description: string): JsonSchema {
  return { ...memberSelectorSchema, description: `${description} ${String(memberSelectorSchema['description'])}` };
}

/** How an experiment may name a node service: the runtime by its role or by its systemd unit. */
export const SERVICE_NAMES = ['kubelet', 'container-runtime', 'docker', 'containerd'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const serviceParam: JsonSchema = {
  enum: [...SERVICE_NAMES],
  description:
    'The node service: "kubelet", or the container runtime as "container-runtime", "docker" or "containerd" (the three name the same thing: whichever runtime the node runs).',
};

export const componentParam: JsonSchema = {
  enum: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'],
  description: 'The control-plane component whose static-pod manifest is in /etc/kubernetes/manifests.',
};
