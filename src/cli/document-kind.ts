import { readFileSync, statSync } from 'node:fs';
import { errorMessage } from '../errors.js';
import { loadTopology } from '../sim/topology/load-topology.js';
import { loadLabProfile } from '../targets/lab/profile.js';

/** The three kinds of JSON file gameday reads, each with its own schema. */
export type DocumentKind = 'experiment' | 'topology' | 'lab-profile';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * What a file is: by the schema it names, else by its shape (a topology's clusters have nodes, a lab
 * profile's have contexts, an experiment has faults). Anything unclear is an experiment, whose validation
 * says best what is missing.
 */
export function documentKind(text: string): DocumentKind {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return 'experiment';
  }
  if (!isRecord(data)) return 'experiment';
  const schema = typeof data['$schema'] === 'string' ? data['$schema'] : '';
  if (/topology\.schema\.json$/.test(schema)) return 'topology';
  if (/lab-profile\.schema\.json$/.test(schema)) return 'lab-profile';
  if (/experiment\.schema\.json$/.test(schema)) return 'experiment';
  if (['faults', 'recovery', 'verify', 'id'].some((k) => k in data)) return 'experiment';
  const clusters = Array.isArray(data['clusters']) ? data['clusters'].filter(isRecord) : [];
  if (clusters.length === 0) return 'experiment';
  if (clusters.every((c) => Array.isArray(c['nodes']))) {
    return clusters.some((c) => 'context' in c) ? 'lab-profile' : 'topology';
  }
  if (clusters.some((c) => 'context' in c)) return 'lab-profile';
  return 'experiment';
}

/** `file:line:column: path: message` lines from a loader's error, without its heading. */
function problemLines(message: string): string[] {
  const lines = message.split('\n');
  return lines.length > 1 ? lines.slice(1).map((l) => l.trim()) : [message];
}

/** A topology or lab profile checked as `--topology` and `--profile` would read it: its problems, or none. */
export function checkOtherDocument(file: string, kind: Exclude<DocumentKind, 'experiment'>): string[] {
  try {
    if (kind === 'topology') loadTopology(file);
    else loadLabProfile(file);
    return [];
  } catch (err) {
    return problemLines(errorMessage(err)).map((l) => (l.startsWith(file) ? l : `${file}: ${l}`));
  }
}

/** Only a regular file of a reasonable size is read to tell: anything else is left to the experiment reader. */
export function kindOfFile(file: string): DocumentKind {
  try {
    const st = statSync(file);
    if (!st.isFile() || st.size > 4 * 2 ** 20) return 'experiment';
    return documentKind(readFileSync(file, 'utf8'));
  } catch {
    return 'experiment';
  }
}
