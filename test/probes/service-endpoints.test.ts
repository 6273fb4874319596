import { expect } from 'chai';
import { serviceEndpoints } from '../../src/probes/service-endpoints.js';
import { simHarness, type SimHarness } from '../kit/sim-context.js';

describe('service-endpoints probe (on the simulator)', function () {
  this.timeout(60_000);
  let h: SimHarness;

  beforeEach(async () => {
    h = await simHarness('control');
  });
  afterEach(async () => {
    await h.close();
  });

  it('counts the ready backends of a Service and sees them go when the workload scales to zero', async () => {
    const svc = { namespace: 'gateway-system', service: 'gateway-proxy' };
    const up = await serviceEndpoints.start(h.ctx, { ...svc, minReady: 2 });
    const down = await serviceEndpoints.start(h.ctx, { ...svc, minReady: 2, ready: false });
    await h.until(up);
    expect(up.evaluate().observed).to.match(/^service gateway-system\/gateway-proxy: 2 ready \(10\.244\.\d+\.\d+, /);
    expect(down.evaluate().ok).to.equal(false);
    await h.ctx.kube.scale('deployments', 'gateway-system', 'gateway-proxy', 0);
    await h.until(down);
    expect(up.evaluate()).to.deep.include({ ok: false });
    // Terminating pods stay in the slices, not ready, until they are gone.
    expect(up.evaluate().observed).to.match(/: 0 ready, \d not ready/);
    await h.ctx.kube.scale('deployments', 'gateway-system', 'gateway-proxy', 2);
    await h.until(up);
    up.stop();
    down.stop();
  });

  it('sees a Service whose selector no longer matches its pods lose every backend', async () => {
    const probe = await serviceEndpoints.start(h.ctx, { namespace: 'monitoring', service: 'alertmanager' });
    await h.until(probe);
    await h.ctx.kube.patch(
      'services',
      'alertmanager',
      { spec: { selector: { app: 'alertmanager-typo' } } },
      { namespace: 'monitoring', type: 'merge' },
    );
    await h.until(probe, false);
    expect(probe.evaluate().observed).to.equal('service monitoring/alertmanager: 0 ready, 0 not ready');
    probe.stop();
  });
});
