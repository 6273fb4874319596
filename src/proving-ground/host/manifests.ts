import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';

export const MANIFEST_DIR = '/etc/kubernetes/manifests';

/** A static pod as the kubelet reads it from the manifest directory (its first container). */
export interface StaticPodManifest {
  file: string;
  /** metadata.name ("etcd"); the pod in the API is "<name>-<node>". */
  name: string;
  namespace: string;
  /** The kubelet's config hash: changes whenever the file's content does. */
  hash: string;
  container: string;
  image: string;
  /** command + args. */
  argv: string[];
  env: Record<string, string>;
  graceSeconds: number;
  /** hostPath volumes the kubelet must create (type DirectoryOrCreate). */
  createDirs: string[];
}

interface PodDoc {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    terminationGracePeriodSeconds?: number;
    containers?: {
      name?: string;
      image?: string;
      command?: string[];
      args?: string[];
      env?: { name?: string; value?: string }[];
    }[];
    volumes?: { hostPath?: { path?: string; type?: string } }[];
  };
}

/** Parse one manifest; undefined (and the reason) when it is not a pod the kubelet could run. */
export function parseManifest(file: string, text: string): StaticPodManifest | string {
  let doc: PodDoc;
  try {
    doc = parse(text) as PodDoc;
  } catch (err) {
    return `${file}: not YAML: ${(err as Error).message}`;
  }
  const c = doc?.spec?.containers?.[0];
  const name = doc?.metadata?.name;
  if (!name || !c?.name || !c.image) return `${file}: not a pod with a named container and an image`;
  // YAML reads `- 999` as a number; the container's command line is words.
  const argv = [...(c.command ?? []), ...(c.args ?? [])].map(String);
  if (argv.length === 0) return `${file}: the container has no command`;
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) if (e.name) env[e.name] = e.value ?? '';
  return {
    file,
    name,
    namespace: doc.metadata?.namespace ?? 'default',
    hash: createHash('sha256').update(text).digest('hex').slice(0, 32),
    container: c.name,
    image: c.image,
    argv,
    env,
    graceSeconds: doc.spec?.terminationGracePeriodSeconds ?? 30,
    createDirs: (doc.spec?.volumes ?? [])
      .filter((v) => v.hostPath?.type === 'DirectoryOrCreate' && v.hostPath.path)
      .map((v) => v.hostPath!.path!),
  };
}

/** Every manifest in the directory (the kubelet ignores files starting with a dot). */
export function readManifests(dir = MANIFEST_DIR): { pods: StaticPodManifest[]; errors: string[] } {
  const pods: StaticPodManifest[] = [];
  const errors: string[] = [];
  let files: string[] = [];
  try {
    files = readdirSync(dir)
      .filter((f) => !f.startsWith('.'))
      .sort();
  } catch {
    return { pods, errors };
  }
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(`${dir}/${f}`, 'utf8');
    } catch {
      continue;
    }
    const p = parseManifest(f, text);
    if (typeof p === 'string') errors.push(p);
    else pods.push(p);
  }
  return { pods, errors };
}

/** A flag's value in a command line (`--etcd-servers=a,b` or `--etcd-servers a,b`). */
export function flagValue(argv: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith(`${flag}=`)) return a.slice(flag.length + 1);
    if (a === flag) return argv[i + 1];
  }
  return undefined;
}
