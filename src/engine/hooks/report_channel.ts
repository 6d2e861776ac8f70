/**
 * What the report channels (e-mail, HTTP) share, as Duplicati's `ReportHelper`: which operations
 * and results are reported (`--*-level`, `--*-any-operation`), the log lines included
 * (`--*-log-level`, `--*-max-log-lines`), a body given as a file path, and template expansion.
 */
import { isAbsolute } from "node:path";
import type { OptionValues } from "../../core/option_values.ts";
import { levelRank, type LogEntry, type LogLevel, parseLogLevel } from "../../core/log.ts";
import type { OperationReport, ParsedResult } from "./result_format.ts";
import type { TemplateContext } from "./report_template.ts";

/** A finished operation, as every report channel sees it. */
export interface FinishedOperation {
  operationName: string;
  remoteUrl: string;
  localPath?: string[];
  parsedResult: ParsedResult;
  /** Effective options (after before-script overrides). */
  options: OptionValues;
  /** Result data and the error that stopped the operation, without log lines. */
  report: Omit<OperationReport, "logLines">;
  /** Every log line written while the operation ran. */
  log: LogEntry[];
}

/** Formats a log line as Duplicati's `LogEntry.AsString`: `2024-01-31 13:45:00 +01 - [Warning-Tag]: text`. */
export function formatLogEntry(e: LogEntry): string {
  const d = new Date(e.at);
  const p = (n: number) => String(Math.abs(n)).padStart(2, "0");
  const off = -d.getTimezoneOffset() / 60;
  const zone = `${off < 0 ? "-" : "+"}${p(Math.trunc(off))}`;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())} ${zone} - [${e.level}-Duplicati]: ${e.message}`;
}

/** The given options as `name -> value` (repeated options: the last value). */
export function givenOptions(opts: OptionValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.raw())) {
    const s = Array.isArray(v) ? v[v.length - 1] : v;
    if (s !== undefined) out[k] = s;
  }
  return out;
}

/** One channel's reading of its options (`prefix` is `send-mail` or `send-http`). */
export class ReportChannel {
  constructor(readonly prefix: string, private op: FinishedOperation) {}

  private get opts(): OptionValues {
    return this.op.options;
  }

  /**
   * Duplicati's rule: only backups are reported unless `--<prefix>-any-operation`; for backups,
   * `--<prefix>-level` (default All) lists the results that are sent.
   */
  shouldSend(): boolean {
    const isBackup = this.op.operationName.toLowerCase() === "backup";
    if (!isBackup && !this.opts.bool(`${this.prefix}-any-operation`)) return false;
    if (!isBackup) return true;
    const raw = this.opts.str(`${this.prefix}-level`) ?? "All";
    const levels = raw.split(",").map((s) => s.trim().toLowerCase()).filter((s) => s);
    if (levels.length === 0 || levels.includes("all")) return true;
    return levels.includes(this.op.parsedResult.toLowerCase());
  }

  /** The log lines for this channel: at least its log level, at most its line limit. */
  logLines(): string[] {
    const min: LogLevel = parseLogLevel(this.opts.str(`${this.prefix}-log-level`) ?? "Warning") ??
      "Warning";
    const lines = this.op.log.filter((e) => levelRank(e.level) >= levelRank(min)).map(
      formatLogEntry,
    );
    const max = Number(this.opts.str(`${this.prefix}-max-log-lines`) ?? "100");
    if (Number.isFinite(max) && max > 0 && lines.length > max) {
      return [...lines.slice(0, max), `... and ${lines.length - max} more`];
    }
    return lines;
  }

  /** A body option: its text, or the content of the file it names (an absolute, existing path). */
  bodyText(option: string, fallback: string): string {
    const v = this.opts.str(option);
    if (v === undefined || v === "") return fallback;
    if (v !== fallback && isAbsolute(v)) {
      try {
        return Deno.readTextFileSync(v);
      } catch { /* not a readable file: the value is the text */ }
    }
    return v;
  }

  /** The context for template expansion. */
  templateContext(): TemplateContext {
    return {
      operationName: this.op.operationName,
      remoteUrl: this.op.remoteUrl,
      localPath: this.op.localPath,
      parsedResult: this.op.parsedResult,
      options: givenOptions(this.opts),
      report: { ...this.op.report, logLines: this.logLines() },
    };
  }
}
