/** One thing wrong with an experiment file, located for a person and for an editor. */
export interface ValidationIssue {
  file: string;
  /** 1-based; 0 when the problem has no place in the file (it could not be read). */
  line: number;
  /** 1-based, counting characters (a tab is one). */
  column: number;
  /** JSON pointer of the value the issue is about, "" for the whole document. */
  path: string;
  message: string;
  /** Set on the last issue of a file with too many to list: how many it stands for. */
  hidden?: number;
}

/** `experiments/x.json:12:7: /faults/0/nodes/count: Expected ...`, the form editors and CI logs link. */
export function formatIssue(issue: ValidationIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  const path = issue.path === '' ? '' : `${shortPointer(issue.path)}: `;
  return `${where}: ${path}${issue.message}`;
}

/** A pointer through a huge property name shows its start: the line and column say where it is. */
function shortPointer(pointer: string): string {
  return pointer
    .split('/')
    .map((segment) => (segment.length > 60 ? `${segment.slice(0, 60)}…` : segment))
    .join('/');
}
