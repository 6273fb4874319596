import { nodeArg, nodesInWords } from '../kit/describe.js';
import { FROM_FAULTS, nodeStep, type NodeStepParams } from '../kit/node-step.js';

export interface CleanLogsParams extends NodeStepParams {
  path?: string;
  namespace?: string;
  pod?: string;
}

const TOMCAT_LOGS = '/usr/local/tomcat/logs';

/** D3 disk: the runbook truncates Tomcat's log files (`echo '' > <log>`), inside the pod or on the host mount. */
export const cleanLogs = nodeStep<CleanLogsParams>({
  name: 'clean-logs',
  summary:
    "Truncate the application log files filling a node's disk (the runbook's echo '' > <log> under /usr/local/tomcat/logs).",
  params: {
    path: { type: 'string', minLength: 1, description: `The log directory. Default "${TOMCAT_LOGS}".` },
    namespace: {
      type: 'string',
      minLength: 1,
      description: 'Namespace of the pod whose logs are cleaned, for the commands shown.',
    },
    pod: { type: 'string', minLength: 1, description: 'The pod whose logs are cleaned, for the commands shown.' },
  },
  // The target truncates the files that filled the disk: the same effect as the runbook's commands.
  each: (ctx, node) => ctx.nodes.relieve(node, 'disk'),
  describe: (p) => {
    const dir = p.path ?? TOMCAT_LOGS;
    const pod = p.pod ?? '${pod_name}';
    const ns = p.namespace ?? '${namespace}';
    return `Clean the logs filling ${nodesInWords(p.nodes, FROM_FAULTS)}: \`kubectl exec -it ${pod} -n ${ns} -- bash\`, \`cd ${dir}\`, \`echo '' > \${log_name}.log\` for each log (or the same in the mounted log directory on ${nodeArg(p.nodes, FROM_FAULTS)}).`;
  },
});
