import { InfrastructureError, MissingDependencyError } from '../errors.js';

/** What a drill needs to know about a failed etcdctl call, in etcd's own words. */
export type EtcdctlFailure =
  /** `etcdserver: request timed out`: the server gave up (no quorum, slow disk). */
  | 'request-timeout'
  /** `context deadline exceeded`: our --command-timeout (or dial timeout) ran out first. */
  | 'deadline'
  /** `etcdserver: no leader` / `leader changed`: an election is under way or impossible. */
  | 'no-leader'
  /** `etcdserver: unhealthy cluster`: a membership change refused until every member is connected. */
  | 'unhealthy-cluster'
  /** Nothing listens on the endpoints. */
  | 'unreachable'
  /** The snapshot file is unreadable, truncated or fails its hash. */
  | 'bad-snapshot'
  | 'other';

export class EtcdctlError extends InfrastructureError {
  readonly failure: EtcdctlFailure;
  constructor(
    /** The command line as it was run (what `onCommand` received). */
    readonly command: string,
    /** etcdctl's exit status (not the CLI's `exitCode`); undefined when it did not run to the end. */
    readonly etcdctlExit: number | undefined,
    /** etcdctl's stderr, verbatim. */
    readonly stderr: string,
    /** The `Error: ...` line etcdctl ended with, without the prefix, or the last stderr line. */
    readonly reason: string,
  ) {
    super(`etcdctl failed: ${reason} (command: ${command})`);
    this.failure = classifyEtcdctlError(reason);
  }
}

export function classifyEtcdctlError(reason: string): EtcdctlFailure {
  const r = reason.toLowerCase();
  if (r.includes('request timed out')) return 'request-timeout';
  if (r.includes('no leader') || r.includes('leader changed')) return 'no-leader';
  if (r.includes('unhealthy cluster')) return 'unhealthy-cluster';
  if (r.includes('connection refused') || r.includes('all subconns are in transientfailure')) return 'unreachable';
  if (r.includes('context deadline exceeded')) return 'deadline';
  if (
    r.includes('sha256') ||
    r.includes('missing hash') ||
    r.includes('invalid database') ||
    r.includes('file size too small') ||
    r.includes('seek ') ||
    r.includes('no such file')
  ) {
    return 'bad-snapshot';
  }
  return 'other';
}

/** etcd or etcdctl is not on PATH. */
export class EtcdMissingError extends MissingDependencyError {}

/** A member process would not start, stop or become healthy. */
export class EtcdMemberError extends InfrastructureError {}

/**
 * The single-member restore failed part-way. Nothing was deleted: `movedAside` lists every data directory
 * moved out of the way (original -> where it now is), so that a person can put it back or retry.
 */
export class EtcdRestoreError extends InfrastructureError {
  constructor(
    message: string,
    readonly stage: 'check-snapshot' | 'stop-members' | 'move-aside' | 'restore' | 'start' | 'wait-healthy',
    readonly movedAside: { from: string; to: string }[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
