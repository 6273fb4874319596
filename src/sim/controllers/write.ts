import type { KubeObject } from '../../kube/objects.js';
import { admit } from '../admission/index.js';
import type { SimContext } from '../context.js';

/** Controllers create objects through the apiserver in Kubernetes, so what they create is defaulted and admitted. */
export function createAdmitted(ctx: SimContext, resource: string, obj: KubeObject): KubeObject {
  const admitted = admit(resource, obj, undefined, {
    store: ctx.store,
    defaultTolerationSeconds: ctx.params.defaultTolerationSeconds,
  });
  // admit returns a copy of its own: the store can keep it as it is.
  return ctx.store.create(resource, admitted, true);
}
