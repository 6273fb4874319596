import { expect } from 'chai';
import type { PluginContext } from '../../src/kit/plugin.js';
import { InvalidInputError } from '../../src/errors.js';
import { nextPorts, patchService } from '../../src/recovery/patch-service.js';
import type { SimTarget } from '../../src/targets/sim/sim-target.js';
import { simContext } from './sim-context.js';

describe('patch-service', () => {
  it('sets the target port of the port named, or of the first port', () => {
    const ports = [
      { name: 'a', port: 3306, targetPort: 3306 },
      { name: 'b', port: 9104, targetPort: 9104 },
    ];
    expect(nextPorts(ports, { targetPort: 3307 }, 'svc')).to.deep.equal([
      { name: 'a', port: 3306, targetPort: 3307 },
      ports[1],
    ]);
    expect(nextPorts(ports, { port: 9104, targetPort: 'metrics' }, 'svc')[1]).to.deep.equal({
      name: 'b',
      port: 9104,
      targetPort: 'metrics',
    });
    expect(() => nextPorts(ports, { port: 80, targetPort: 8080 }, 'svc')).to.throw(
      InvalidInputError,
      'its ports are: 3306, 9104',
    );
  });

  describe('on the simulator', () => {
    let ctx: PluginContext;
    let target: SimTarget;
    before(async () => ({ ctx, target } = await simContext('paas')));
    after(() => target.close());

    it("switches the MySQL Service to the slave's pod and port 3307, and back (S1)", async () => {
      const podName = 'statefulset.kubernetes.io/pod-name';
      await patchService.run(ctx, {
        namespace: 'container-service',
        service: 'mysql',
        selector: { [podName]: 'mysql-1' },
        targetPort: 3307,
      });
      const spec = async (): Promise<{
        selector?: Record<string, string>;
        ports: { port: number; targetPort: number }[];
      }> =>
        (await ctx.kube.get('services', 'mysql', 'container-service'))?.spec as {
          selector?: Record<string, string>;
          ports: { port: number; targetPort: number }[];
        };
      let svc = await spec();
      expect(svc.selector).to.deep.equal({ app: 'mysql', [podName]: 'mysql-1' });
      expect(svc.ports[0]).to.include({ port: 3306, targetPort: 3307 });
      await patchService.run(ctx, {
        namespace: 'container-service',
        service: 'mysql',
        selector: { [podName]: null },
        targetPort: 3306,
      });
      svc = await spec();
      expect(svc.selector).to.deep.equal({ app: 'mysql' });
      expect(svc.ports[0]?.targetPort).to.equal(3306);
    });

    it('names the Service that does not exist', async () => {
      try {
        await patchService.run(ctx, { namespace: 'container-service', service: 'nope', targetPort: 1 });
        expect.fail('patched a missing Service');
      } catch (err) {
        expect((err as Error).message).to.equal('paas: Service container-service/nope does not exist.');
      }
    });
  });
});
