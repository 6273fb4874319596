import type { RecoveryStep } from '../kit/plugin.js';
import { InvalidInputError } from '../errors.js';
import { paramsSchema } from '../kit/schema.js';

export interface PatchServiceParams {
  namespace: string;
  service: string;
  selector?: Record<string, string | null>;
  port?: number;
  targetPort?: number | string;
}

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
}

/** The Service's ports after the change: `targetPort` set on the port numbered `port` (default: the first). Exported for tests. */
export function nextPorts(
  ports: ServicePort[],
  p: Pick<PatchServiceParams, 'port' | 'targetPort'>,
  where: string,
): ServicePort[] {
  if (p.targetPort === undefined) return ports;
  const i = p.port === undefined ? 0 : ports.findIndex((x) => x.port === p.port);
  if (i < 0 || ports[i] === undefined) {
    throw new InvalidInputError(
      `${where} has no port ${p.port ?? ''}; its ports are: ${ports.map((x) => x.port).join(', ') || 'none'}.`,
    );
  }
  return ports.map((x, j) => (j === i ? { ...x, targetPort: p.targetPort as number | string } : x));
}

/**
 * S1: switch a Service to another backend: its selector (e.g. the slave's pod) and the port it forwards to
 * (the slave's 3307), as the second platform's runbook points console and Troopers at the slave.
 */
export const patchService: RecoveryStep<PatchServiceParams> = {
  name: 'patch-service',
  undoable: true,
  summary:
    'Switch a Service to another backend: change its selector and the target port it forwards to (kubectl patch service).',
  params: paramsSchema(
    {
      namespace: { type: 'string', minLength: 1, description: 'Namespace of the Service.' },
      service: { type: 'string', minLength: 1, description: 'Name of the Service.' },
      selector: {
        type: 'object',
        additionalProperties: { type: ['string', 'null'] },
        description:
          'Selector labels to set (merged into the current selector; null removes a label), e.g. {"statefulset.kubernetes.io/pod-name": "mysql-1"}.',
      },
      port: {
        type: 'integer',
        minimum: 1,
        maximum: 65535,
        description: 'The Service port whose target changes. Default: the first port.',
      },
      targetPort: {
        oneOf: [
          { type: 'integer', minimum: 1, maximum: 65535, description: 'A container port number.' },
          { type: 'string', minLength: 1, description: 'A named container port.' },
        ],
        description: 'The port the Service forwards to, e.g. 3307 for the MySQL slave.',
      },
    },
    ['namespace', 'service'],
  ),
  async run(ctx, p) {
    if (p.selector === undefined && p.targetPort === undefined)
      throw new InvalidInputError(`${ctx.cluster}: patch-service needs "selector" or "targetPort".`);
    const where = `${ctx.cluster}: Service ${p.namespace}/${p.service}`;
    const svc = await ctx.kube.get('services', p.service, p.namespace);
    if (!svc) throw new InvalidInputError(`${where} does not exist.`);
    const spec: Record<string, unknown> = {};
    if (p.selector !== undefined) spec['selector'] = p.selector;
    if (p.targetPort !== undefined)
      spec['ports'] = nextPorts((svc.spec as { ports?: ServicePort[] } | undefined)?.ports ?? [], p, where);
    // A merge patch merges the selector map (null removes a key) and replaces the ports list whole.
    await ctx.kube.patch('services', p.service, { spec }, { namespace: p.namespace, type: 'merge' });
  },
  describe: (p) => {
    const parts: string[] = [];
    if (p.selector) parts.push(`"selector":${JSON.stringify(p.selector)}`);
    if (p.targetPort !== undefined)
      parts.push(`"ports":[{"port":${p.port ?? '<port>'},"targetPort":${JSON.stringify(p.targetPort)}}]`);
    return `Switch Service ${p.namespace}/${p.service}${p.targetPort !== undefined ? ` to target port ${p.targetPort}` : ''}${p.selector ? ` and selector ${JSON.stringify(p.selector)}` : ''}: \`kubectl patch service ${p.service} -n ${p.namespace} -p '{"spec":{${parts.join(',')}}}'\`.`;
  },
};
