/**
 * The result of an operation as hooks and reports see it: Duplicati's property names, its
 * `ParsedResult` levels, and its two text forms — the "Duplicati" format (indented `Key: value`
 * lines, as in Duplicati's report e-mails) and the "Json" format (`{Data, Extra, LogLines,
 * Exception}`).
 */
import { VERSION } from "../../core/version.ts";

/** Duplicati's overall verdict on an operation. */
export type ParsedResult = "Unknown" | "Success" | "Warning" | "Error" | "Fatal";

/** Duplicati's result export formats. */
export type ResultFormat = "Duplicati" | "Json";

/** A duration printed as .NET prints a TimeSpan (`00:00:01.2340000`). */
export class TimeSpanValue {
  constructor(readonly ms: number) {}
  toString(): string {
    const ms = Math.max(0, Math.round(this.ms));
    const days = Math.floor(ms / 86_400_000);
    const p = (n: number, w = 2) => String(n).padStart(w, "0");
    const h = Math.floor(ms / 3_600_000) % 24;
    const m = Math.floor(ms / 60_000) % 60;
    const s = Math.floor(ms / 1000) % 60;
    const frac = p((ms % 1000) * 10_000, 7);
    return `${days ? `${days}.` : ""}${p(h)}:${p(m)}:${p(s)}.${frac}`;
  }
  toJSON(): string {
    return this.toString();
  }
}

/** Everything a report or after-script gets about a finished operation. */
export interface OperationReport {
  /** Result properties with Duplicati's names (`ExaminedFiles`, `ParsedResult`, ...). */
  data: Record<string, unknown>;
  /** The error that stopped the operation, if any. */
  exception?: Error;
  /** Log lines collected while the operation ran, already filtered and formatted. */
  logLines: string[];
}

/** Engine result keys that mean something else in Duplicati's result, or are shown elsewhere. */
const RENAMED: Record<string, string | null> = {
  version: "CreatedVersion",
  dryRun: "Dryrun",
  durationMs: null,
  exitCode: null,
  warnings: null,
  errors: null,
};

function pascal(key: string): string {
  return key.charAt(0).toUpperCase() + key.slice(1);
}

/** Converts an engine result (camelCase, any nesting) to Duplicati's property names. */
export function toDuplicatiNames(value: unknown, top = true): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((v) => toDuplicatiNames(v, false));
  if (value instanceof Date || value instanceof TimeSpanValue) return value;
  if (value instanceof Set) return [...value].map((v) => toDuplicatiNames(v, false));
  if (value instanceof Map) {
    return Object.fromEntries([...value].map(([k, v]) => [String(k), toDuplicatiNames(v, false)]));
  }
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v === "function") continue;
      const renamed = top && k in RENAMED ? RENAMED[k] : pascal(k);
      if (renamed === null) continue;
      out[renamed] = toDuplicatiNames(v, false);
    }
    return out;
  }
  return value;
}

/** The fields every Duplicati result has (`BasicResults`), appended after the operation's own. */
export function basicResultFields(o: {
  operation: string;
  parsedResult: ParsedResult;
  interrupted: boolean;
  begin: Date;
  end: Date;
  warnings: number;
  errors: number;
  messages: number;
}): Record<string, unknown> {
  return {
    MainOperation: o.operation,
    ParsedResult: o.parsedResult,
    Interrupted: o.interrupted,
    Version: `${VERSION} (portable)`,
    EndTime: o.end,
    BeginTime: o.begin,
    Duration: new TimeSpanValue(o.end.getTime() - o.begin.getTime()),
    MessagesActualLength: o.messages,
    WarningsActualLength: o.warnings,
    ErrorsActualLength: o.errors,
  };
}

/** en-US style local time, as .NET's `DateTime.ToString()` prints it. */
function dotnetLocalTime(d: Date): string {
  const h = d.getHours();
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getMonth() + 1}/${d.getDate()}/${d.getFullYear()} ${h % 12 || 12}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())} ${h < 12 ? "AM" : "PM"}`;
}

function primitiveText(v: unknown): string | undefined {
  if (v === null || v === undefined) return "null";
  if (v instanceof Date) return `${dotnetLocalTime(v)} (${Math.floor(v.getTime() / 1000)})`;
  if (v instanceof TimeSpanValue) return v.toString();
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "string") return String(v);
  return undefined;
}

const COLLECTION_LIMIT = 10;

/** Duplicati's `PrintSerializeObject` (recursing into objects, 4-space indent, 10 items a list). */
function printObject(item: unknown, indent: number, out: string[]): void {
  const pad = " ".repeat(indent);
  const prim = primitiveText(item);
  if (
    prim !== undefined && (item === null || typeof item !== "object" || item instanceof Date ||
      item instanceof TimeSpanValue)
  ) {
    out.push(pad + prim);
    return;
  }
  let first = true;
  const sep = () => {
    if (first) first = false;
    else out.push("\n");
  };
  for (const [k, v] of Object.entries(item as Record<string, unknown>)) {
    const p = v === null || v === undefined || typeof v !== "object" || v instanceof Date ||
        v instanceof TimeSpanValue
      ? primitiveText(v)
      : undefined;
    if (p !== undefined) {
      sep();
      out.push(`${pad}${k}: ${p}`);
    } else if (Array.isArray(v)) {
      sep();
      out.push(`${pad}${k}: [`);
      if (v.length) {
        out.push("\n");
        v.slice(0, COLLECTION_LIMIT).forEach((x, i) => {
          if (i > 0) out.push(",\n");
          printObject(x, indent + 4, out);
        });
        if (v.length > COLLECTION_LIMIT) out.push(",\n...");
        out.push("\n" + pad);
      }
      out.push("]");
    } else {
      sep();
      out.push(`${pad}${k}:\n`);
      printObject(v, indent + 4, out);
    }
  }
}

function duplicatiText(report: OperationReport, extra?: Record<string, string>): string {
  const lines: string[] = [];
  const e = report.exception;
  if (e) {
    lines.push(`Failed: ${e.message}\nDetails: ${e.stack ?? e.message}\n\n`);
  }
  const out: string[] = [];
  printObject(report.data, 0, out);
  lines.push(out.join(""));
  if (extra && Object.keys(extra).length) {
    lines.push("\n" + Object.entries(extra).map(([k, v]) => `${k}: ${v}`).join("\n") + "\n");
  }
  if (report.logLines.length) {
    lines.push("\nLog data:\n" + report.logLines.join("\n") + "\n");
  }
  return lines.join("");
}

function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  return v;
}

/**
 * Serialises a report in `format`. `extra` holds the template values Duplicati adds (the JSON
 * format's `Extra` object; appended as `key: value` lines in the text format).
 */
export function serializeReport(
  format: ResultFormat,
  report: OperationReport,
  extra?: Record<string, string>,
): string {
  if (format === "Json") {
    return JSON.stringify(
      {
        Data: report.data,
        Extra: extra ?? null,
        LogLines: report.logLines,
        Exception: report.exception
          ? `${report.exception.name}: ${report.exception.message}`
          : null,
      },
      jsonReplacer,
    );
  }
  return duplicatiText(report, extra);
}

/** Reads `--*-result-output-format` leniently, as Duplicati does (unknown values = Duplicati). */
export function resultFormatOf(value: string | undefined): ResultFormat {
  return value?.trim().toLowerCase() === "json" ? "Json" : "Duplicati";
}
