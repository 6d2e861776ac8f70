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
  current?: string;
  /** Size of the current file and how far into it the operation is, for large files. */
  currentSize?: number;
  currentOffset?: number;
}

/** Receives progress updates; must be cheap (called often). */
export type ProgressSink = (e: ProgressEvent) => void;

/** A sink that drops everything. */
export const noProgress: ProgressSink = () => {};
