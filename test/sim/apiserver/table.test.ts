import { expect } from 'chai';
import { humanDuration } from '../../../src/sim/apiserver/age.js';
import { nodeStatusText, podStatusText, selectorString, table, tableRow } from '../../../src/sim/apiserver/table.js';
import type { KubeObject } from '../../../src/kube/objects.js';

const NOW = Date.UTC(2026, 0, 1, 1, 0, 0);
const CREATED = '2026-01-01T00:00:00Z';

function pod(status: Record<string, unknown>, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', creationTimestamp: CREATED, ...extra },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] },
    status,
  };
}

describe('table printing', () => {
  it('shows the waiting reason of a container as the pod status, as kubectl does', () => {
    for (const reason of ['CrashLoopBackOff', 'ImagePullBackOff', 'ContainerCreating', 'ErrImagePull']) {
      const p = pod({
        phase: 'Pending',
        containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { waiting: { reason } } }],
      });
      expect(podStatusText(p, NOW).reason).to.equal(reason);
    }
  });

  it('shows a terminated reason, and the restarts with how long ago the last one was', () => {
    const p = pod({
      phase: 'Running',
      containerStatuses: [
        {
          name: 'c',
          ready: false,
          restartCount: 4,
          state: { terminated: { reason: 'OOMKilled', exitCode: 137 } },
          lastState: { terminated: { reason: 'OOMKilled', exitCode: 137, finishedAt: '2026-01-01T00:55:00Z' } },
        },
      ],
    });
    expect(podStatusText(p, NOW)).to.deep.equal({ reason: 'OOMKilled', ready: '0/1', restarts: '4 (5m ago)' });
  });

  it('counts ready running containers and shows the phase otherwise', () => {
    const p = pod({
      phase: 'Running',
      containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: { running: {} } }],
    });
    expect(podStatusText(p, NOW)).to.deep.equal({ reason: 'Running', ready: '1/1', restarts: '0' });
  });

  it('shows Terminating while a pod is being deleted and Unknown when its node was lost', () => {
    const running = {
      phase: 'Running',
      containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: { running: {} } }],
    };
    expect(podStatusText(pod(running, { deletionTimestamp: CREATED }), NOW).reason).to.equal('Terminating');
    expect(podStatusText(pod({ ...running, reason: 'NodeLost' }, { deletionTimestamp: CREATED }), NOW).reason).to.equal(
      'Unknown',
    );
  });

  it('shows init container progress', () => {
    const p = pod({
      phase: 'Pending',
      initContainerStatuses: [
        { name: 'init', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
      ],
    });
    p.spec.initContainers = [{ name: 'init', image: 'busybox' }];
    expect(podStatusText(p, NOW).reason).to.equal('Init:0/1');
  });

  it('prints node status as Ready, NotReady or Unknown, with SchedulingDisabled when cordoned', () => {
    const node = (ready: string | undefined, unschedulable = false): KubeObject => ({
      metadata: { name: 'n' },
      spec: unschedulable ? { unschedulable: true } : {},
      status: { conditions: ready ? [{ type: 'Ready', status: ready }] : [] },
    });
    expect(nodeStatusText(node('True'))).to.equal('Ready');
    expect(nodeStatusText(node('Unknown'))).to.equal('NotReady');
    expect(nodeStatusText(node('False', true))).to.equal('NotReady,SchedulingDisabled');
    expect(nodeStatusText(node(undefined))).to.equal('Unknown');
  });

  it('builds a meta.k8s.io/v1 Table with wide columns at priority 1 and metadata objects in rows', () => {
    const p = pod({
      phase: 'Running',
      podIP: '10.0.0.5',
      containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: { running: {} } }],
    });
    const t = JSON.parse(table([p], { kind: 'Pod', now: NOW, includeObject: 'Metadata' }, '42')) as {
      kind: string;
      apiVersion: string;
      metadata: { resourceVersion: string };
      columnDefinitions: { name: string; priority: number }[];
      rows: { cells: unknown[]; object: { kind: string; metadata: { name: string } } }[];
    };
    expect(t.kind).to.equal('Table');
    expect(t.apiVersion).to.equal('meta.k8s.io/v1');
    expect(t.metadata.resourceVersion).to.equal('42');
    expect(t.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name)).to.deep.equal([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
    ]);
    expect(t.rows[0]?.cells).to.deep.equal(['p', '1/1', 'Running', '0', '60m', '10.0.0.5', 'n1', '<none>', '<none>']);
    expect(t.rows[0]?.object.kind).to.equal('PartialObjectMetadata');
    expect(t.rows[0]?.object.metadata.name).to.equal('p');
  });

  it('prints events with LAST SEEN, TYPE, REASON, OBJECT and MESSAGE', () => {
    const e: KubeObject = {
      metadata: { name: 'p.1', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'p' },
      type: 'Warning',
      reason: 'FailedScheduling',
      message: '0/3 nodes are available: 3 Insufficient memory.',
      firstTimestamp: '2026-01-01T00:50:00Z',
      lastTimestamp: '2026-01-01T00:59:30Z',
      count: 4,
      source: { component: 'default-scheduler' },
    };
    const row = tableRow(e, { kind: 'Event', now: NOW, includeObject: 'None' }) as { cells: unknown[] };
    expect(row.cells.slice(0, 4)).to.deep.equal(['30s', 'Warning', 'FailedScheduling', 'pod/p']);
    expect(row.cells[6]).to.equal('0/3 nodes are available: 3 Insufficient memory.');
  });

  it('formats ages like apimachinery HumanDuration', () => {
    expect(humanDuration(45_000)).to.equal('45s');
    expect(humanDuration(330_000)).to.equal('5m30s');
    expect(humanDuration(12 * 60_000)).to.equal('12m');
    expect(humanDuration((3 * 60 + 20) * 60_000)).to.equal('3h20m');
    expect(humanDuration((2 * 24 + 5) * 3_600_000)).to.equal('2d5h');
    expect(humanDuration(-5000)).to.equal('<invalid>');
  });

  it('formats label selectors sorted by key', () => {
    expect(
      selectorString({
        matchLabels: { b: '2', a: '1' },
        matchExpressions: [{ key: 'c', operator: 'In', values: ['y', 'x'] }],
      }),
    ).to.equal('a=1,b=2,c in (x,y)');
  });
});
