import { defaultPodSpec } from './defaults.js';

/**
 * batch/v1 defaults (pkg/apis/batch/v1/defaults.go) and what the Job strategy adds on create: a selector of
 * the Job's own uid and the matching labels on its pod template (generateSelector), so that its pods are
 * its alone. Everything here mutates its argument.
 */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';

export function defaultJob(job: Record<string, any>, isNew: boolean, uid: () => string): void {
  const spec = (job.spec ??= {});
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy !== undefined ? 'Failed' : 'TerminatingOrFailed';
  const template = (spec.template ??= {});
  template.spec ??= {};
  defaultPodSpec(template.spec);
  if (isNew && spec.manualSelector !== true) {
    job.metadata.uid ??= uid();
    const labels = (template.metadata ??= {}).labels ?? {};
    template.metadata.labels = {
      ...labels,
      'job-name': labels['job-name'] ?? job.metadata.name,
      [JOB_NAME_LABEL]: labels[JOB_NAME_LABEL] ?? job.metadata.name,
      'controller-uid': labels['controller-uid'] ?? job.metadata.uid,
      [CONTROLLER_UID_LABEL]: labels[CONTROLLER_UID_LABEL] ?? job.metadata.uid,
    };
    const selector = (spec.selector ??= {});
    selector.matchLabels = { [CONTROLLER_UID_LABEL]: job.metadata.uid, ...selector.matchLabels };
  }
  // SetDefaults_Job gives a Job without labels its template's labels (on every decode, so the generated ones too).
  if (Object.keys(job.metadata.labels ?? {}).length === 0 && template.metadata?.labels)
    job.metadata.labels = { ...template.metadata.labels };
}

export function defaultCronJob(cronJob: Record<string, any>): void {
  const spec = (cronJob.spec ??= {});
  spec.concurrencyPolicy ??= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  const podSpec = spec.jobTemplate?.spec?.template?.spec;
  if (podSpec) defaultPodSpec(podSpec);
}
