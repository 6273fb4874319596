import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, statusOf } from './status.js';

/** Request bodies larger than kube-apiserver's 3 MiB object limit, with room for lists in patches. */
const MAX_BODY = 16 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBodyBytes(req)).toString('utf8');
}

export function readBodyBytes(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 16777216'));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`error decoding request body: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  sendRaw(res, code, JSON.stringify(body), 'application/json');
}

export function sendRaw(res: ServerResponse, code: number, text: string, contentType: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const buf = Buffer.from(text, 'utf8');
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': buf.length,
    'Cache-Control': 'no-cache, private',
  });
  res.end(buf);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.code, statusOf(err));
}

/** Write one chunk and wait for the socket to drain when its buffer is full, so huge lists do not pile up in memory. */
export async function writeChunk(res: ServerResponse, chunk: string): Promise<void> {
  if (res.destroyed) throw new Error('client went away');
  if (res.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', gone);
      resolve();
    };
    const gone = (): void => {
      res.off('drain', done);
      res.off('close', gone);
      reject(new Error('client went away'));
    };
    res.on('drain', done);
    res.on('close', gone);
  });
}

export interface Accept {
  table: boolean;
  partialMetadata: boolean;
}

/** Which representation the client asked for: kubectl get asks `application/json;as=Table;v=v1;g=meta.k8s.io`. */
export function parseAccept(header: string | undefined): Accept {
  const out: Accept = { table: false, partialMetadata: false };
  for (const part of (header ?? '').split(',')) {
    const params = new Map(
      part
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string | undefined])
        .map(([k, v]) => [k, v ?? '']),
    );
    const as = params.get('as');
    const g = params.get('g');
    if (as === 'Table' && (g === 'meta.k8s.io' || g === undefined)) {
      out.table = true;
      return out;
    }
    if ((as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && g === 'meta.k8s.io') {
      out.partialMetadata = true;
      return out;
    }
    // The first representation we can serve wins: plain JSON before a Table listed later.
    if (part.trim().startsWith('application/json') && !as) return out;
  }
  return out;
}
