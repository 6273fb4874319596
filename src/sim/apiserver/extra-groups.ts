/**
 * The API groups served beside the stored resources (extra-apis.ts serves them), for discovery.
 */
export interface ExtraResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
}

export interface ExtraGroup {
  group: string;
  version: string;
  resources: ExtraResource[];
}

export const EXTRA_GROUPS: ExtraGroup[] = [
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    resources: [
      { name: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false, verbs: ['create'] },
      { name: 'tokenreviews', kind: 'TokenReview', namespaced: false, verbs: ['create'] },
    ],
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    resources: [
      { name: 'localsubjectaccessreviews', kind: 'LocalSubjectAccessReview', namespaced: true, verbs: ['create'] },
      { name: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: ['create'] },
      { name: 'selfsubjectrulesreviews', kind: 'SelfSubjectRulesReview', namespaced: false, verbs: ['create'] },
      { name: 'subjectaccessreviews', kind: 'SubjectAccessReview', namespaced: false, verbs: ['create'] },
    ],
  },
  {
    group: 'metrics.k8s.io',
    version: 'v1beta1',
    resources: [
      { name: 'nodes', kind: 'NodeMetrics', namespaced: false, verbs: ['get', 'list'] },
      { name: 'pods', kind: 'PodMetrics', namespaced: true, verbs: ['get', 'list'] },
    ],
  },
];
