/**
 * Reading and editing kubeadm's static-pod manifests the way an SRE does it on the host: flags are read
 * from the YAML text (`- --name=node1`), and changed with `sed -i` so that the action log shows the edit.
 */

/** The value of `--<flag>=` in a manifest's command list; undefined when absent. */
export function manifestFlag(text: string, flag: string): string | undefined {
  const m = new RegExp(`^\\s*-\\s+["']?--${flag}=([^\\s"']+)`, 'm').exec(text);
  return m?.[1];
}

/** The container image of a manifest (the first `image:` line). */
export function manifestImage(text: string): string | undefined {
  return /^\s*image:\s*["']?([^\s"']+)/m.exec(text)?.[1];
}

/** sed expressions setting `--<flag>=<value>` where the flag is (it must be there already). */
export function setFlag(flag: string, value: string): string[] {
  return ['-e', `s#^\\(\\s*- --${flag}=\\).*#\\1${value}#`];
}

/**
 * sed expressions setting --initial-cluster and making the member join an existing cluster
 * (--initial-cluster-state=existing, added after --initial-cluster when it was absent).
 */
export function joinExisting(initialCluster: string): string[] {
  return [
    ...setFlag('initial-cluster', initialCluster),
    '-e',
    '/--initial-cluster-state=/d',
    '-e',
    's#^\\(\\s*\\)- --initial-cluster=.*#&\\n\\1- --initial-cluster-state=existing#',
  ];
}
