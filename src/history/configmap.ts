import { readFile } from 'node:fs/promises';
import { InfrastructureError, errorMessage } from '../errors.js';
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
export function mergeResults(
  data: Readonly<Record<string, string>>,
  results: readonly RunResult[],
  options: { keep?: number; now?: number } = {},
): Record<string, string> {
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
  const size = (): number =>
    Object.entries(out).reduce((s, [k, v]) => s + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  while (size() > LIMIT) {
    const [key, list] = [...Object.entries(out)]
      .map(([k, v]) => [k, JSON.parse(v) as unknown[]] as const)
      .sort((a, b) => b[1].length - a[1].length)[0] ?? ['', []];
    if (list.length <= 1) break;
    out[key] = JSON.stringify(list.slice(1));
  }
  return out;
}

/** Reading and replacing one ConfigMap; `replace` throws ConfigMapConflict on a 409 (someone wrote in between). */
export interface ConfigMapAccess {
  readonly where: string;
  get(): Promise<{ data?: Record<string, string>; metadata: Record<string, unknown> } | undefined>;
  replace(obj: { data: Record<string, string>; metadata: Record<string, unknown> }): Promise<void>;
}

export class ConfigMapConflict extends Error {}

/** Read, merge and update the ConfigMap; a conflicting writer is retried from a fresh read. */
export async function appendToConfigMap(
  cm: ConfigMapAccess,
  results: readonly RunResult[],
  options: { keep?: number; now?: number } = {},
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const current = await cm.get();
    if (!current)
      throw new InfrastructureError(
        `ConfigMap ${cm.where} does not exist; apply the manifests of \`gameday schedule --results configmap\` first.`,
      );
    const data = mergeResults(current.data ?? {}, results, options);
    try {
      await cm.replace({ ...current, data });
      return;
    } catch (err) {
      if (!(err instanceof ConfigMapConflict) || attempt >= 5) throw err;
    }
  }
}

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * The ConfigMap `<namespace>/<name>` (or `<name>` in the pod's own namespace) through the pod's
 * ServiceAccount: `gameday run --results-configmap` inside the scheduled Job.
 */
export async function inClusterConfigMap(ref: string): Promise<ConfigMapAccess> {
  const { CoreV1Api, KubeConfig, ApiException } = await import('@kubernetes/client-node');
  const slash = ref.indexOf('/');
  const namespace =
    slash >= 0 ? ref.slice(0, slash) : (await readFile(SA_NAMESPACE_FILE, 'utf8').catch(() => 'default')).trim();
  const name = slash >= 0 ? ref.slice(slash + 1) : ref;
  const kc = new KubeConfig();
  kc.loadFromCluster();
  const core = kc.makeApiClient(CoreV1Api);
  const where = `${namespace}/${name}`;
  const status = (err: unknown): number | undefined => (err instanceof ApiException ? err.code : undefined);
  return {
    where,
    async get() {
      try {
        const cm = await core.readNamespacedConfigMap({ name, namespace });
        return JSON.parse(JSON.stringify(cm)) as { data?: Record<string, string>; metadata: Record<string, unknown> };
      } catch (err) {
        if (status(err) === 404) return undefined;
        throw new InfrastructureError(`Could not read ConfigMap ${where}: ${errorMessage(err)}`, { cause: err });
      }
    },
    async replace(obj) {
      try {
        await core.replaceNamespacedConfigMap({ name, namespace, body: obj });
      } catch (err) {
        if (status(err) === 409) throw new ConfigMapConflict(where);
        throw new InfrastructureError(`Could not update ConfigMap ${where}: ${errorMessage(err)}`, { cause: err });
      }
    },
  };
}
