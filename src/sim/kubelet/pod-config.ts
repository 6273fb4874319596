import type { KubeObject } from '../../kube/objects.js';
import type { ContainerSpec } from './container-behaviour.js';

/** Looks up a ConfigMap or Secret as the kubelet sees it through the apiserver. */
export type ConfigLookup = (
  resource: 'configmaps' | 'secrets',
  namespace: string,
  name: string,
) => KubeObject | undefined;

interface VolumeSpec {
  name: string;
  configMap?: { name?: string; optional?: boolean };
  secret?: { secretName?: string; optional?: boolean };
  projected?: {
    sources?: { configMap?: { name?: string; optional?: boolean }; secret?: { name?: string; optional?: boolean } }[];
  };
}

/** The first volume that cannot be mounted, worded as the kubelet's FailedMount event words it. */
export function missingVolume(pod: KubeObject, lookup: ConfigLookup): { volume: string; message: string } | undefined {
  const ns = pod.metadata.namespace ?? 'default';
  for (const v of (pod.spec?.volumes ?? []) as VolumeSpec[]) {
    const refs: { kind: 'configmap' | 'secret'; name: string }[] = [];
    if (v.configMap?.name && !v.configMap.optional) refs.push({ kind: 'configmap', name: v.configMap.name });
    if (v.secret?.secretName && !v.secret.optional) refs.push({ kind: 'secret', name: v.secret.secretName });
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name && !s.configMap.optional) refs.push({ kind: 'configmap', name: s.configMap.name });
      if (s.secret?.name && !s.secret.optional) refs.push({ kind: 'secret', name: s.secret.name });
    }
    for (const r of refs) {
      if (!lookup(r.kind === 'configmap' ? 'configmaps' : 'secrets', ns, r.name)) {
        return {
          volume: v.name,
          message: `MountVolume.SetUp failed for volume "${v.name}" : ${r.kind} "${r.name}" not found`,
        };
      }
    }
  }
  return undefined;
}

/** Why a container's environment cannot be built (CreateContainerConfigError), or undefined. */
export function missingEnv(pod: KubeObject, c: ContainerSpec, lookup: ConfigLookup): string | undefined {
  const ns = pod.metadata.namespace ?? 'default';
  for (const e of c.envFrom ?? []) {
    if (e.configMapRef && !e.configMapRef.optional && !lookup('configmaps', ns, e.configMapRef.name)) {
      return `configmap "${e.configMapRef.name}" not found`;
    }
    if (e.secretRef && !e.secretRef.optional && !lookup('secrets', ns, e.secretRef.name)) {
      return `secret "${e.secretRef.name}" not found`;
    }
  }
  for (const e of c.env ?? []) {
    const cm = e.valueFrom?.configMapKeyRef;
    if (cm?.name && !cm.optional) {
      const obj = lookup('configmaps', ns, cm.name);
      if (!obj) return `configmap "${cm.name}" not found`;
      const data = {
        ...(obj.data as Record<string, string> | undefined),
        ...(obj.binaryData as Record<string, string> | undefined),
      };
      if (cm.key && !(cm.key in data)) return `couldn't find key ${cm.key} in ConfigMap ${ns}/${cm.name}`;
    }
    const sec = e.valueFrom?.secretKeyRef;
    if (sec?.name && !sec.optional) {
      const obj = lookup('secrets', ns, sec.name);
      if (!obj) return `secret "${sec.name}" not found`;
      const data = {
        ...(obj.data as Record<string, string> | undefined),
        ...(obj.stringData as Record<string, string> | undefined),
      };
      if (sec.key && !(sec.key in data)) return `couldn't find key ${sec.key} in Secret ${ns}/${sec.name}`;
    }
  }
  return undefined;
}

/** imagePullSecrets the pod names that do not exist. */
export function missingPullSecrets(pod: KubeObject, lookup: ConfigLookup): string[] {
  const ns = pod.metadata.namespace ?? 'default';
  return ((pod.spec?.imagePullSecrets ?? []) as { name?: string }[])
    .map((s) => s.name ?? '')
    .filter((n) => n && !lookup('secrets', ns, n));
}
