import type { NodeOps, Target } from '../targets/target.js';

/** A host's power as the tile shows it. The API cannot tell a powered-off node from a stopped kubelet. */
export type PowerState = 'on' | 'off' | 'booting';

/** Where the page learns whether a host is powered: the simulator's hosts, or the power calls a drill made. */
export interface PowerSource {
  /** undefined: not known (the host was never seen powered off or on). */
  state(cluster: string, node: string): PowerState | undefined;
  onChange(listener: () => void): () => void;
}

/**
 * The power calls made through a target (faults, recovery steps, rollback alike), remembered per host: on
 * kind and lab targets, and a simulator in another process, the only way to know a node is powered off
 * rather than merely NotReady. A host stays "booting" from the power-on call until the node reports Ready
 * again, which the tile shows from the API.
 */
export class PowerCalls implements PowerSource {
  private readonly states = new Map<string, PowerState>();
  private readonly listeners = new Set<() => void>();

  state(cluster: string, node: string): PowerState | undefined {
    return this.states.get(`${cluster}/${node}`);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  record(cluster: string, node: string, state: PowerState): void {
    this.states.set(`${cluster}/${node}`, state);
    for (const l of this.listeners) l();
  }

  /**
   * The same target, but its hosts' power calls are also remembered here. Everything else passes through
   * untouched: the drill cannot tell the difference. A dry run's calls change nothing, so they are not.
   */
  observe(target: Target, dryRun: boolean): Target {
    if (dryRun) return target;
    const wrapped = new Map<string, NodeOps>();
    const nodes = (cluster: string): NodeOps => {
      let ops = wrapped.get(cluster);
      if (!ops) {
        const inner = target.nodes(cluster);
        ops = new Proxy(inner, {
          get: (t, prop, receiver) => {
            const value = Reflect.get(t, prop, receiver) as unknown;
            if (prop !== 'power' || typeof value !== 'function') {
              return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
            }
            return async (node: string, action: 'off' | 'on') => {
              if (action === 'off') this.record(cluster, node, 'off');
              await (value as NodeOps['power']).call(t, node, action);
              if (action === 'on') this.record(cluster, node, 'booting');
            };
          },
        });
        wrapped.set(cluster, ops);
      }
      return ops;
    };
    return new Proxy(target, {
      get: (t, prop, receiver) => {
        if (prop === 'nodes') return nodes;
        const value = Reflect.get(t, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      },
    });
  }
}

/** The first source that knows, for a simulator in this process plus the calls made through the target. */
export function firstKnown(...sources: (PowerSource | undefined)[]): PowerSource {
  const known = sources.filter((s): s is PowerSource => s !== undefined);
  return {
    state: (cluster, node) => {
      for (const s of known) {
        const v = s.state(cluster, node);
        if (v !== undefined) return v;
      }
      return undefined;
    },
    onChange: (listener) => {
      const stops = known.map((s) => s.onChange(listener));
      return () => stops.forEach((s) => s());
    },
  };
}
