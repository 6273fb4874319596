import type { KubeObject } from '../../kube/objects.js';
import { validateLabels } from './labels.js';
import { portRange, PROTOCOLS } from './pod-rules.js';
import { oneOf, required, type FieldError } from './validation.js';

/** ValidateService's checks of the spec: type and affinity enums, ports, selector labels. */
export function validateServiceSpec(svc: KubeObject): FieldError[] {
  const spec = (svc.spec ?? {}) as Record<string, unknown>;
  const errs: FieldError[] = [];
  errs.push(...oneOf('spec.type', spec.type, ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']));
  errs.push(...oneOf('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
  const ports = (Array.isArray(spec.ports) ? spec.ports : []) as Record<string, unknown>[];
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) errs.push(required(`${path}.name`));
    errs.push(...portRange(`${path}.port`, p.port));
    errs.push(...oneOf(`${path}.protocol`, p.protocol, PROTOCOLS));
    if (typeof p.targetPort === 'number') errs.push(...portRange(`${path}.targetPort`, p.targetPort));
  });
  errs.push(...validateLabels('spec.selector', spec.selector));
  return errs;
}
