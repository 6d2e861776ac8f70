/** What every command handler receives, and the output helpers they share. */
import type { OptionValues } from "../core/option_values.ts";
import type { FilterList } from "../core/filters.ts";
import type { Logger } from "../core/log.ts";
import type { ProgressSink } from "../core/progress.ts";

/** The parsed command line and the ways to talk back to the user. */
export interface CommandContext {
  command: string;
  positionals: string[];
  options: OptionValues;
  filters: FilterList;
  logger: Logger;
  progress: ProgressSink;
  /** Writes a line to standard output. */
  out: (line?: string) => void;
  /** Abort (the second Ctrl-C): end at once. */
  signal: AbortSignal;
  /**
   * Stop (the first Ctrl-C, also set by abort): end after the current file. Commands without a
   * partial result to keep pass this one to the engine as their abort signal.
   */
  stopSignal: AbortSignal;
  /** Hands the engine's result to the after-script and the reports (optional for a command). */
  setResult?: (result: unknown) => void;
  /** Runs `--run-script-post-backup`; the backup command calls it once the data is uploaded. */
  postBackup?: () => Promise<void>;
}

/** A command: returns the process exit code. */
export type CommandHandler = (ctx: CommandContext) => Promise<number>;

/** Formats a date as local `yyyy-MM-dd HH:mm:ss`. */
export function formatLocalTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())}`;
}
