import type { Probe } from '../kit/plugin.js';
import { paramsSchema } from '../kit/schema.js';
import { pollInterval, startPolling } from '../kit/poll.js';

export interface HttpOkParams {
  url?: string;
  path?: string;
  status?: number;
  interval?: string;
}

const TIMEOUT_MS = 5000;

/** D10/D13: an endpoint answers (the apiserver's /readyz through the kubeconfig, or any URL). */
export const httpOk: Probe<HttpOkParams> = {
  name: 'http-ok',
  summary:
    "An HTTP GET answers with the expected status: a URL, or a path on the cluster's API server such as /readyz.",
  mode: 'poll',
  params: {
    ...paramsSchema({
      url: { type: 'string', pattern: '^https?://', description: 'A URL to GET.' },
      path: {
        type: 'string',
        pattern: '^/',
        description: 'A path on the API server, through the kubeconfig (e.g. "/readyz", "/livez").',
      },
      status: { type: 'integer', minimum: 100, maximum: 599, description: 'Expected status. Default 200.' },
    }),
    // Exactly one of url and path (each branch names its property, as ajv's strict mode wants).
    oneOf: [
      { properties: { url: { description: 'A URL to GET.' } }, required: ['url'] },
      { properties: { path: { description: 'A path on the API server.' } }, required: ['path'] },
    ],
  },
  async start(ctx, p) {
    const want = p.status ?? 200;
    return startPolling(ctx, pollInterval(p), async () => {
      let status: number;
      let body: string;
      if (p.path !== undefined) {
        ({ status, body } = await ctx.kube.raw(p.path));
      } else {
        const res = await ctx.clock.track(
          fetch(p.url ?? '', { signal: AbortSignal.timeout(TIMEOUT_MS) }),
          `GET ${p.url}`,
        );
        status = res.status;
        body = await ctx.clock.track(res.text(), `GET ${p.url}`);
      }
      const first = body.split('\n').find((l) => l.includes('failed')) ?? body.split('\n')[0] ?? '';
      return {
        ok: status === want,
        observed: `GET ${p.path ?? p.url}: ${status}${status !== want && first ? ` ${first.slice(0, 120)}` : ''}`,
      };
    });
  },
  describe: (p) => `GET ${p.path ? `${p.path} on the API server` : (p.url ?? '<url>')} answers ${p.status ?? 200}`,
};
