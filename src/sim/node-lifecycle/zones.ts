import type { KubeObject } from '../../kube/objects.js';
import type { SimParams } from '../params.js';

export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

/** The zone a node belongs to, as the node controller keys it. */
export function zoneOf(node: KubeObject): string {
  const l = node.metadata.labels ?? {};
  return l['topology.kubernetes.io/zone'] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
}

/** ComputeZoneState: full disruption when no node is Ready, partial when more than 2 and >= threshold are not. */
export function zoneState(ready: number, notReady: number, params: SimParams): ZoneState {
  if (ready === 0 && notReady > 0) return 'FullDisruption';
  if (notReady > 2 && notReady / (ready + notReady) >= params.unhealthyZoneThreshold) return 'PartialDisruption';
  return 'Normal';
}

/** The eviction (NoExecute tainting) rate of a zone, nodes per second. */
export function zoneRate(state: ZoneState, clusterSize: number, params: SimParams): number {
  if (state === 'PartialDisruption')
    return clusterSize > params.largeClusterSizeThreshold ? params.secondaryNodeEvictionRate : 0;
  return params.nodeEvictionRate;
}

/** A token bucket with burst 1 (flowcontrol.NewTokenBucketRateLimiter(qps, 1)): one node, then one per 1/qps s. */
export class TokenBucket {
  private tokens = 1;
  private last: number;

  constructor(
    private qps: number,
    now: number,
  ) {
    this.last = now;
  }

  setRate(qps: number, now: number): void {
    if (qps === this.qps) return;
    this.refill(now);
    this.qps = qps;
    // SwapLimiter: a limiter for a new rate starts full, like a fresh one (zero rate: never).
    this.tokens = qps > 0 ? 1 : 0;
  }

  tryAccept(now: number): boolean {
    this.refill(now);
    if (this.tokens >= 1 - 1e-9) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Milliseconds until the next token, or undefined at rate 0. */
  msUntilToken(now: number): number | undefined {
    this.refill(now);
    if (this.qps <= 0) return undefined;
    return Math.max(0, Math.ceil(((1 - this.tokens) / this.qps) * 1000));
  }

  private refill(now: number): void {
    this.tokens = Math.min(1, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
  }
}
