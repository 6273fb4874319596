import { relative, resolve } from 'node:path';
import type { TargetOptions } from './create.js';

/** A path as the person would type it: relative below the working directory, absolute elsewhere. */
const shown = (file: string): string => {
  const rel = relative(process.cwd(), resolve(file));
  return rel === '' || rel.startsWith('..') ? resolve(file) : rel;
};

/**
 * When the topology a run uses is not the one the experiment names, say so before anything runs: a
 * `--topology` that replaces the experiment's own, or a topology that this target does not load at all
 * (kind, lab and a served simulator have their own platform).
 */
export function withNotices<T extends { notices?: string[] }>(created: T, more: string[]): T {
  if (more.length === 0) return created;
  return { ...created, notices: [...(created.notices ?? []), ...more] };
}

export function topologyNotices(o: TargetOptions, loadsTopology: boolean): string[] {
  const id = o.experiment?.id ?? 'the experiment';
  const own = o.experimentTopology;
  if (!loadsTopology) {
    // On kind and lab an experiment's own topology is the simulator's business: only an explicit flag is news.
    const given = o.kind === 'sim' ? (o.topology ?? own) : o.topology;
    if (!given) return [];
    const where =
      o.kind === 'sim'
        ? 'this run attaches to a served simulator, which has its own'
        : `the ${o.kind} target has its own platform`;
    return [`  note: topology ${shown(given)} is not loaded: ${where}.`];
  }
  if (o.topology && own && resolve(o.topology) !== resolve(own)) {
    return [`  note: --topology ${shown(o.topology)} replaces ${id}'s own topology ${shown(own)}.`];
  }
  return [];
}
