import { promises as fsp } from 'node:fs';
import { text } from '../option-text.js';
import type { Argv } from 'yargs';
import { InvalidInputError, errorMessage } from '../../errors.js';
import { loadExperiments } from '../../experiment/load.js';
import { defaultRegistries } from '../../experiment/registries.js';
import type { Registries } from '../../experiment/schema.js';
import { checkManifests } from '../../schedule/k8s-schema.js';
import { buildManifests, renderManifests, type ScheduleOptions } from '../../schedule/manifests.js';
import type { TargetKind } from '../../targets/target.js';
import type { CommandModule } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { parseSeed } from '../seed-option.js';

export interface ScheduleRequest extends ScheduleOptions {
  paths: string[];
  /** Write the YAML here; stdout when absent. */
  output?: string;
  /** Lab profile file to ship with the experiments. */
  profile?: string;
}

export interface ScheduleIo {
  out: (text: string) => void;
  warn: (line: string) => void;
}

/** Loads the experiments, builds and checks the manifests, writes them; returns the exit code. */
export async function runSchedule(
  req: ScheduleRequest,
  io: ScheduleIo,
  registries: Registries = defaultRegistries,
): Promise<number> {
  const loaded = await loadExperiments(req.paths, registries);
  const options: ScheduleOptions = { ...req };
  if (req.profile) {
    let text: string;
    try {
      text = await fsp.readFile(req.profile, 'utf8');
    } catch (err) {
      throw new InvalidInputError(`--profile ${req.profile}: ${errorMessage(err)}`);
    }
    options.labProfile = { file: req.profile, text };
  }
  const built = buildManifests(loaded, options, registries);
  // The manifests are ours: one failing its kind's schema is a bug here, not the user's mistake.
  const problems = checkManifests(built.docs);
  if (problems.length > 0)
    throw new Error(`the generated manifests do not match the Kubernetes schemas:\n  ${problems.join('\n  ')}`);
  for (const u of built.unknownTypes) {
    io.warn(
      `gameday: no RBAC entry for ${u.kind} type "${u.type}" (in ${u.experiment}); it gets read-only access. Add it to src/schedule/rbac.ts if it changes anything.`,
    );
  }
  for (const note of built.notes) io.warn(`gameday: ${note}`);
  const yaml = renderManifests(built.docs);
  if (req.output) {
    await fsp.writeFile(req.output, yaml);
    const kinds = built.docs.map((d) => String(d['kind']));
    io.warn(
      `gameday: wrote ${kinds.length} manifests (${kinds.join(', ')}) for ${built.scheduled.length} ${built.scheduled.length === 1 ? 'experiment' : 'experiments'} to ${req.output}; apply with: kubectl apply -f ${req.output}`,
    );
  } else {
    io.out(yaml);
  }
  return EXIT.ok;
}

export const schedule: CommandModule = {
  command: 'schedule <paths..>',
  describe:
    'Write Kubernetes manifests (Namespace, least-privilege RBAC, ConfigMap, CronJob, results volume) that run experiments in-cluster on a cron schedule',
  builder: (y: Argv) =>
    y
      .positional('paths', { type: 'string', array: true, describe: 'Experiment files, directories or globs' })
      .option('cron', {
        type: 'string',
        demandOption: true,
        describe: 'Five-field cron schedule, e.g. "0 3 * * 1" (Mondays 03:00), or @daily',
      })
      .option('time-zone', {
        type: 'string',
        describe: 'IANA time zone of the schedule (CronJob timeZone), e.g. Europe/Berlin',
      })
      .option('namespace', { type: 'string', default: 'gameday', describe: 'Namespace the CronJob runs in (created)' })
      .option('image', {
        type: 'string',
        default: 'gameday:0.1.0',
        describe: 'gameday container image (see the Dockerfile)',
      })
      .option('target', {
        choices: ['sim', 'kind', 'lab'] as const,
        default: 'lab' as const,
        describe:
          'What the scheduled drills run against; lab: the cluster the job runs in (needs --profile); kind cannot run in a pod',
      })
      .option('results', {
        choices: ['pvc', 'configmap'] as const,
        default: 'pvc' as const,
        describe: 'Keep results on a PersistentVolumeClaim, or the last runs in a ConfigMap',
      })
      .option('name', {
        type: 'string',
        default: 'gameday',
        describe: 'Name of the CronJob and prefix of the other objects',
      })
      .option('storage', { type: 'string', default: '1Gi', describe: 'Size of the results volume' })
      .option('storage-class', {
        type: 'string',
        describe: 'StorageClass of the results volume (default: the cluster default)',
      })
      .option('gate', {
        type: 'boolean',
        describe: 'Fail the job when recovery got slower than the history (default: on with --results pvc)',
      })
      .option('pushgateway', { type: 'string', describe: 'Push metrics to this Pushgateway after each run' })
      .option('cluster', {
        type: 'string',
        describe: 'Name of this cluster in the pushed metrics (instance); needed with --pushgateway',
      })
      .option('profile', {
        type: 'string',
        describe: 'Lab profile (JSON) to ship with the experiments, for --target lab',
      })
      .option('secret', {
        type: 'string',
        describe: 'Secret with ssh keys and etcd certificates, mounted read-only at /etc/gameday/secrets',
      })
      .option('seed', { coerce: parseSeed, describe: 'Seed for the scheduled runs' })
      .option('output', { alias: 'o', type: 'string', describe: 'Write the YAML to this file instead of stdout' }),
  handler: async (args) => {
    if (args.pushgateway !== undefined && args.cluster === undefined) {
      throw new InvalidInputError(
        '--pushgateway needs --cluster <name>: every cluster of the fleet pushes under its own instance.',
      );
    }
    const req: ScheduleRequest = {
      paths: args.paths as string[],
      cron: String(args.cron),
      namespace: String(args.namespace),
      image: String(args.image),
      target: args.target as TargetKind,
      results: args.results as 'pvc' | 'configmap',
      name: String(args.name),
      storage: String(args.storage),
      ...(text(args.timeZone) !== undefined ? { timeZone: text(args.timeZone) as string } : {}),
      ...(text(args.storageClass) !== undefined ? { storageClass: text(args.storageClass) as string } : {}),
      ...(args.gate !== undefined ? { gate: Boolean(args.gate) } : {}),
      ...(text(args.pushgateway) !== undefined
        ? { pushgateway: text(args.pushgateway) as string, cluster: text(args.cluster) as string }
        : {}),
      ...(text(args.profile) !== undefined ? { profile: text(args.profile) as string } : {}),
      ...(text(args.secret) !== undefined ? { secret: text(args.secret) as string } : {}),
      ...(args.seed !== undefined ? { seed: Number(args.seed) } : {}),
      ...(text(args.output) !== undefined ? { output: text(args.output) as string } : {}),
    };
    return runSchedule(req, { out: (t) => process.stdout.write(t), warn: (l) => process.stderr.write(`${l}\n`) });
  },
};
