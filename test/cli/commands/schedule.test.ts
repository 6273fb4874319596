import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runSchedule } from '../../../src/cli/commands/schedule.js';
import { ExperimentValidationError } from '../../../src/experiment/errors.js';
import { checkManifests } from '../../../src/schedule/k8s-schema.js';
import { IN_CLUSTER_PROFILE_TEXT, hostCrash, scaleOnly } from '../../schedule/experiments.js';

describe('gameday schedule', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fsp.mkdtemp(join(tmpdir(), 'gameday-schedule-'));
    for (const l of [hostCrash, scaleOnly])
      await fsp.writeFile(join(dir, `${l.experiment.id}.json`), JSON.stringify(l.experiment, null, 2));
    profile = join(tmpdir(), `gameday-schedule-profile-${process.pid}.json`);
    await fsp.writeFile(profile, IN_CLUSTER_PROFILE_TEXT);
  });
  let profile: string;
  afterEach(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('writes the manifests for a directory of experiments to -o and says how to apply them', async () => {
    const output = join(dir, 'gameday.yaml');
    const warnings: string[] = [];
    let printed = '';
    const code = await runSchedule(
      {
        paths: [dir],
        output,
        cron: '0 3 * * 1',
        namespace: 'gameday',
        image: 'registry.example/gameday:0.1.0',
        target: 'lab',
        results: 'pvc',
        profile,
      },
      { out: (t) => (printed += t), warn: (l) => warnings.push(l) },
    );
    expect(code).to.equal(0);
    expect(printed).to.equal('');
    const docs = parseAllDocuments(await fsp.readFile(output, 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
    expect(docs.map((d) => d['kind'])).to.include.members([
      'Namespace',
      'ServiceAccount',
      'ClusterRole',
      'ConfigMap',
      'CronJob',
      'PersistentVolumeClaim',
    ]);
    expect(checkManifests(docs)).to.deep.equal([]);
    expect(warnings.some((w) => w.includes('the Roles for gateway-system need that namespace to exist'))).to.equal(
      true,
    );
    expect(warnings[warnings.length - 1]).to.equal(
      `gameday: wrote ${docs.length} manifests (${docs.map((d) => String(d['kind'])).join(', ')}) for 2 experiments to ${output}; apply with: kubectl apply -f ${output}`,
    );
  });

  it('prints the YAML when no -o is given', async () => {
    let printed = '';
    await runSchedule(
      {
        paths: [join(dir, 'd1-host-crash.json')],
        cron: '@daily',
        namespace: 'drills',
        image: 'gameday:0.1.0',
        target: 'sim',
        results: 'pvc',
      },
      { out: (t) => (printed += t), warn: () => {} },
    );
    expect(printed.startsWith('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: drills\n')).to.equal(true);
  });

  it('refuses an invalid experiment before writing anything', async () => {
    await fsp.writeFile(join(dir, 'broken.json'), '{"id": "broken"}');
    const output = join(dir, 'out.yaml');
    try {
      await runSchedule(
        {
          paths: [dir],
          output,
          cron: '0 3 * * 1',
          namespace: 'gameday',
          image: 'gameday:0.1.0',
          target: 'lab',
          results: 'pvc',
        },
        { out: () => {}, warn: () => {} },
      );
      expect.fail('expected a validation error');
    } catch (err) {
      expect(err).to.be.instanceOf(ExperimentValidationError);
    }
    expect(await fsp.stat(output).catch(() => undefined)).to.equal(undefined);
  });
});
