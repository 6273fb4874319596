import { expect } from 'chai';
import type { PluginContext } from '../../src/kit/plugin.js';
import { InvalidInputError } from '../../src/errors.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { rolloutUndo, undoTemplate } from '../../src/recovery/rollout-undo.js';
import { breakImage } from '../../src/faults/break-image.js';
import type { SimTarget } from '../../src/targets/sim/sim-target.js';
import { simContext } from './sim-context.js';

const REVISION = 'deployment.kubernetes.io/revision';
const deployment = (revision: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'business', uid: 'd1', annotations: { [REVISION]: String(revision) } },
});
const rs = (revision: number, image: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: {
    name: `web-${revision}`,
    namespace: 'business',
    annotations: { [REVISION]: String(revision) },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1' }],
  },
  spec: {
    template: {
      metadata: { labels: { app: 'web', 'pod-template-hash': `h${revision}` } },
      spec: { containers: [{ name: 'app', image }] },
    },
  },
});

describe('rollout-undo', () => {
  it("puts back the newest older revision's template without its pod-template-hash", () => {
    const out = undoTemplate(deployment(3), [rs(1, 'v1'), rs(3, 'broken'), rs(2, 'v2')]);
    expect(out.revision).to.equal(2);
    expect(out.template).to.deep.equal({
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'v2' }] },
    });
    expect(undoTemplate(deployment(3), [rs(1, 'v1'), rs(3, 'broken')], 1).revision).to.equal(1);
  });

  it('says when there is no revision to go back to', () => {
    expect(() => undoTemplate(deployment(1), [rs(1, 'v1')])).to.throw(InvalidInputError, 'no previous revision');
    expect(() => undoTemplate(deployment(2), [rs(1, 'v1'), rs(2, 'v2')], 7)).to.throw(
      InvalidInputError,
      'no revision 7',
    );
  });

  describe('on the simulator', () => {
    let ctx: PluginContext;
    let target: SimTarget;
    before(async () => ({ ctx, target } = await simContext('business')));
    after(() => target.close());

    it('undoes a bad image: the Deployment gets its previous image back and rolls to it', async () => {
      const workload = { namespace: 'business', kind: 'Deployment' as const, name: 'portal-web' };
      const plan = await breakImage.plan(ctx, { workload });
      await breakImage.inject(ctx, { workload }, plan);
      await target.clock.sleep(30_000);
      await rolloutUndo.run(ctx, { workload });
      await target.clock.sleep(30_000);
      const d = (await ctx.kube.get('deployments', 'portal-web', 'business')) as unknown as {
        spec: { template: { spec: { containers: { image: string }[] } } };
        status: { availableReplicas?: number; updatedReplicas?: number };
      };
      expect(d.spec.template.spec.containers[0]?.image).to.equal('hub.qingzhou.io/business/portal-web:2.4.1');
      expect(d.status.availableReplicas).to.equal(2);
      expect(d.status.updatedReplicas).to.equal(2);
    });
  });
});
