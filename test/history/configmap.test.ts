import { expect } from 'chai';
import {
  appendToConfigMap,
  ConfigMapConflict,
  mergeResults,
  type ConfigMapAccess,
} from '../../src/history/configmap.js';
import { InfrastructureError } from '../../src/errors.js';
import { MONDAY, WEEK, drillRun } from './fixtures.js';

function fakeConfigMap(
  initial: Record<string, string> | undefined,
  conflicts = 0,
): ConfigMapAccess & { data(): Record<string, string> | undefined; writes: number } {
  let data = initial;
  let left = conflicts;
  const fake = {
    where: 'gameday/gameday-results',
    writes: 0,
    data: () => data,
    get() {
      return Promise.resolve(
        data === undefined
          ? undefined
          : { metadata: { name: 'gameday-results', resourceVersion: String(fake.writes) }, data: { ...data } },
      );
    },
    replace(obj: { data: Record<string, string> }) {
      if (left-- > 0) return Promise.reject(new ConfigMapConflict('conflict'));
      fake.writes++;
      data = obj.data;
      return Promise.resolve();
    },
  };
  return fake;
}

describe('results in a ConfigMap', () => {
  it('keeps one key per drill with its last runs, oldest first, without actions, timeline and probes', () => {
    let data: Record<string, string> = {};
    for (let i = 0; i < 4; i++)
      data = mergeResults(data, [drillRun({ ready: (i + 1) * 1000 })], { keep: 3, now: MONDAY + i * WEEK });
    data = mergeResults(data, [drillRun({ id: 'd6-kubelet-stopped' })], { now: MONDAY });
    expect(Object.keys(data).sort()).to.deep.equal(['d1-host-crash.json', 'd6-kubelet-stopped.json']);
    const d1 = JSON.parse(data['d1-host-crash.json'] as string) as Record<string, unknown>[];
    expect(d1.map((r) => (r['timings'] as { timeToReady: number }).timeToReady)).to.deep.equal([2000, 3000, 4000]);
    expect(d1[0]).to.not.have.any.keys('actions', 'timeline', 'probes');
    expect(d1[0]?.['recordedAt']).to.equal(MONDAY + WEEK);
  });

  it('retries an update that lost a race, from a fresh read', async () => {
    const cm = fakeConfigMap({}, 2);
    await appendToConfigMap(cm, [drillRun()], { now: MONDAY });
    expect(cm.writes).to.equal(1);
    expect(Object.keys(cm.data() ?? {})).to.deep.equal(['d1-host-crash.json']);
  });

  it('says to apply the schedule manifests when the ConfigMap is missing', async () => {
    try {
      await appendToConfigMap(fakeConfigMap(undefined), [drillRun()]);
      expect.fail('expected an error');
    } catch (err) {
      expect(err).to.be.instanceOf(InfrastructureError);
      expect((err as Error).message).to.equal(
        'ConfigMap gameday/gameday-results does not exist; apply the manifests of `gameday schedule --results configmap` first.',
      );
    }
  });
});
