import { InfrastructureError } from '../errors.js';
import { KubeApiError } from '../kube/errors.js';
import type { Kube } from '../kube/kube.js';
import type { KubeObject } from '../kube/objects.js';
import type { RunResult } from '../report/result.js';
import { drillDirName, wallStart, type StoredResult } from './store.js';

/**
 * `--results configmap`: for clusters without a volume to spare, the scheduled Job keeps a short history
 * in the ConfigMap `gameday schedule` created (the Job may only get and update that one object). Per drill,
 * one key `<drill>.json` holding the last `keep` runs without their bulky parts (actions, timeline, probe
 * observations), oldest dropped first so the whole stays under the apiserver's 1 MiB.
 */

const LIMIT = 1024 * 1024 - 4096;

export type CompactResult = Omit<StoredResult, 'actions' | 'timeline' | 'probes'>;

export function compact(result: RunResult, recordedAt: number): CompactResult {
  const { actions: _a, timeline: _t, probes: _p, ...rest } = result;
  return { ...rest, recordedAt };
}

/** The ConfigMap data with `results` appended: pure, for tests and for the writer below. */
export function mergeResults(data: Readonly<Record<string, string>>, results: readonly RunResult[], options: { keep?: number; now?: number } = {}): Record<string, string> {
  const keep = options.keep ?? 20;
  const now = options.now ?? Date.now();
  const out: Record<string, string> = { ...data };
  const lists = new Map<string, CompactResult[]>();
  for (const r of results) {
    const key = `${drillDirName(r.experiment.id)}.json`;
    let list = lists.get(key);
    if (!list) {
      try {
        const parsed: unknown = JSON.parse(out[key] ?? '[]');
        list = Array.isArray(parsed) ? (parsed as CompactResult[]) : [];
      } catch {
        list = [];
      }
      lists.set(key, list);
    }
    list.push(compact(r, now));
  }
  for (const [key, list] of lists) {
    list.sort((a, b) => wallStart(a, a.recordedAt) - wallStart(b, b.recordedAt));
    out[key] = JSON.stringify(list.slice(-keep));
  }
  // Over the limit: drop the oldest run of the longest history until it fits.
  const size = (): number => Object.entries(out).reduce((s, [k, v]) => s + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  while (size() > LIMIT) {
    const [key, list] = [...Object.entries(out)]
      .map(([k, v]) => [k, JSON.parse(v) as unknown[]] as const)
      .sort((a, b) => b[1].length - a[1].length)[0] ?? ['', []];
    if (list.length <= 1) break;
    out[key] = JSON.stringify(list.slice(1));
  }
  return out;
}

/** Read, merge and update the ConfigMap; a conflicting writer (409) is retried from a fresh read. */
export async function appendToConfigMap(kube: Kube, namespace: string, name: string, results: readonly RunResult[], options: { keep?: number; now?: number } = {}): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const cm = await kube.get('configmaps', name, namespace);
    if (!cm) throw new InfrastructureError(`ConfigMap ${namespace}/${name} does not exist; apply the manifests of \`gameday schedule --results configmap\` first.`);
    const data = mergeResults((cm as KubeObject & { data?: Record<string, string> }).data ?? {}, results, options);
    try {
      await kube.replace('configmaps', { ...cm, data } as KubeObject);
      return;
    } catch (err) {
      if (!(err instanceof KubeApiError) || err.status !== 409 || attempt >= 5) throw err;
    }
  }
}
