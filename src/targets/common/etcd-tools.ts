import { MissingDependencyError } from '../../errors.js';

/**
 * Which etcd command-line tools a cluster's etcd needs, from `etcdctl version`:
 *
 * - etcd 3.4: etcdctl does everything; there is no etcdutl.
 * - etcd 3.5: `etcdctl snapshot restore` and `snapshot status` still work but are deprecated for etcdutl
 *   (etcd's disaster-recovery guide for v3.5 uses `etcdutl snapshot restore`).
 * - etcd 3.6 (Kubernetes 1.34): etcdctl's `snapshot` has only `save`; `etcdctl snapshot status x` prints
 *   the `snapshot` help and exits 0, `etcdctl snapshot restore x --data-dir d` fails with
 *   "Error: unknown flag: --data-dir". Only etcdutl reads or restores a snapshot file.
 *
 * Learners (`member add --learner`, `member promote`) exist since 3.4; kubeadm joins members as learners
 * and promotes them (EtcdLearnerMode, on by default since Kubernetes 1.29).
 */
export interface EtcdTools {
  /** etcdctl's version, e.g. "3.5.16". */
  version: string;
  major: number;
  minor: number;
  /** What reads and restores snapshot files. */
  fileTool: 'etcdutl' | 'etcdctl';
  learners: boolean;
}

/** `etcdctl version` / `etcdutl version`: "etcdctl version: 3.5.16\nAPI version: 3.5". */
export function parseToolVersion(stdout: string): string | undefined {
  return /(?:etcdctl|etcdutl) version:\s*v?(\d+\.\d+\.\d+\S*)/.exec(stdout)?.[1];
}

export function toolsFor(version: string): EtcdTools {
  const [major = 0, minor = 0] = version.split('.').map((n) => Number.parseInt(n, 10));
  const atLeast = (ma: number, mi: number): boolean => major > ma || (major === ma && minor >= mi);
  return { version, major, minor, fileTool: atLeast(3, 5) ? 'etcdutl' : 'etcdctl', learners: atLeast(3, 4) };
}

/**
 * The etcd version an image reference carries in its tag ("registry.k8s.io/etcd:3.5.16-0",
 * "registry.local:5000/etcd:3.6.1-0@sha256:..."), read from the tag only: a registry port is not a version.
 */
export function imageEtcdVersion(image: string): string | undefined {
  const name = image.split('@')[0] ?? '';
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  const colon = lastPart.indexOf(':');
  if (colon < 0) return undefined;
  return /^v?(\d+\.\d+\.\d+)/.exec(lastPart.slice(colon + 1))?.[1];
}

export function missingTool(tool: string, where: string, version: string, fix: string): MissingDependencyError {
  return new MissingDependencyError(
    `${tool} is not on ${where}, and etcd ${version} needs it: ${tool === 'etcdutl' ? 'etcd 3.6 removed `etcdctl snapshot restore` and `snapshot status` (3.5 deprecated them)' : 'every etcd procedure runs it'}. ${fix}`,
  );
}
