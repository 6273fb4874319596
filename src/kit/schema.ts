import { DURATION_PATTERN } from './duration.js';
import type { JsonSchema } from './plugin.js';
import { memberSelectorSchema, nodeSelectorSchema, workloadSelectorSchema } from './selectors.js';

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

export function durationParam(description: string): JsonSchema {
  return { type: 'string', pattern: DURATION_PATTERN, description };
}

/** A Kubernetes quantity such as "512Mi" or "500m". */
export const QUANTITY_PATTERN = '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$';
/** A quantity, or a change of one: "+500Mi", "-50%", "+50%". */
export const QUANTITY_CHANGE_PATTERN = '^[+-]?[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m|%)?$';

/** A quantity or a share of a capacity or limit: "6Gi", "95%". */
export const AMOUNT_PATTERN = '^[0-9]+(\\.[0-9]+)?(%|Ki|Mi|Gi|Ti|k|M|G|T)?$';

export function amountParam(description: string): JsonSchema {
  return { type: 'string', pattern: AMOUNT_PATTERN, description };
}

export function quantityParam(description: string): JsonSchema {
  return { type: 'string', pattern: QUANTITY_PATTERN, description };
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

export const serviceParam: JsonSchema = {
  enum: ['kubelet', 'container-runtime'],
  description: 'The node service: kubelet, or the container runtime (docker / containerd).',
};

export const componentParam: JsonSchema = {
  enum: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'],
  description: 'The control-plane component whose static-pod manifest is in /etc/kubernetes/manifests.',
};
