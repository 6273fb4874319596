import { ApiException } from '@kubernetes/client-node';
import { InfrastructureError } from '../errors.js';

/** A Kubernetes API call failed: carries the HTTP status and the Status message the apiserver gave. */
export class KubeApiError extends InfrastructureError {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Turn a client-node failure into a KubeApiError whose message is the apiserver's own words. */
export function toKubeApiError(err: unknown, what: string): KubeApiError {
  if (err instanceof KubeApiError) return err;
  if (err instanceof ApiException) {
    const body = parseBody(err.body);
    const message = typeof body?.message === 'string' ? body.message : `HTTP ${err.code}`;
    const reason = typeof body?.reason === 'string' ? body.reason : '';
    return new KubeApiError(err.code, reason, `${what}: ${message}`, { cause: err });
  }
  const code = (err as { statusCode?: number; code?: string } | undefined)?.code;
  const msg = err instanceof Error ? err.message : String(err);
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(msg)) {
    return new KubeApiError(0, 'ConnectionRefused', `${what}: the connection to the API server was refused`, {
      cause: err,
    });
  }
  return new KubeApiError(0, 'Unknown', `${what}: ${msg}`, { cause: err });
}

function parseBody(body: unknown): Record<string, unknown> | undefined {
  if (body && typeof body === 'object') return body as Record<string, unknown>;
  if (typeof body === 'string') {
    try {
      const v: unknown = JSON.parse(body);
      return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
