import { expect } from 'chai';
import type { PluginContext } from '../../src/kit/plugin.js';
import { InvalidInputError } from '../../src/errors.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { applyManifest, resourceOf } from '../../src/recovery/apply-manifest.js';
import type { SimTarget } from '../../src/targets/sim/sim-target.js';
import { simContext } from './sim-context.js';

const configMap = (text: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'alertmanager-config', namespace: 'monitoring' },
  data: { 'config.yaml': text },
});

describe('apply-manifest', () => {
  it('finds the resource from apiVersion and kind, and refuses kinds it does not know', () => {
    expect(resourceOf(configMap(''))).to.equal('configmaps');
    expect(resourceOf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } })).to.equal('deployments');
    expect(() => resourceOf({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' } })).to.throw(
      InvalidInputError,
      'example.com/v1 Widget',
    );
  });

  describe('on the simulator', () => {
    let ctx: PluginContext;
    let target: SimTarget;
    before(async () => ({ ctx, target } = await simContext('control')));
    after(() => target.close());

    it('creates a missing object and replaces one that exists, as kubectl apply does', async () => {
      await ctx.kube.delete('configmaps', 'alertmanager-config', { namespace: 'monitoring' });
      await applyManifest.run(ctx, { manifest: configMap('route: {}\n') });
      expect((await ctx.kube.get('configmaps', 'alertmanager-config', 'monitoring'))?.data).to.deep.equal({
        'config.yaml': 'route: {}\n',
      });
      await applyManifest.run(ctx, { manifest: configMap('route: {receiver: ops}\n') });
      expect((await ctx.kube.get('configmaps', 'alertmanager-config', 'monitoring'))?.data).to.deep.equal({
        'config.yaml': 'route: {receiver: ops}\n',
      });
    });
  });
});
