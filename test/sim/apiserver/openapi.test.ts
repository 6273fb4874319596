import { expect } from 'chai';
import { openApi, openApiV2Protobuf } from '../../../src/sim/apiserver/openapi.js';
import { fields, text } from '../../../src/sim/apiserver/proto/wire.js';

type Json = Record<string, any>;

describe('served OpenAPI documents', () => {
  it('give each served kind a v3 schema with its group-version-kind, descriptions and required fields', () => {
    const doc = openApi('/openapi/v3/apis/apps/v1', new URLSearchParams()) as Json;
    const d = doc.components.schemas['io.k8s.api.apps.v1.Deployment'] as Json;
    expect(d['x-kubernetes-group-version-kind']).to.deep.equal([{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
    const spec = doc.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'] as Json;
    expect(spec.required).to.deep.equal(['selector', 'template']);
    expect(spec.properties.replicas).to.deep.include({ type: 'integer', format: 'int32' });
    expect(spec.properties.replicas.description).to.match(/^Number of desired pods/);
    expect(spec.properties.selector.allOf).to.deep.equal([
      { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector' },
    ]);
    const podSpec = doc.components.schemas['io.k8s.api.core.v1.PodSpec'] as Json;
    expect(podSpec.properties.containers).to.deep.include({
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
    });
    expect(doc.components.schemas).to.not.have.property('io.k8s.api.apps.v1.PodSpec');
    // The PATCH operation takes fieldValidation: kubectl leaves validation to the server.
    const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch as Json;
    expect(patch.parameters.map((p: Json) => p.name)).to.include('fieldValidation');
  });

  it('index every group version under /openapi/v3 and answer 404 for one not served', () => {
    const index = openApi('/openapi/v3', new URLSearchParams()) as Json;
    expect(Object.keys(index.paths)).to.include.members(['api/v1', 'apis/apps/v1', 'apis/discovery.k8s.io/v1']);
    expect(openApi('/openapi/v3/apis/example.com/v1', new URLSearchParams())).to.equal(undefined);
  });

  it('encode /openapi/v2 as the gnostic protobuf kubectl reads, with plain references in v2 style', () => {
    const v2 = openApi('/openapi/v2', new URLSearchParams()) as Json;
    expect(v2.definitions['io.k8s.api.apps.v1.DeploymentSpec'].properties.selector).to.deep.equal({
      $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
    });
    const top = fields(openApiV2Protobuf());
    expect(text(top.find((f) => f.num === 1)!.value as Uint8Array)).to.equal('2.0');
    const definitions = fields(top.find((f) => f.num === 9)!.value as Uint8Array).map((f) => {
      const named = fields(f.value as Uint8Array);
      return { name: text(named[0]!.value as Uint8Array), schema: fields(named[1]!.value as Uint8Array) };
    });
    const deployment = definitions.find((d) => d.name === 'io.k8s.api.apps.v1.Deployment')!;
    const ext = deployment.schema.filter((f) => f.num === 31).map((f) => fields(f.value as Uint8Array));
    const gvk = ext.find((e) => text(e[0]!.value as Uint8Array) === 'x-kubernetes-group-version-kind')!;
    const yaml = text(fields(gvk[1]!.value as Uint8Array).find((f) => f.num === 2)!.value as Uint8Array);
    expect(yaml).to.equal('- group: apps\n  version: v1\n  kind: Deployment\n');
    expect(definitions.length).to.equal(Object.keys(v2.definitions).length);
  });
});
