import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { VirtualClock, VIRTUAL_EPOCH } from '../../src/engine/clock.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { AlertRules, watchAlerts, type AlertEvent, type AlertSources } from '../../src/practice/alerts.js';
import { WebhookNotifier, postWebhook, redact } from '../../src/practice/webhook.js';
import { InfrastructureError } from '../../src/errors.js';
import { FakeInformer } from './fake-informer.js';
import { nodeObject, podObject } from './fake-kube.js';

function deployment(ns: string, name: string, replicas: number, available: number): KubeObject {
  return {
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: { replicas },
    status: { availableReplicas: available },
  };
}

function sources(o: Partial<Record<'nodes' | 'deployments' | 'statefulsets' | 'pods', KubeObject[]>>): AlertSources {
  return {
    nodes: () => o.nodes ?? [],
    deployments: () => o.deployments ?? [],
    statefulsets: () => o.statefulsets ?? [],
    pods: () => o.pods ?? [],
  };
}

const texts = (events: AlertEvent[]): string[] => events.map((e) => `${e.type}: ${e.alert.text}`);

describe('practice alert rules', () => {
  it('fires "Node <n> is NotReady" once while the node stays NotReady, and resolves when it is Ready', () => {
    const rules = new AlertRules();
    rules.baseline(sources({ nodes: [nodeObject('10.128.38.8')] }), 0);
    const down = sources({ nodes: [nodeObject('10.128.38.8', { ready: 'Unknown' })] });
    expect(texts(rules.evaluate(down, 1000))).to.deep.equal(['firing: Node 10.128.38.8 is NotReady']);
    expect(rules.evaluate(down, 2000)).to.deep.equal([]);
    const up = rules.evaluate(sources({ nodes: [nodeObject('10.128.38.8')] }), 3000);
    expect(up).to.deep.equal([
      {
        type: 'resolved',
        alert: { key: 'node/10.128.38.8', at: 3000, severity: 'critical', text: 'Node 10.128.38.8 is NotReady' },
      },
    ]);
  });

  it('alerts a Deployment scaled to zero against the replicas it had, as available/desired', () => {
    const rules = new AlertRules();
    rules.baseline(sources({ deployments: [deployment('gateway-system', 'gateway-proxy', 2, 2)] }), 0);
    const events = rules.evaluate(
      sources({ deployments: [deployment('gateway-system', 'gateway-proxy', 0, 0)] }),
      5000,
    );
    expect(texts(events)).to.deep.equal(['firing: gateway-system/gateway-proxy replicas below desired (0/2)']);
    expect(events[0]!.alert.severity).to.equal('critical');
  });

  it('fires once per restart with the reason of the last termination', () => {
    const rules = new AlertRules();
    const pod = podObject('gateway-system', 'gateway-proxy-abc', '10.128.38.8', { restarts: 0 });
    rules.baseline(sources({ pods: [pod] }), 0);
    const restarted = structuredClone(pod);
    restarted.status.containerStatuses[0].restartCount = 1;
    restarted.status.containerStatuses[0].lastState = { terminated: { reason: 'OOMKilled', exitCode: 137 } };
    expect(texts(rules.evaluate(sources({ pods: [restarted] }), 1000))).to.deep.equal([
      'firing: Pod gateway-system/gateway-proxy-abc restarted (OOMKilled)',
    ]);
    expect(rules.evaluate(sources({ pods: [restarted] }), 2000)).to.deep.equal([]);
    restarted.status.containerStatuses[0].restartCount = 2;
    expect(rules.evaluate(sources({ pods: [restarted] }), 3000)).to.have.length(1);
  });

  it("alerts a pod Pending for more than a minute with the scheduler's message", () => {
    const rules = new AlertRules();
    rules.baseline(sources({}), VIRTUAL_EPOCH);
    const pending = podObject('default', 'big', '', { running: false });
    pending.metadata.creationTimestamp = new Date(VIRTUAL_EPOCH).toISOString();
    pending.status.conditions = [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message: '0/10 nodes are available: 10 Insufficient memory.',
      },
    ];
    expect(rules.evaluate(sources({ pods: [pending] }), VIRTUAL_EPOCH + 59_000)).to.deep.equal([]);
    expect(texts(rules.evaluate(sources({ pods: [pending] }), VIRTUAL_EPOCH + 60_000))).to.deep.equal([
      'firing: Pod default/big Pending for more than 60s: 0/10 nodes are available: 10 Insufficient memory.',
    ]);
  });

  it('alerts an unhealthy etcd member', () => {
    const rules = new AlertRules({ cluster: 'control' });
    let health = [{ endpoint: 'https://10.128.38.1:2379', member: 'etcd-1', healthy: true, message: 'ok' }];
    const s = { ...sources({}), etcdHealth: () => health };
    rules.baseline(s, 0);
    health = [
      { endpoint: 'https://10.128.38.1:2379', member: 'etcd-1', healthy: false, message: 'context deadline exceeded' },
    ];
    expect(texts(rules.evaluate(s, 1))).to.deep.equal([
      'firing: [control] etcd member etcd-1 is unhealthy (context deadline exceeded)',
    ]);
  });

  it('does not alert what was already wrong when watching began, until it clears and comes back', () => {
    const rules = new AlertRules();
    const down = sources({ nodes: [nodeObject('a', { ready: 'False' })] });
    rules.baseline(down, 0);
    expect(rules.evaluate(down, 1)).to.deep.equal([]);
    expect(rules.evaluate(sources({ nodes: [nodeObject('a')] }), 2)).to.deep.equal([]);
    expect(texts(rules.evaluate(down, 3))).to.deep.equal(['firing: Node a is NotReady']);
  });

  it('evaluates on watch events and on its timer, timed on the clock', async () => {
    const clock = new VirtualClock();
    const nodes = new FakeInformer('nodes', clock, [nodeObject('10.128.38.8')]);
    const pods = new FakeInformer('pods', clock);
    const fired: AlertEvent[] = [];
    const stop = await watchAlerts({
      clock,
      informers: {
        nodes,
        deployments: new FakeInformer('deployments', clock),
        statefulsets: new FakeInformer('statefulsets', clock),
        pods,
      },
      rules: new AlertRules(),
      onAlert: (e) => fired.push(e),
    });
    await clock.sleep(12_000);
    nodes.apply(nodeObject('10.128.38.8', { ready: 'Unknown' }));
    expect(fired.map((e) => [e.type, e.alert.at - VIRTUAL_EPOCH])).to.deep.equal([['firing', 12_000]]);
    const pending = podObject('default', 'p', '', { running: false });
    pending.metadata.creationTimestamp = new Date(clock.now()).toISOString();
    pods.apply(pending);
    await clock.sleep(70_000);
    stop();
    // The timer checks every 5 s from the start: the first check at or after 60 s Pending is at +75 s.
    expect(fired.map((e) => [e.alert.text, e.alert.at - VIRTUAL_EPOCH])).to.deep.equal([
      ['Node 10.128.38.8 is NotReady', 12_000],
      ['Pod default/p Pending for more than 60s', 75_000],
    ]);
    clock.close();
  });
});

describe('the alert webhook', () => {
  let server: Server;
  let url: string;
  const bodies: unknown[] = [];
  let status = 200;

  before(async () => {
    server = createServer((req, res) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => {
        bodies.push({ path: req.url, type: req.headers['content-type'], body: JSON.parse(data) as unknown });
        res.writeHead(status).end(status === 200 ? 'ok' : 'invalid_token');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/secret`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('posts Slack-compatible JSON {"text": ...}', async () => {
    await postWebhook(url, ':rotating_light: Node 10.128.38.8 is NotReady');
    expect(bodies.at(-1)).to.deep.equal({
      path: '/services/T000/B000/secret',
      type: 'application/json',
      body: { text: ':rotating_light: Node 10.128.38.8 is NotReady' },
    });
  });

  it('throws a typed error with the status but never the secret path', async () => {
    status = 403;
    try {
      const err = await postWebhook(url, 'x').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(InfrastructureError);
      expect((err as Error).message).to.match(/answered HTTP 403: invalid_token/);
      expect((err as Error).message).not.to.contain('secret');
      expect(redact(url)).to.match(/^http:\/\/127\.0\.0\.1:\d+\/…$/);
    } finally {
      status = 200;
    }
  });

  it('sends queued alerts in order and reports failures without throwing', async () => {
    const errors: string[] = [];
    const n = new WebhookNotifier(url, (m) => errors.push(m));
    const before = bodies.length;
    n.send('one');
    n.send('two');
    await n.flush();
    expect(bodies.slice(before).map((b) => (b as { body: { text: string } }).body.text)).to.deep.equal(['one', 'two']);
    const broken = new WebhookNotifier('http://127.0.0.1:1/x', (m) => errors.push(m));
    broken.send('a');
    broken.send('b');
    await broken.flush();
    expect(errors).to.have.length(1);
    expect(errors[0]).to.match(/cannot be reached/);
  });
});
