/**
 * The images a platform's registry serves, as a topology lists them (`registry.images`): a reference
 * (`hub.qingzhou.io/nsf/nsf-server:3.2.0`, `redis:4.0.14`) or a repository with every tag (`nginx:*`).
 * References compare as containerd normalizes them: `nginx` is `docker.io/library/nginx:latest`. Without a
 * list every image pulls, except names that say they do not exist (`doesnotexist`, `.invalid`).
 */
export class ImageRegistry {
  private readonly exact = new Set<string>();
  private readonly anyTag = new Set<string>();

  constructor(private readonly images?: readonly string[]) {
    for (const i of images ?? []) this.add(i);
  }

  get restricted(): boolean {
    return this.images !== undefined;
  }

  /** Images the platform provides whatever the list says (the control plane's own, preloaded by the installer). */
  add(image: string): void {
    if (image.endsWith(':*')) this.anyTag.add(normalizeReference(image.slice(0, -2)).repository);
    else this.exact.add(normalizeReference(image).reference);
  }

  has(image: string): boolean {
    if (/doesnotexist|\.invalid(\/|:|$)/i.test(image)) return false;
    if (!this.restricted) return true;
    const ref = normalizeReference(image);
    return this.exact.has(ref.reference) || this.anyTag.has(ref.repository);
  }
}

export interface NormalizedReference {
  /** `docker.io/library/nginx` */
  repository: string;
  /** `docker.io/library/nginx:1.25` (or `...@sha256:...`) */
  reference: string;
}

/** containerd's (docker/distribution's) normalization of an image reference. */
export function normalizeReference(image: string): NormalizedReference {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at) : '';
  let name = at >= 0 ? image.slice(0, at) : image;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  let tag = '';
  if (colon > slash) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
  }
  const first = name.split('/')[0] ?? '';
  const hasHost = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  let repository = hasHost ? name : `docker.io/${name}`;
  if (!hasHost && !name.includes('/')) repository = `docker.io/library/${name}`;
  const reference = digest ? `${repository}${digest}` : `${repository}:${tag || 'latest'}`;
  return { repository, reference };
}
