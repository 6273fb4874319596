import { BlastRadiusError, InfrastructureError, InvalidInputError } from '../../errors.js';

/** The target cannot perform this operation at all (kind cannot add nodes); the drill must change. */
export class UnsupportedOperationError extends InvalidInputError {}

/** A host command (docker, ssh, etcdctl, kubectl) exited non-zero or could not start. */
export class CommandFailedError extends InfrastructureError {
  constructor(
    message: string,
    readonly command: string,
    readonly exitCode_: number | undefined,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** A lab run was pointed at a kubeconfig context its profile does not allow-list. Nothing was touched. */
export class ContextNotAllowedError extends BlastRadiusError {}

/** A lab profile is not valid: the message names the file, the JSON path and what was expected. */
export class LabProfileError extends InvalidInputError {}

/**
 * An allow-listed context leads to a cluster other than the one the lab profile pinned or gameday recorded
 * at first use (or its identity cannot be confirmed). Nothing was touched.
 */
export class ClusterIdentityError extends BlastRadiusError {}
