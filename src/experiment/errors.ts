import { InvalidInputError } from '../errors.js';
import { formatIssue, type ValidationIssue } from './issues.js';

/** One or more experiment files are not valid; the message lists every issue, one per line. */
export class ExperimentValidationError extends InvalidInputError {
  readonly issues: readonly ValidationIssue[];
  constructor(issues: readonly ValidationIssue[], message = issues.map(formatIssue).join('\n')) {
    super(message);
    this.issues = issues;
  }
}
