import { modelDoc } from './model-docs.js';
import { MERGE_KEYS, PRIMITIVE_MERGE } from './patch.js';
import { attributesOf, modelOfKind, shapeOf, type ModelAttribute } from './models.js';

/**
 * OpenAPI schemas of the kinds served, built from client-node's models (shapes) and their declaration
 * files (descriptions, required fields), named as Kubernetes names its definitions
 * (`io.k8s.api.apps.v1.Deployment`, `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`) and marked with
 * `x-kubernetes-group-version-kind`, which `kubectl explain` looks up.
 */

export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

type Schema = Record<string, unknown>;

const META = new Set([
  'ObjectMeta',
  'ListMeta',
  'LabelSelector',
  'LabelSelectorRequirement',
  'OwnerReference',
  'ManagedFieldsEntry',
  'Condition',
  'Status',
  'StatusDetails',
  'StatusCause',
  'DeleteOptions',
  'Preconditions',
]);

/** The package of a group, as the definition names spell it. */
function groupPackage(group: string): string {
  if (group === '') return 'core';
  return group.replace(/\.k8s\.io$/, '').replace(/\.authorization$/, '');
}

/** Strategic-merge metadata of a list field, as k8s.io/api's patchStrategy/patchMergeKey tags give it. */
function patchStrategy(model: string, a: ModelAttribute): Record<string, string> {
  const shape = shapeOf(a.type);
  if (shape.kind !== 'array') return {};
  if (PRIMITIVE_MERGE.has(a.baseName)) return { 'x-kubernetes-patch-strategy': 'merge' };
  let key = MERGE_KEYS[a.baseName];
  if (a.baseName === 'ports')
    key = /Container$/.test(model) ? 'containerPort' : model === 'V1ServiceSpec' ? 'port' : undefined;
  const item = shapeOf(shape.of);
  if (!key || item.kind !== 'model' || !(attributesOf(item.name) ?? []).some((x) => x.baseName === key)) return {};
  return { 'x-kubernetes-patch-merge-key': key, 'x-kubernetes-patch-strategy': 'merge' };
}

/**
 * A name for every type the kinds refer to, given by the first kind (in the order given: core first) that
 * reaches it: PodSpec is `io.k8s.api.core.v1.PodSpec` in the apps/v1 document too.
 */
export function definitionNames(kinds: Gvk[]): ReadonlyMap<string, string> {
  const set = new SchemaSet('#/');
  for (const k of kinds) set.addKind(k);
  return set.definitionNames;
}

export class SchemaSet {
  readonly schemas: Record<string, Schema> = {};
  private readonly names: Map<string, string>;

  /**
   * `v3`: a described reference is `{description, allOf: [{$ref}]}`, as Kubernetes' v3 documents have it;
   * `v2`: a plain `{$ref}` (Swagger 2.0 allows nothing beside it, and kubectl's v2 parser reads no allOf).
   */
  constructor(
    private readonly refPrefix: string,
    private readonly style: 'v2' | 'v3' = 'v3',
    /** Definition names decided beforehand (definitionNames), so that every document names a type alike. */
    names?: ReadonlyMap<string, string>,
  ) {
    this.names = new Map(names);
  }

  /** The definition name of every model added so far. */
  get definitionNames(): ReadonlyMap<string, string> {
    return this.names;
  }

  /** Add a served kind (and everything it refers to); returns its definition name. */
  addKind(gvk: Gvk): string | undefined {
    const model = modelOfKind(gvk.kind);
    if (!attributesOf(model)) return undefined;
    const name = this.nameOf(model, gvk.group, gvk.version);
    this.add(model, gvk.group, gvk.version);
    const s = this.schemas[name]!;
    s['x-kubernetes-group-version-kind'] = [gvk];
    return name;
  }

  private nameOf(model: string, group: string, version: string): string {
    const known = this.names.get(model);
    if (known) return known;
    const bare = model.replace(/^(V\d+(?:(?:alpha|beta)\d+)?|CoreV1|DiscoveryV1|EventsV1|RbacV1)/, '');
    const name = META.has(bare)
      ? `io.k8s.apimachinery.pkg.apis.meta.v1.${bare}`
      : `io.k8s.api.${groupPackage(group)}.${version}.${bare}`;
    this.names.set(model, name);
    return name;
  }

  private ref(name: string): Schema {
    return { $ref: `${this.refPrefix}${name}` };
  }

  private add(model: string, group: string, version: string): void {
    const name = this.nameOf(model, group, version);
    if (this.schemas[name]) return;
    const doc = modelDoc(model);
    const schema: Schema = { type: 'object' };
    this.schemas[name] = schema;
    if (doc.description) schema.description = doc.description;
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const a of attributesOf(model) ?? []) {
      const fieldDoc = doc.fields.get(a.name) ?? doc.fields.get(a.baseName);
      const prop = { ...this.property(a, group, version), ...patchStrategy(model, a) };
      if (this.style === 'v2' && '$ref' in prop) properties[a.baseName] = prop;
      else if (fieldDoc?.description) {
        // A description next to a $ref goes beside it in allOf, as Kubernetes' v3 documents do.
        if ('$ref' in prop) properties[a.baseName] = { description: fieldDoc.description, allOf: [prop] };
        else properties[a.baseName] = { ...prop, description: fieldDoc.description };
      } else properties[a.baseName] = '$ref' in prop ? { allOf: [prop] } : prop;
      if (fieldDoc?.required) required.push(a.baseName);
    }
    schema.properties = properties;
    if (required.length) schema.required = required;
  }

  private property(a: Pick<ModelAttribute, 'type' | 'format'>, group: string, version: string): Schema {
    const shape = shapeOf(a.type);
    switch (shape.kind) {
      case 'array':
        return { type: 'array', items: this.property({ type: shape.of, format: '' }, group, version) };
      case 'map':
        return { type: 'object', additionalProperties: this.property({ type: shape.of, format: '' }, group, version) };
      case 'model':
        this.add(shape.name, group, version);
        return this.ref(this.nameOf(shape.name, group, version));
      case 'leaf':
        switch (shape.type) {
          case 'string':
            return { type: 'string', ...(a.format ? { format: a.format } : {}) };
          case 'number':
            return a.format === 'int32' || a.format === 'int64'
              ? { type: 'integer', format: a.format }
              : { type: 'number', format: 'double' };
          case 'boolean':
            return { type: 'boolean' };
          case 'date':
            return { type: 'string', format: 'date-time' };
          case 'int-or-string':
            return { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true };
          case 'any':
            return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
        }
    }
  }
}
