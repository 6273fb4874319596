import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { VirtualClock } from '../../../src/engine/clock.js';
import { BlastRadiusError } from '../../../src/errors.js';
import { ContextNotAllowedError, LabProfileError } from '../../../src/targets/common/errors.js';
import { createLabTarget } from '../../../src/targets/lab/lab-target.js';
import { loadLabProfile } from '../../../src/targets/lab/profile.js';
import { ActionLog } from '../../../src/targets/target.js';

const FIXTURE = new URL('./fixtures/qingzhou-lab.json', import.meta.url).pathname;

function writeProfile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-lab-'));
  const file = join(dir, 'lab.json');
  writeFileSync(file, text);
  return file;
}

describe('lab profile', () => {
  it('loads the example profile and remembers its file', () => {
    const p = loadLabProfile(FIXTURE);
    expect(p.clusters.map((c) => [c.name, c.context])).to.deep.equal([
      ['business', 'business-admin'],
      ['paas', 'paas-admin'],
    ]);
    expect(p.file).to.equal(FIXTURE);
  });

  it('takes a profile it loaded itself, changed in code, and still names its file in refusals', () => {
    const p = loadLabProfile(FIXTURE);
    p.clusters[0]!.commands = { ...p.clusters[0]!.commands, serviceState: 'echo active' };
    const t = createLabTarget({ profile: p, clock: new VirtualClock(), actions: new ActionLog() });
    expect(t.clusters()).to.include('business');
    p.clusters[0]!.nodes = {} as never;
    expect(() => createLabTarget({ profile: p })).to.throw(LabProfileError, `${FIXTURE}: /clusters/0/nodes`);
  });

  it('names the file, line and column, JSON path and what was expected for every problem', () => {
    const file = writeProfile(`{
  "clusters": [
    {
      "name": "business",
      "context": 7,
      "nodes": { "ssh": { "port": 22 } },
      "commands": { "powerOn": { "remote": "x" } },
      "colour": "red"
    }
  ]
}
`);
    const err = (() => {
      try {
        loadLabProfile(file);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err).to.be.instanceOf(LabProfileError);
    expect(err?.message.split('\n')).to.deep.equal([
      'The lab profile is not valid:',
      `  ${file}:3:5: /clusters/0: expected no property "colour" (not a lab-profile field)`,
      `  ${file}:5:18: /clusters/0/context: expected a string`,
      `  ${file}:6:25: /clusters/0/nodes/ssh: expected a property "user" (required)`,
      `  ${file}:7:32: /clusters/0/commands/powerOn: expected a command line string, {"local": "<command line>"} or {"unsupported": "<why>"}`,
    ]);
  });

  it('reports broken JSON with its position', () => {
    const file = writeProfile('{ "clusters": [ }');
    expect(() => loadLabProfile(file)).to.throw(LabProfileError, new RegExp(`^${file}:1:17: not valid JSON`));
  });

  it('refuses two clusters with one context and etcd lists of different lengths', () => {
    const c = { name: 'a', context: 'ctx', nodes: { ssh: { user: 'root' } } };
    expect(() =>
      createLabTarget({
        profile: {
          clusters: [
            c,
            {
              ...c,
              name: 'b',
              etcd: { endpoints: ['https://a:2379'], cacert: 'c', cert: 'c', key: 'k', nodes: ['a', 'b'] },
            },
          ],
        },
      }),
    ).to.throw(
      LabProfileError,
      /\/clusters\/1\/context: expected a context not used by \/clusters\/0[\s\S]*\/clusters\/1\/etcd\/endpoints: expected one endpoint per etcd node/,
    );
  });
});

describe('lab context allow-list', () => {
  it('refuses a context the profile does not list before running anything, naming the allowed ones', () => {
    const actions = new ActionLog();
    let ran = 0;
    const err = (() => {
      try {
        createLabTarget({
          profile: FIXTURE,
          context: 'prod-admin',
          actions,
          clock: new VirtualClock(),
          exec: () => {
            ran++;
            return Promise.resolve({ exitCode: 0, stdout: '', stderr: '', timedOut: false });
          },
          makeKube: () => {
            throw new Error('no API client may be made');
          },
        });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err).to.be.instanceOf(ContextNotAllowedError).and.instanceOf(BlastRadiusError);
    expect(err?.message).to.equal(
      `Refusing kubeconfig context "prod-admin": the lab profile ${FIXTURE} allows only "business-admin" (cluster business), "paas-admin" (cluster paas). Nothing was touched.`,
    );
    expect(ran).to.equal(0);
    expect(actions.entries).to.deep.equal([]);
  });

  it('selects the cluster whose context was given', () => {
    const t = createLabTarget({ profile: FIXTURE, context: 'paas-admin' });
    expect(t.clusters()).to.deep.equal(['paas']);
    expect(() => t.nodes('business')).to.throw(/not one this lab run may touch \(paas\)/);
  });

  it('uses only the profile context from the kubeconfig, refusing a kubeconfig that lacks it', () => {
    const kubeconfig = writeProfile(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: other, context: {cluster: c, user: u}}]
current-context: other
`);
    const t = createLabTarget({ profile: FIXTURE, context: 'business-admin', kubeconfig });
    expect(() => t.kube('business')).to.throw(/has no context "business-admin"/);
  });

  it('describes what the drills may do, with the exact commands, for the CLI to confirm', () => {
    const text = createLabTarget({ profile: FIXTURE }).describeDestruction();
    expect(text).to.include('Cluster "business", kubeconfig context "business-admin" in ~/.kube/business.yaml');
    expect(text).to.include(
      'reached as: ssh -J ops@bastion.lab -i ~/.ssh/lab_ed25519 -p 2222 ops@<host> sudo <command>',
    );
    expect(text).to.include(
      'power off:              ipmitool -I lanplus -H {bmc} -U admin -E power off (on this machine)',
    );
    expect(text).to.include('network cut:            not configured');
    expect(text).to.include('stop kubelet / runtime: systemctl stop kubelet (over ssh)');
    expect(text).to.include('etcd: 3 members on 10.128.38.6, 10.128.38.7, 10.128.38.8');
    expect(text).to.include('etcd: not configured (etcd drills are refused).');
  });
});
