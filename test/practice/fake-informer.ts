import type { Clock } from '../../src/engine/clock.js';
import type { Informer, WatchEvent } from '../../src/kube/kube.js';
import type { KubeObject } from '../../src/kube/objects.js';
import type { ResourceName } from '../../src/kube/resources.js';

/** An informer fed by the test: `apply` and `remove` deliver watch events and notify the clock. */
export class FakeInformer implements Informer {
  private readonly objects = new Map<string, KubeObject>();
  private listeners: ((e: WatchEvent) => void)[] = [];

  constructor(
    readonly resource: ResourceName,
    private readonly clock?: Clock,
    initial: KubeObject[] = [],
  ) {
    for (const o of initial) this.objects.set(key(o), structuredClone(o));
  }

  async ready(): Promise<void> {}
  items(): KubeObject[] {
    return [...this.objects.values()];
  }
  get(name: string, namespace?: string): KubeObject | undefined {
    return this.objects.get(`${namespace ?? ''}/${name}`);
  }
  onEvent(listener: (e: WatchEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }
  stop(): void {}

  apply(obj: KubeObject): void {
    const type = this.objects.has(key(obj)) ? 'MODIFIED' : 'ADDED';
    this.objects.set(key(obj), structuredClone(obj));
    this.emit({ type, object: obj });
  }
  remove(obj: KubeObject): void {
    this.objects.delete(key(obj));
    this.emit({ type: 'DELETED', object: obj });
  }
  private emit(e: WatchEvent): void {
    for (const l of this.listeners) l(e);
    this.clock?.notify();
  }
}

function key(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}
