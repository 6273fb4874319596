import { expect } from 'chai';
import { listText, paramLines } from '../../../src/cli/commands/list.js';

describe('gameday list', () => {
  it('says which values a parameter accepts, so its words never promise more than validation takes', () => {
    expect(
      paramLines({ properties: { how: { enum: ['kill', 'stop'], description: 'How.' } }, required: ['how'] }),
    ).to.deep.equal(['how (required): How. Accepted: "kill", "stop".']);
    const lines = listText('recovery').split('\n');
    const service = lines.slice(lines.indexOf('  restart-service')).find((l) => l.includes('- service (required)'));
    expect(service).to.contain('Accepted: "kubelet", "container-runtime", "docker", "containerd".');
  });

  it('lists the steps an author reaches for after a partition or a stopped etcd member', () => {
    const steps = listText('recovery');
    expect(steps).to.match(/^ {2}reconnect-node$/m);
    expect(steps).to.match(/^ {2}etcd-start-members$/m);
  });

  it('marks the steps a setup may use (the rollback undoes them), and only those', () => {
    const steps = listText('recovery');
    expect(steps).to.match(/^ {2}label-nodes {2}\(also in "setup"\)$/m);
    expect(steps).to.match(/^ {2}apply-manifest {2}\(also in "setup"\)$/m);
    expect(steps).to.match(/^ {2}delete-pod$/m);
    expect(steps).to.match(/^ {2}restart-service$/m);
  });
});
