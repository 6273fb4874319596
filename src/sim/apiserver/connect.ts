import { notFoundFor } from './deletion.js';
import type { RequestScope } from './handlers.js';
import type { ResourceRequest } from './routes.js';
import { ApiError, methodNotAllowed } from './status.js';

/**
 * The connect subresources (pods/exec, attach, portforward, proxy; services/proxy, nodes/proxy) reach
 * into a running process or its network, which a simulated container does not have. Rather than a bare
 * 404, kube-apiserver's answer for what it cannot serve: a Status saying what is not supported and why.
 */
const CONNECT: Record<string, { resources: string[]; what: string; methods: string[] }> = {
  exec: { resources: ['pods'], what: 'exec into a container', methods: ['GET', 'POST'] },
  attach: { resources: ['pods'], what: 'attach to a container', methods: ['GET', 'POST'] },
  portforward: { resources: ['pods'], what: 'port-forward to a pod', methods: ['GET', 'POST'] },
  proxy: {
    resources: ['pods', 'services', 'nodes'],
    what: 'proxy to a pod, Service or node',
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
  },
};

export function isConnect(r: ResourceRequest): boolean {
  const c = CONNECT[r.subresource ?? ''];
  return c !== undefined && c.resources.includes(r.resource.name);
}

export function refuseConnect(s: RequestScope, r: ResourceRequest): never {
  const sub = r.subresource ?? '';
  const c = CONNECT[sub]!;
  const method = s.req.method ?? 'GET';
  if (!c.methods.includes(method)) throw methodNotAllowed(method);
  const name = r.name ?? '';
  if (!s.ctx.store.get(r.resource.name, r.namespace, name)) throw notFoundFor(r.resource.name, name);
  throw new ApiError(
    501,
    'NotImplemented',
    `${r.resource.name}/${sub} is not supported by the gameday simulator: it cannot ${c.what}, because its containers are simulated and run no processes (use the node shell of gameday practice, or a kind or lab cluster)`,
    { name, kind: r.resource.name },
  );
}
