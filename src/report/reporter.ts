import type { RunResult } from './result.js';

/** What every report states about how it was made, besides the results themselves. */
export interface ReportMeta {
  /** When the report was generated, ms since the epoch (wall clock). */
  generatedAt: number;
  /** The command line that produced the results, for reproducing them. */
  command?: string;
  gamedayVersion: string;
  /** The seed of the whole invocation, when one was given. */
  seed?: number;
}

/** One report format. `render` is pure: writing files is write.ts's business. */
export interface Reporter {
  readonly name: string;
  /** File extension without the dot: "json", "xml", "md", "html". */
  readonly extension: string;
  render(results: RunResult[], meta: ReportMeta): string;
}
