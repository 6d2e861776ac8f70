/**
 * Log messages with Duplicati's levels. Operations collect warnings and errors in their results;
 * this is the live stream the front ends show or write to `--log-file`.
 */

export const LOG_LEVELS = [
  "ExplicitOnly",
  "Profiling",
  "Verbose",
  "Retry",
  "Information",
  "DryRun",
  "Warning",
  "Error",
] as const;
export type LogLevel = typeof LOG_LEVELS[number];

/** One log line. */
export interface LogEntry {
  level: LogLevel;
  message: string;
  at: number;
}

/** Receives log lines. */
export type LogSink = (e: LogEntry) => void;

/** Numeric rank of a level, for comparisons. */
export function levelRank(l: LogLevel): number {
  return LOG_LEVELS.indexOf(l);
}

/** Parses a level name case-insensitively; undefined if unknown. */
export function parseLogLevel(s: string): LogLevel | undefined {
  return LOG_LEVELS.find((l) => l.toLowerCase() === s.toLowerCase());
}

/** A logger bound to a sink, with warning/error counters for the operation result. */
export class Logger {
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  private listeners: LogSink[] = [];
  constructor(private sink: LogSink = () => {}) {}

  log(level: LogLevel, message: string): void {
    if (level === "Warning") this.warnings.push(message);
    if (level === "Error") this.errors.push(message);
    const e = { level, message, at: Date.now() };
    this.sink(e);
    for (const l of this.listeners) l(e);
  }

  /** Also sends every later line to `listener` (e.g. a report collecting log lines); returns an unsubscribe function. */
  subscribe(listener: LogSink): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }
  info(message: string): void {
    this.log("Information", message);
  }
  verbose(message: string): void {
    this.log("Verbose", message);
  }
  warn(message: string): void {
    this.log("Warning", message);
  }
  error(message: string): void {
    this.log("Error", message);
  }
}
