import type { KubeObject } from '../../kube/objects.js';
import { sortByKey, streamList } from './list.js';
import { sendJson } from './http.js';
import { readPayload, type RequestScope } from './handlers.js';
import { ApiError, badRequest, methodNotAllowed, notFound } from './status.js';
import { EXTRA_GROUPS } from './extra-groups.js';
import { matchLabels, parseLabelSelector } from '../store/selectors.js';

/**
 * API groups served beside the stored resources, with nothing stored behind them:
 * - authorization.k8s.io/v1 access reviews, so that `kubectl auth can-i` answers. The simulator
 *   authenticates no one and authorizes every request; the kubeconfig's user is kubeadm's cluster admin,
 *   and every review says so.
 * - authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`).
 * - metrics.k8s.io/v1beta1, as metrics-server serves it, so that `kubectl top` works.
 */
/** Who the kubeconfig's user is: kubeadm's admin.conf user, bound to cluster-admin through its group. */
export const ADMIN_USER = {
  username: 'kubernetes-admin',
  groups: ['kubeadm:cluster-admins', 'system:authenticated'],
};

const ALLOWED_REASON =
  'RBAC: allowed by ClusterRoleBinding "kubeadm:cluster-admins" of ClusterRole "cluster-admin" to Group "kubeadm:cluster-admins"';

export function extraResourceList(group: string, version: string): unknown {
  const g = EXTRA_GROUPS.find((x) => x.group === group && x.version === version);
  if (!g) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: `${group}/${version}`,
    resources: g.resources.map((r) => ({
      name: r.name,
      singularName: r.kind.toLowerCase(),
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
    })),
  };
}

/** Serve a request for one of the extra groups; false when the path is not theirs. */
export async function handleExtraApi(s: RequestScope, path: string): Promise<boolean> {
  const m = /^\/apis\/([^/]+)\/([^/]+)(?:\/(.*))?$/.exec(path);
  if (!m) return false;
  const [, group = '', version = '', rest = ''] = m;
  const g = EXTRA_GROUPS.find((x) => x.group === group && x.version === version);
  if (!g) return false;
  const method = s.req.method ?? 'GET';
  if (rest === '') {
    if (method !== 'GET') throw methodNotAllowed(method);
    sendJson(s.res, 200, extraResourceList(group, version));
    return true;
  }
  let segs = rest.split('/').map(decodeURIComponent);
  let namespace: string | undefined;
  if (segs[0] === 'namespaces' && segs.length >= 3) {
    namespace = segs[1];
    segs = segs.slice(2);
  }
  const resource = g.resources.find((r) => r.name === segs[0]);
  if (!resource || segs.length > 2 || (namespace !== undefined && !resource.namespaced))
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  const name = segs[1];
  if (group === 'metrics.k8s.io') {
    if (method !== 'GET') throw methodNotAllowed(method);
    metrics(s, resource.name, namespace, name);
    return true;
  }
  if (method !== 'POST' || name !== undefined) throw methodNotAllowed(method);
  const body = ((await readPayload(s)) ?? {}) as KubeObject;
  if (typeof body !== 'object' || body === null) throw badRequest('the body must be an object');
  sendJson(s.res, 201, review(resource.kind, body, namespace));
  return true;
}

function review(kind: string, body: KubeObject, namespace: string | undefined): unknown {
  const out = {
    kind,
    apiVersion:
      kind === 'SelfSubjectReview' || kind === 'TokenReview' ? 'authentication.k8s.io/v1' : 'authorization.k8s.io/v1',
    metadata: { ...(namespace ? { namespace } : {}), creationTimestamp: null },
    spec: body.spec ?? {},
  };
  switch (kind) {
    case 'SelfSubjectReview':
      return { ...out, status: { userInfo: ADMIN_USER } };
    case 'TokenReview':
      return { ...out, status: { authenticated: false, error: 'the simulator authenticates no tokens', user: {} } };
    case 'SelfSubjectRulesReview':
      return {
        ...out,
        status: {
          resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
          nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
          incomplete: false,
        },
      };
    default: {
      const attrs = (body.spec?.resourceAttributes ?? body.spec?.nonResourceAttributes) as object | undefined;
      if (!attrs) {
        throw new ApiError(
          422,
          'Invalid',
          `${kind}.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified`,
          {
            group: 'authorization.k8s.io',
            kind,
            causes: [
              {
                reason: 'FieldValueInvalid',
                message:
                  'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
                field: 'spec.resourceAttributes',
              },
            ],
          },
        );
      }
      return { ...out, status: { allowed: true, reason: ALLOWED_REASON } };
    }
  }
}

function metrics(s: RequestScope, resource: string, namespace: string | undefined, name: string | undefined): void {
  const all = s.ctx.hooks.metrics?.() ?? { nodes: [], pods: [] };
  let items = resource === 'nodes' ? all.nodes : all.pods;
  if (namespace !== undefined) items = items.filter((o) => o.metadata.namespace === namespace);
  const selector = s.query.get('labelSelector');
  if (selector) {
    let reqs: ReturnType<typeof parseLabelSelector>;
    try {
      reqs = parseLabelSelector(selector);
    } catch (err) {
      throw badRequest(err instanceof Error ? err.message : String(err));
    }
    items = items.filter((o) => matchLabels(o, reqs));
  }
  if (name !== undefined) {
    const one = items.find((o) => o.metadata.name === name);
    if (!one) throw notFound(resource, name, 'metrics.k8s.io');
    sendJson(s.res, 200, one);
    return;
  }
  const kind = resource === 'nodes' ? 'NodeMetricsList' : 'PodMetricsList';
  void streamList(s.res, sortByKey(items), '', { kind: 'list', listKind: kind, apiVersion: 'metrics.k8s.io/v1beta1' });
}
