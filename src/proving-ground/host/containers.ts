import { askInit, InitUnreachable, type PodContainer } from './protocol.js';

/** What crictl and ctr say when the runtime does not answer. */
export const RUNTIME_DOWN =
  'failed to connect: failed to connect to unix:///run/containerd/containerd.sock: connection refused';

/** The static pods' containers, or undefined when init does not answer. */
export async function listContainers(): Promise<PodContainer[] | undefined> {
  try {
    const r = await askInit({ op: 'pods' });
    return r.ok ? (r.pods ?? []) : [];
  } catch (err) {
    if (err instanceof InitUnreachable) return undefined;
    throw err;
  }
}

/** A container by id or unique id prefix. */
export function findContainer(all: readonly PodContainer[], id: string): PodContainer | undefined {
  const exact = all.find((c) => c.id === id);
  if (exact) return exact;
  const matches = all.filter((c) => c.id.startsWith(id));
  return matches.length === 1 ? matches[0] : undefined;
}

export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} seconds ago`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} minute${m === 1 ? '' : 's'} ago` : `${Math.floor(m / 60)} hours ago`;
}

/** The pod sandbox id crictl shows: derived from the pod's name and the container's start, 64 hex digits. */
export function podId(c: PodContainer): string {
  let h = 0x811c9dc5;
  for (const ch of `${c.namespace}/${c.pod}/${c.createdAt}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0').repeat(8);
}
