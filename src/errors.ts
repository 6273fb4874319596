/**
 * Typed errors carrying the message a user reads. Only the CLI prints them and turns them into exit codes
 * (see src/cli/exit-codes.ts); everything else throws.
 */
export class GamedayError extends Error {
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 3;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input the user gave is wrong: an experiment, a topology, a flag. Exit 2. */
export class InvalidInputError extends GamedayError {
  override readonly exitCode = 2;
}

/** The drill could not be carried out: the target misbehaved, a step failed, an abort condition fired. Exit 3. */
export class InfrastructureError extends GamedayError {
  override readonly exitCode = 3;
}

/** A blast-radius limit refused the experiment before anything changed. Exit 2: the experiment must change. */
export class BlastRadiusError extends GamedayError {
  override readonly exitCode = 2;
}

/** The drill was stopped from outside (Ctrl-C, SIGTERM) or by an abort condition. Exit 3. */
export class AbortedError extends GamedayError {
  override readonly exitCode = 3;
}

/** A wait ran past its deadline. The message says what was awaited and for how long. */
export class TimeoutError extends GamedayError {
  override readonly exitCode = 3;
}

/**
 * A rollback journal cannot be used: unreadable, cut short, malformed, of another cluster, or of a drill
 * still running. Exit 3: nothing was undone, and someone must look.
 */
export class JournalError extends GamedayError {
  override readonly exitCode = 3;
}

/** A required external program (etcd, docker, kind, ssh) is not installed. */
export class MissingDependencyError extends GamedayError {
  override readonly exitCode = 3;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
