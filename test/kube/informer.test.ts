import { expect } from 'chai';
import { VirtualClock } from '../../src/engine/clock.js';
import { WatchInformer, type ListWatch } from '../../src/kube/informer.js';
import type { KubeObject } from '../../src/kube/objects.js';

const pod = (name: string, rv: number): KubeObject => ({
  metadata: { name, namespace: 'ns', resourceVersion: String(rv) },
});

/**
 * An apiserver as an informer sees it: a list, and watches from a resourceVersion that it can refuse
 * (down), close (after a while, or at once), or end with 410 Gone. It records when each was asked.
 */
class FakeApi implements ListWatch {
  up = true;
  /** Accept each watch and end it at once, as a server that closes streams it cannot serve. */
  closeOnOpen = false;
  rv = 10;
  objects: KubeObject[] = [pod('a', 10)];
  readonly lists: number[] = [];
  readonly watches: { at: number; from: string }[] = [];
  private stream: { onEvent: (type: string, obj: KubeObject) => void; done: (err: unknown) => void } | undefined;

  constructor(private readonly clock: VirtualClock) {}

  list(): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    this.lists.push(this.clock.now());
    if (!this.up) return Promise.reject(new Error('connect ECONNREFUSED'));
    return Promise.resolve({ items: [...this.objects], resourceVersion: String(this.rv) });
  }

  watch(
    resourceVersion: string,
    _tag: string | undefined,
    onEvent: (type: string, obj: KubeObject) => void,
    done: (err: unknown) => void,
  ): Promise<{ abort(): void }> {
    this.watches.push({ at: this.clock.now(), from: resourceVersion });
    if (!this.up) return Promise.reject(new Error('connect ECONNREFUSED'));
    this.stream = { onEvent, done };
    if (this.closeOnOpen) this.clock.setTimer(0, () => this.close());
    return Promise.resolve({ abort: () => (this.stream = undefined) });
  }

  get watching(): boolean {
    return this.stream !== undefined;
  }

  event(type: string, obj: KubeObject): void {
    this.stream?.onEvent(type, obj);
  }

  /** The stream ends: with an error (connection reset), or none (the server's watch timeout). */
  close(err: unknown = null): void {
    const s = this.stream;
    this.stream = undefined;
    s?.done(err);
  }

  /** Gaps between watch attempts from the `from`-th on, in ms. */
  gaps(from = 1): number[] {
    return this.watches.slice(from).map((w, i) => w.at - this.watches[from - 1 + i]!.at);
  }
}

async function start(random = (): number => 0) {
  const clock = new VirtualClock(0);
  const api = new FakeApi(clock);
  const informer = new WatchInformer('pods', api, { clock, random });
  await informer.ready();
  return { clock, api, informer };
}

describe('WatchInformer', () => {
  it('lists, then watches from the list resourceVersion, and wakes waiters with each event', async () => {
    const { clock, api, informer } = await start();
    expect(informer.items().map((p) => p.metadata.name)).to.deep.equal(['a']);
    expect(api.watches).to.deep.equal([{ at: 0, from: '10' }]);
    clock.setTimer(5000, () => api.event('ADDED', pod('b', 11)));
    const at = await clock.waitFor(() => informer.get('b', 'ns') && clock.now(), { timeoutMs: 60_000, what: 'b' });
    expect(at).to.equal(5000);
    informer.stop();
  });

  it('reconnects to an apiserver that is down with client-go back-off, not every second', async () => {
    const { clock, api, informer } = await start();
    await clock.sleep(10_000);
    api.up = false;
    api.close(new Error('socket hang up'));
    await clock.sleep(5 * 60_000);
    expect(api.gaps(1)).to.deep.equal([
      10_800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000, 30_000, 30_000, 30_000, 30_000, 30_000, 30_000,
    ]);
    // Against 300 attempts a second apart, that is 14 in 5 minutes.
    expect(api.watches.length - 1).to.equal(14);
    api.up = true;
    await clock.sleep(30_000);
    expect(api.watching).to.equal(true);
    informer.stop();
  });

  it('jitters each reconnect by up to its own length', async () => {
    const { clock, api, informer } = await start(() => 0.5);
    api.up = false;
    api.close(new Error('reset'));
    await clock.sleep(60_000);
    expect(api.gaps(2)).to.deep.equal([2400, 4800, 9600, 19_200]);
    informer.stop();
  });

  it('starts the back-off over once the watch has been healthy for two minutes', async () => {
    const { clock, api, informer } = await start();
    api.up = false;
    api.close(new Error('reset'));
    await clock.sleep(10_000); // attempts at 0.8, 2.4, 5.6 s; the next is due at 12 s
    api.up = true;
    await clock.sleep(5 * 60_000);
    const droppedAt = clock.now();
    api.close(new Error('reset'));
    await clock.sleep(60_000);
    expect(api.watches.at(-1)!.at - droppedAt).to.equal(800);
    informer.stop();
  });

  it('reopens at once, from the last resourceVersion, a watch the server closed after it worked', async () => {
    const { clock, api, informer } = await start();
    api.event('MODIFIED', pod('a', 12));
    await clock.sleep(60_000);
    api.close();
    await clock.sleep(0);
    expect(api.watches.at(-1)).to.deep.equal({ at: 60_000, from: '12' });
    informer.stop();
  });

  it('backs off from watches closed as soon as they open ("very short watch"), without an error', async () => {
    const { clock, api, informer } = await start();
    api.closeOnOpen = true;
    api.close();
    await clock.sleep(20_000);
    expect(api.gaps(1)).to.deep.equal([800, 1600, 3200, 6400]);
    informer.stop();
  });

  it('lists again after 410 Gone, and drops what disappeared meanwhile', async () => {
    const { clock, api, informer } = await start();
    const deleted: string[] = [];
    informer.onEvent((e) => e.type === 'DELETED' && deleted.push(e.object.metadata.name ?? ''));
    api.objects = [pod('c', 30)];
    api.rv = 30;
    api.event('ERROR', { metadata: { name: 'Status' } });
    api.close();
    await clock.sleep(2000);
    expect(api.lists).to.deep.equal([0, 800]);
    expect(deleted).to.deep.equal(['a']);
    expect(informer.items().map((p) => p.metadata.name)).to.deep.equal(['c']);
    expect(api.watches.at(-1)).to.deep.equal({ at: 800, from: '30' });
    informer.stop();
  });

  it('keeps listing until the list works when the relist after 410 Gone fails', async () => {
    const { clock, api, informer } = await start();
    api.up = false;
    api.close({ statusCode: 410 });
    await clock.sleep(3000);
    api.up = true;
    await clock.sleep(10_000);
    expect(api.lists).to.deep.equal([0, 800, 2400, 5600]);
    expect(api.watching).to.equal(true);
    informer.stop();
  });

  it('never reconnects once stopped, even with a reconnect already scheduled', async () => {
    const { clock, api, informer } = await start();
    api.close(new Error('reset'));
    informer.stop();
    await clock.sleep(60_000);
    expect(api.watches).to.have.length(1);
  });
});
