import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RealClock } from '../../engine/clock.js';
import { CONTROL_PATH, dispatchRemoteOps, INFO_PATH, type SimInfo } from './remote-ops.js';
import type { SimCluster } from '../simulator.js';

const MAX_BODY = 1 << 20;

/**
 * `POST /gameday/v1/ops` on a served simulator: one NodeOps or EtcdOps call from another process (gameday
 * run attached to `sim up`, the practice node shell, `gameday rollback`). The API server lets a request
 * through to here only as it lets one through to the Kubernetes API (src/sim/apiserver/access.ts): the
 * bearer token, a served Host, no foreign Origin, and a JSON body.
 */
export function controlEndpoint(cluster: SimCluster) {
  // A simulator started again is another cluster, though its objects (and UIDs) are the same for the same
  // seed: a journal of the previous one must be refused.
  const instance = randomUUID();
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === INFO_PATH && req.method === 'GET') {
      const clock = cluster.ctx.clock;
      const info: SimInfo = {
        cluster: cluster.name,
        nodes: cluster.hosts.names(),
        clock: clock.mode,
        now: clock.now(),
        speed: clock instanceof RealClock ? clock.speed : 1,
        instance,
      };
      send(200, info);
      return;
    }
    if (path !== CONTROL_PATH || req.method !== 'POST') {
      send(404, { error: `no gameday endpoint ${req.method ?? ''} ${path}` });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) {
        send(413, { error: 'request body too large' });
        return;
      }
      chunks.push(chunk as Buffer);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      send(400, { error: 'expected a JSON body' });
      return;
    }
    const { status, body: out } = await dispatchRemoteOps(body, { nodes: cluster.hosts.ops(), etcd: cluster.etcdOps });
    send(status, out);
  };
}
