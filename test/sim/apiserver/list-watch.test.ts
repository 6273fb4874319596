import { expect } from 'chai';
import { VirtualClock } from '../../../src/engine/clock.js';
import type { KubeObject } from '../../../src/kube/objects.js';
import { http, pod, rawWatch, startFixture, type Fixture } from './fixture.js';

const cm = (name: string, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default' },
  data,
});

/** Push the start of the watch history past every version so far. */
function churn(f: Fixture): void {
  f.store.create('configmaps', cm('churn', { i: '0' }));
  for (let i = 1; i <= 100_000; i++) f.store.update('configmaps', cm('churn', { i: String(i) }));
}

describe('simulated apiserver: lists and watches as kube-apiserver serves them', () => {
  let f: Fixture;
  afterEach(async () => f?.close());

  it('pages a list with limit and continue, every page showing the state of the first', async () => {
    f = await startFixture();
    for (const n of ['a', 'b', 'c', 'd', 'e']) f.store.create('configmaps', cm(n));
    const first = await http(f, '/api/v1/namespaces/default/configmaps?limit=2');
    expect(first.body.items.map((o: any) => o.metadata.name)).to.deep.equal(['a', 'b']);
    expect(first.body.metadata.remainingItemCount).to.equal(3);
    const token = first.body.metadata.continue as string;
    expect(JSON.parse(Buffer.from(token, 'base64url').toString())).to.deep.equal({
      v: 'meta.k8s.io/v1',
      rv: Number(first.body.metadata.resourceVersion),
      start: 'default/b\u0000',
    });
    // Changes after the first page do not show on the next ones.
    f.store.create('configmaps', cm('bb'));
    f.store.remove('configmaps', 'default', 'd');
    const second = await http(f, `/api/v1/namespaces/default/configmaps?limit=2&continue=${token}`);
    expect(second.body.items.map((o: any) => o.metadata.name)).to.deep.equal(['c', 'd']);
    expect(second.body.metadata.resourceVersion).to.equal(first.body.metadata.resourceVersion);
    const third = await http(
      f,
      `/api/v1/namespaces/default/configmaps?limit=2&continue=${second.body.metadata.continue as string}`,
    );
    expect(third.body.items.map((o: any) => o.metadata.name)).to.deep.equal(['e']);
    expect(third.body.metadata.continue).to.equal(undefined);
    // A selector hides how many remain.
    const labelled = await http(f, '/api/v1/pods?limit=1&labelSelector=app%3Dweb');
    expect(labelled.body.metadata.continue).to.be.a('string');
    expect(labelled.body.metadata.remainingItemCount).to.equal(undefined);
    // resourceVersion=0 is served from the watch cache, which ignores limit.
    expect(
      (await http(f, '/api/v1/namespaces/default/configmaps?limit=2&resourceVersion=0')).body.items,
    ).to.have.length(5);
  });

  it('refuses bad continue tokens and list options with kube-apiserver’s words', async () => {
    f = await startFixture();
    const first = await http(f, '/api/v1/pods?limit=1');
    const token = first.body.metadata.continue as string;
    const withRv = await http(f, `/api/v1/pods?limit=1&continue=${token}&resourceVersion=5`);
    expect(withRv.status).to.equal(400);
    expect(withRv.body.message).to.equal('specifying resource version is not allowed when using continue');
    const garbage = await http(f, '/api/v1/pods?limit=1&continue=not!base64');
    expect(garbage.status).to.equal(400);
    expect(garbage.body.message).to.match(/^invalid continue token: continue key is not valid/);
    const noRv = await http(f, '/api/v1/pods?resourceVersionMatch=NotOlderThan');
    expect(noRv.status).to.equal(422);
    expect(noRv.body.message).to.equal(
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    );
    const bogus = await http(f, '/api/v1/pods?resourceVersion=1&resourceVersionMatch=Sometimes');
    expect(bogus.body.message).to.equal(
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Sometimes": supported values: "Exact", "NotOlderThan", ""',
    );
    const watchMatch = await http(f, '/api/v1/pods?watch=true&resourceVersion=1&resourceVersionMatch=Exact');
    expect(watchMatch.status).to.equal(422);
    expect(watchMatch.body.message).to.contain('resourceVersionMatch is forbidden for watch');
  });

  it('lists exactly the state at a resourceVersion, and 410 once that version left the history', async () => {
    f = await startFixture();
    f.store.create('configmaps', cm('x', { v: '1' }));
    const at = f.store.resourceVersion;
    f.store.update('configmaps', cm('x', { v: '2' }));
    f.store.create('configmaps', cm('y'));
    const exact = await http(
      f,
      `/api/v1/namespaces/default/configmaps?resourceVersion=${at}&resourceVersionMatch=Exact`,
    );
    expect(exact.status).to.equal(200);
    expect(exact.body.metadata.resourceVersion).to.equal(String(at));
    expect(exact.body.items.map((o: any) => [o.metadata.name, o.data.v])).to.deep.equal([['x', '1']]);
    const notOlder = await http(
      f,
      `/api/v1/namespaces/default/configmaps?resourceVersion=${at}&resourceVersionMatch=NotOlderThan`,
    );
    expect(notOlder.body.items.map((o: any) => o.metadata.name)).to.deep.equal(['x', 'y']);
    churn(f);
    const expired = await http(
      f,
      `/api/v1/namespaces/default/configmaps?resourceVersion=${at}&resourceVersionMatch=Exact`,
    );
    expect(expired.status).to.equal(410);
    expect(expired.body).to.include({
      reason: 'Expired',
      message: 'The resourceVersion for the provided list is too old.',
    });
    const watch = rawWatch(f, `/api/v1/configmaps?watch=true&resourceVersion=${at}`);
    await watch.ended;
    expect(watch.lines[0]?.object).to.include({ reason: 'Expired', code: 410 });
    expect(watch.lines[0]?.object.message).to.match(new RegExp(`^too old resource version: ${at} \\(\\d+\\)$`));
  });

  it('answers an expired continue token with 410 and a token to go on inconsistently', async () => {
    f = await startFixture();
    const first = await http(f, '/api/v1/pods?limit=1');
    churn(f);
    // Pages of a list are kept a while; once gone, the token's version is what counts.
    f.store.create('pods', pod('late', 'node-a'));
    const token = first.body.metadata.continue as string;
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString()) as { rv: number; start: string };
    const stale = Buffer.from(JSON.stringify({ ...decoded, rv: decoded.rv - 1 })).toString('base64url');
    const expired = await http(f, `/api/v1/pods?limit=1&continue=${stale}`);
    expect(expired.status).to.equal(410);
    expect(expired.body.message).to.match(
      /^The provided continue parameter is too old to display a consistent list result/,
    );
    const next = JSON.parse(Buffer.from(expired.body.metadata.continue as string, 'base64url').toString());
    expect(next).to.deep.equal({ v: 'meta.k8s.io/v1', rv: -1, start: decoded.start });
    const rest = await http(f, `/api/v1/pods?continue=${expired.body.metadata.continue as string}`);
    expect(rest.body.items.map((o: any) => o.metadata.name)).to.deep.equal(['late', 'web-1', 'web-2']);
  });

  it('waits for a resourceVersion not reached yet, then answers 504 Too large resource version', async () => {
    const clock = new VirtualClock();
    f = await startFixture({ clock });
    const ahead = f.store.resourceVersion + 10;
    const started = clock.now();
    const res = await http(f, `/api/v1/pods?resourceVersion=${ahead}`);
    expect(clock.now() - started).to.be.within(3_000, 3_250);
    expect(res.status).to.equal(504);
    expect(res.body).to.include({
      reason: 'Timeout',
      message: `Too large resource version: ${ahead}, current: ${f.store.resourceVersion}`,
    });
  });

  it('sends a BOOKMARK about once a minute to a watch that allows them, after the changes before it', async () => {
    const clock = new VirtualClock();
    f = await startFixture({ clock });
    // The bookmark timer is the only timer here: the test holds the clock except while it sleeps, or time
    // would run on by itself.
    let hold = clock.hold('test');
    const rv = f.store.resourceVersion;
    const marked = rawWatch(f, `/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`);
    const plain = rawWatch(f, `/api/v1/pods?watch=true&resourceVersion=${rv}`);
    f.store.create('pods', pod('web-3', 'node-a'));
    f.store.create('configmaps', cm('elsewhere'));
    await marked.waitFor(1);
    await plain.waitFor(1);
    const opened = clock.now();
    hold();
    await clock.sleep(61_000);
    hold = clock.hold('test');
    await marked.waitFor(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(marked.lines.map((l) => l.type)).to.deep.equal(['ADDED', 'BOOKMARK']);
    hold();
    await clock.sleep(60_000);
    hold = clock.hold('test');
    await marked.waitFor(3);
    await new Promise((r) => setTimeout(r, 50));
    marked.close();
    plain.close();
    expect(marked.lines.map((l) => l.type)).to.deep.equal(['ADDED', 'BOOKMARK', 'BOOKMARK']);
    hold();
    const bookmark = marked.lines[1]!.object;
    expect(bookmark).to.deep.equal({
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(f.store.resourceVersion) },
    });
    expect(plain.lines.map((l) => l.type)).to.deep.equal(['ADDED']);
    expect(clock.now() - opened).to.be.within(121_000, 122_100);
    // With the watches gone, no bookmark timer is left to move the clock.
    await new Promise((r) => setTimeout(r, 50));
    const idle = clock.now();
    await new Promise((r) => setTimeout(r, 50));
    expect(clock.now()).to.equal(idle);
  });

  it('does not bump the resourceVersion nor tell watchers of an update or patch that changes nothing', async () => {
    f = await startFixture();
    const before = f.store.get('pods', 'default', 'web-1')!;
    const w = rawWatch(f, `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${f.store.resourceVersion}`);
    const put = await http(f, '/api/v1/namespaces/default/pods/web-1', { method: 'PUT', body: before });
    expect(put.body.metadata.resourceVersion).to.equal(before.metadata.resourceVersion);
    const patch = await http(f, '/api/v1/namespaces/default/pods/web-1', {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { app: 'web' } } },
    });
    expect(patch.body.metadata.resourceVersion).to.equal(before.metadata.resourceVersion);
    f.store.create('configmaps', cm('marker'));
    f.store.create('pods', pod('after', 'node-a'));
    await w.waitFor(1);
    w.close();
    expect(w.lines.map((l) => `${l.type} ${l.object.metadata.name}`)).to.deep.equal(['ADDED after']);
  });
});
