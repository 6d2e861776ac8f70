/**
 * Progress events: what long operations report, and what the terminal bar and the web UI show.
 */

/** One progress update. Totals are absent while unknown. */
export interface ProgressEvent {
  operation: string;
  phase: string;
  filesDone: number;
  filesTotal?: number;
  bytesDone: number;
  bytesTotal?: number;
  /**
   * True while the totals are still being counted alongside the operation: `filesTotal` and
   * `bytesTotal` are then the counts so far, not the final totals.
   */
  stillCounting?: boolean;
  current?: string;
  /** Size of the current file and how far into it the operation is, for large files. */
  currentSize?: number;
  currentOffset?: number;
}

/** Receives progress updates; must be cheap (called often). */
export type ProgressSink = (e: ProgressEvent) => void;

/**
 * A sink that drops everything. Operations given it skip work done only for the display (a
 * backup does not count the source files for the totals).
 */
export const noProgress: ProgressSink = () => {};
