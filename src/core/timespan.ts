/**
 * Timespans as Duplicati writes them: composite `Y M W D h m s` parts such as `1M4D3m`, negative
 * parts allowed (`1D-1s`), a bare number is seconds. `M` is months and `m` minutes.
 *
 * `parseTimespan` gives a fixed length (a month counts as 30 days, a year as 365) for option values
 * like `--retry-delay`; `subtractTimespan`/`addTimespan` move a date by calendar months and years,
 * which is what `--keep-time` and `--time=2M` mean.
 */

import { ArgumentError } from "./errors.ts";

/** Unit letters understood in a timespan. */
export type TimespanUnit = "Y" | "M" | "W" | "D" | "h" | "m" | "s" | "ms";

/** One `<number><unit>` part of a composite timespan. */
export interface TimespanPart {
  value: number;
  unit: TimespanUnit;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Fixed lengths used when a timespan must become one number of milliseconds. */
export const UNIT_MS: Readonly<Record<TimespanUnit, number>> = {
  Y: 365 * DAY,
  M: 30 * DAY,
  W: 7 * DAY,
  D: DAY,
  h: HOUR,
  m: MINUTE,
  s: SECOND,
  ms: 1,
};

// `M` (months) and `m` (minutes) are the only case-sensitive pair; the other letters are
// accepted in either case because nobody means anything else by them.
const UNIT_ALIASES: Record<string, TimespanUnit> = {
  Y: "Y",
  y: "Y",
  M: "M",
  W: "W",
  w: "W",
  D: "D",
  d: "D",
  h: "h",
  H: "h",
  m: "m",
  s: "s",
  S: "s",
  ms: "ms",
};

const PART_RE = /\s*([+-]?)\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|[YyMWwDdhHmsS])/y;
const BARE_RE = /^\s*([+-]?)\s*(\d+(?:\.\d+)?|\.\d+)\s*$/;
const CLOCK_RE = /^\s*(-?)(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?\s*$/;

function invalid(value: string, why = ""): ArgumentError {
  return new ArgumentError(
    `Invalid timespan '${value}'${why ? ` (${why})` : ""}. ` +
      `Use a number of seconds or parts like 1Y2M3W4D5h6m7s (Y years, M months, W weeks, ` +
      `D days, h hours, m minutes, s seconds), e.g. 30D or 1D-1s.`,
    "InvalidTimespan",
  );
}

/**
 * Splits a timespan into its parts. A bare number becomes one part in `defaultUnit`; a .NET-style
 * clock value (`01:30:00`, `2.04:00:00`) becomes days/hours/minutes/seconds parts.
 * Throws ArgumentError for anything else.
 */
export function parseTimespanParts(value: string, defaultUnit: TimespanUnit = "s"): TimespanPart[] {
  const v = String(value ?? "");
  if (v.trim() === "") throw invalid(v, "empty");
  const bare = BARE_RE.exec(v);
  if (bare) {
    const n = Number(bare[2]) * (bare[1] === "-" ? -1 : 1);
    return [{ value: n, unit: defaultUnit }];
  }
  const clock = CLOCK_RE.exec(v);
  if (clock) {
    const sign = clock[1] === "-" ? -1 : 1;
    const parts: TimespanPart[] = [];
    if (clock[2]) parts.push({ value: sign * Number(clock[2]), unit: "D" });
    parts.push({ value: sign * Number(clock[3]), unit: "h" });
    parts.push({ value: sign * Number(clock[4]), unit: "m" });
    if (clock[5]) parts.push({ value: sign * Number(clock[5]), unit: "s" });
    if (clock[6]) parts.push({ value: sign * Number(clock[6].padEnd(3, "0")), unit: "ms" });
    return parts;
  }
  const parts: TimespanPart[] = [];
  PART_RE.lastIndex = 0;
  let pos = 0;
  while (pos < v.length) {
    if (v.slice(pos).trim() === "") break;
    PART_RE.lastIndex = pos;
    const m = PART_RE.exec(v);
    if (!m) throw invalid(v, `cannot read '${v.slice(pos).trim()}'`);
    const unit = UNIT_ALIASES[m[3]];
    if (!unit) throw invalid(v, `unknown unit '${m[3]}'`);
    parts.push({ value: Number(m[2]) * (m[1] === "-" ? -1 : 1), unit });
    pos = PART_RE.lastIndex;
  }
  if (parts.length === 0) throw invalid(v);
  return parts;
}

/**
 * Parses a timespan into milliseconds with fixed unit lengths (M = 30 days, Y = 365 days).
 * A bare number is in `defaultUnit` (seconds unless the option says otherwise).
 * Throws ArgumentError on junk.
 */
export function parseTimespan(value: string, defaultUnit: TimespanUnit = "s"): number {
  let ms = 0;
  for (const p of parseTimespanParts(value, defaultUnit)) ms += p.value * UNIT_MS[p.unit];
  return Math.round(ms);
}

function addMonths(d: Date, months: number): Date {
  const whole = Math.trunc(months);
  const y = d.getFullYear();
  const m = d.getMonth() + whole;
  const ty = y + Math.floor(m / 12);
  const tm = ((m % 12) + 12) % 12;
  const lastDay = new Date(ty, tm + 1, 0).getDate();
  const out = new Date(
    ty,
    tm,
    Math.min(d.getDate(), lastDay),
    d.getHours(),
    d.getMinutes(),
    d.getSeconds(),
    d.getMilliseconds(),
  );
  const frac = months - whole;
  return frac ? new Date(out.getTime() + frac * UNIT_MS.M) : out;
}

function addDays(d: Date, days: number): Date {
  const whole = Math.trunc(days);
  // setDate keeps the wall-clock time across daylight saving changes.
  const out = new Date(d.getTime());
  out.setDate(out.getDate() + whole);
  const frac = days - whole;
  return frac ? new Date(out.getTime() + frac * DAY) : out;
}

function applyParts(from: Date, parts: TimespanPart[], sign: 1 | -1): Date {
  let d = new Date(from.getTime());
  for (const p of parts) {
    const n = p.value * sign;
    switch (p.unit) {
      case "Y":
        d = addMonths(d, n * 12);
        break;
      case "M":
        d = addMonths(d, n);
        break;
      case "W":
        d = addDays(d, n * 7);
        break;
      case "D":
        d = addDays(d, n);
        break;
      default:
        d = new Date(d.getTime() + n * UNIT_MS[p.unit]);
    }
  }
  return d;
}

/**
 * Returns `from` moved back by the timespan, with years and months applied on the calendar in
 * local time (2024-03-31 minus `1M` is 2024-02-29) and days keeping the wall-clock time.
 * Negative parts move forward (`1D-1s` = one day minus one second ago). Throws ArgumentError.
 */
export function subtractTimespan(from: Date, value: string): Date {
  return applyParts(from, parseTimespanParts(value, "s"), -1);
}

/** Returns `from` moved forward by the timespan; the calendar-correct inverse of {@link subtractTimespan}. */
export function addTimespan(from: Date, value: string): Date {
  return applyParts(from, parseTimespanParts(value, "s"), 1);
}

/** One `timeframe:interval` bucket of `--retention-policy`. */
export interface RetentionBucket {
  /** The timeframe as written, `U` for unlimited. */
  timeframe: string;
  /** Timeframe length in ms with fixed unit lengths; Infinity for `U`. */
  timeframeMs: number;
  /** The interval as written; `U` or `0s` keep every backup in the timeframe. */
  interval: string;
  /** Minimum distance between kept backups in ms; 0 keeps all. */
  intervalMs: number;
}

/**
 * Parses `--retention-policy` (`7D:0s,3M:1D,10Y:2M`, `U` = unlimited timeframe or keep-all interval),
 * sorted by increasing timeframe. Throws ArgumentError naming the bad bucket.
 */
export function parseRetentionPolicy(value: string): RetentionBucket[] {
  const out: RetentionBucket[] = [];
  for (const raw of String(value ?? "").split(/[,;]/)) {
    const item = raw.trim();
    if (!item) continue;
    const parts = item.split(":");
    if (parts.length !== 2) {
      throw new ArgumentError(
        `Invalid retention policy bucket '${item}'. Use timeframe:interval pairs separated by ` +
          `commas, e.g. 1W:1D,4W:1W,12M:1M (U = unlimited).`,
        "InvalidRetentionPolicy",
      );
    }
    const [tf, iv] = parts.map((s) => s.trim());
    const timeframeMs = tf.toUpperCase() === "U" ? Infinity : parseTimespan(tf);
    const intervalMs = iv.toUpperCase() === "U" ? 0 : parseTimespan(iv);
    if (timeframeMs <= 0 || intervalMs < 0) {
      throw new ArgumentError(
        `Invalid retention policy bucket '${item}': the timeframe must be positive and the ` +
          `interval not negative.`,
        "InvalidRetentionPolicy",
      );
    }
    out.push({ timeframe: tf, timeframeMs, interval: iv, intervalMs });
  }
  return out.sort((a, b) => a.timeframeMs - b.timeframeMs);
}

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * Formats a duration briefly for progress lines and summaries: `850ms`, `4.2s`, `45s`,
 * `2m 03s`, `1h 02m 03s`, `3d 04h 05m`. Non-finite values give `?`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "?";
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  const total = Math.floor(ms / 1000);
  const s = total % 60;
  const m = Math.floor(total / 60) % 60;
  const h = Math.floor(total / 3600) % 24;
  const d = Math.floor(total / 86400);
  if (d > 0) return `${d}d ${pad(h)}h ${pad(m)}m`;
  if (h > 0) return `${h}h ${pad(m)}m ${pad(s)}s`;
  if (m > 0) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}

/**
 * Formats a duration as .NET's `TimeSpan.ToString()` does, which is how Duplicati stores and
 * reports durations: `[d.]hh:mm:ss[.fffffff]` (`00:01:02.1234567`, `1.02:03:04`).
 */
export function formatDotNetTimeSpan(ms: number): string {
  if (!Number.isFinite(ms)) return "00:00:00";
  const neg = ms < 0;
  const ticks = Math.round(Math.abs(ms) * 10_000);
  const totalSeconds = Math.floor(ticks / 10_000_000);
  const frac = ticks % 10_000_000;
  const d = Math.floor(totalSeconds / 86400);
  const h = Math.floor(totalSeconds / 3600) % 24;
  const m = Math.floor(totalSeconds / 60) % 60;
  const s = totalSeconds % 60;
  return `${neg ? "-" : ""}${d ? `${d}.` : ""}${pad(h)}:${pad(m)}:${pad(s)}` +
    (frac ? `.${String(frac).padStart(7, "0")}` : "");
}
