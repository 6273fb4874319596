/**
 * A recovery step's choice (the nodes or members it acts on), made once for its `impact` and its `run`:
 * the engine calls both with the same parameters object, and a random pick made twice would check one node
 * and act on another.
 */
export class StepChoice<T> {
  private readonly made = new WeakMap<object, Promise<T>>();

  /** The choice for `params`: made now by `choose`, or the one `impact` made; `run` takes it (once). */
  get(params: object, choose: () => Promise<T>): Promise<T> {
    let p = this.made.get(params);
    if (!p) {
      p = choose();
      this.made.set(params, p);
    }
    return p;
  }

  /** For `run`: the choice `impact` made, forgotten afterwards so that a second run chooses again. */
  take(params: object, choose: () => Promise<T>): Promise<T> {
    const p = this.made.get(params) ?? choose();
    this.made.delete(params);
    return p;
  }
}
