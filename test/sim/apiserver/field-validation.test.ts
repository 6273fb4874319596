import { expect } from 'chai';
import { startFixture, type Fixture } from './fixture.js';

const cm = (extra: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'default' },
  data: { a: 'b' },
  ...extra,
});

async function post(
  f: Fixture,
  query: string,
  body: unknown,
): Promise<{ status: number; warnings: string | null; body: any }> {
  const res = await fetch(`${f.url}/api/v1/namespaces/default/configmaps${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${f.token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, warnings: res.headers.get('warning'), body: await res.json() };
}

describe('simulated apiserver: field validation', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await startFixture();
  });
  afterEach(async () => {
    await f.close();
  });

  it('refuses unknown fields under Strict with the strict decoding error', async () => {
    const r = await post(f, '?fieldValidation=Strict', cm({ extra: 1, metadata: { name: 'cfg', colour: 'red' } }));
    expect(r.status).to.equal(400);
    expect(r.body.reason).to.equal('BadRequest');
    expect(r.body.message).to.equal(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.colour", unknown field "extra"',
    );
    expect(f.store.get('configmaps', 'default', 'cfg')).to.equal(undefined);
  });

  it('warns about unknown fields by default and drops them, and drops them silently under Ignore', async () => {
    const warned = await post(f, '', cm({ extra: 1 }));
    expect(warned.status).to.equal(201);
    expect(warned.warnings).to.equal('299 - "unknown field \\"extra\\""');
    expect(f.store.get('configmaps', 'default', 'cfg')).to.not.have.property('extra');
    f.store.remove('configmaps', 'default', 'cfg');
    const ignored = await post(f, '?fieldValidation=Ignore', cm({ extra: 1 }));
    expect(ignored.status).to.equal(201);
    expect(ignored.warnings).to.equal(null);
    expect(f.store.get('configmaps', 'default', 'cfg')).to.not.have.property('extra');
  });

  it('fails a field of the wrong type in every mode, as Go decoding does', async () => {
    const r = await post(f, '?fieldValidation=Ignore', cm({ immutable: 'yes' }));
    expect(r.status).to.equal(400);
    expect(r.body.message).to.equal(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal string into Go struct field ConfigMap.immutable of type bool',
    );
    const bad = await post(f, '?fieldValidation=Sometimes', cm({}));
    expect(bad.status).to.equal(400);
    expect(bad.body.message).to.equal('fieldValidation parameter unsupported: Sometimes');
  });
});
