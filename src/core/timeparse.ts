/**
 * Point-in-time values (`--time`) and version lists (`--version`).
 *
 * Accepted `--time` forms, tried in this order:
 *  - `now`
 *  - Unix seconds (`1715950000`; 13 digits or more are taken as milliseconds)
 *  - Duplicati's remote file stamp `yyyyMMddTHHmmssZ` (UTC; without `Z` it is local time)
 *  - ISO-8601 `2024-05-17`, `2024-05-17T13:45`, `2024-05-17 13:45:10.5+02:00`
 *    (no zone = local time, unlike JavaScript's Date which reads a bare date as UTC)
 *  - `2024/05/17`, `17.05.2024`, `05/17/2024` (month first unless the first number is above 12),
 *    each with an optional ` 13:45[:10]` and `AM`/`PM`
 *  - a time of day `13:45[:10]` (today, local time)
 *  - dates with month names that JavaScript reads (`17 May 2024 13:45`, RFC 2822)
 *  - a timespan meaning "that long ago": `2D`, `1M4D`, and `-2D` (same as `2D`)
 */

import { ArgumentError } from "./errors.ts";
import { parseTimespanParts, subtractTimespan } from "./timespan.ts";

function timeError(value: string): ArgumentError {
  return new ArgumentError(
    `Invalid time '${value}'. Use "now", a date such as 2024-05-17 or 2024-05-17T13:45:00 ` +
      `(local time unless a zone such as Z or +02:00 is given), Unix seconds such as 1715950000, ` +
      `or how long ago such as 2D (two days) or 1M4D (one month and four days).`,
    "InvalidTime",
  );
}

function localDate(
  y: number,
  mo: number,
  d: number,
  h = 0,
  mi = 0,
  s = 0,
  ms = 0,
): Date | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const out = new Date(y, mo - 1, d, h, mi, s, ms);
  out.setFullYear(y); // years 0-99 would otherwise map to 1900-1999
  if (out.getMonth() !== mo - 1 || out.getDate() !== d) return undefined; // 2024-02-31
  return out;
}

function utcDate(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
  offsetMin: number,
): Date | undefined {
  const local = localDate(y, mo, d, h, mi, s, ms);
  if (!local) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  return new Date(t - offsetMin * 60_000);
}

const STAMP_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$/i;
const ISO_RE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const YMD_SLASH_RE = /^(\d{4})\/(\d{1,2})\/(\d{1,2})(.*)$/;
const DMY_DOT_RE = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(.*)$/;
const MDY_SLASH_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(.*)$/;
const CLOCK_TAIL_RE = /^(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm)?)?\s*$/i;

function fraction(f: string | undefined): number {
  return f ? Math.round(Number(`0.${f}`) * 1000) : 0;
}

function withClock(y: number, mo: number, d: number, tail: string): Date | undefined {
  const c = CLOCK_TAIL_RE.exec(tail);
  if (!c) return undefined;
  let h = c[1] ? Number(c[1]) : 0;
  if (c[4]) {
    if (h < 1 || h > 12) return undefined;
    h = (h % 12) + (c[4].toLowerCase() === "pm" ? 12 : 0);
  }
  return localDate(y, mo, d, h, c[2] ? Number(c[2]) : 0, c[3] ? Number(c[3]) : 0);
}

function parseAbsolute(v: string): Date | undefined {
  let m = STAMP_RE.exec(v);
  if (m) {
    const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
    return m[7] ? utcDate(y, mo, d, h, mi, s, 0, 0) : localDate(y, mo, d, h, mi, s);
  }
  m = ISO_RE.exec(v);
  if (m) {
    const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
    const h = m[4] ? Number(m[4]) : 0, mi = m[5] ? Number(m[5]) : 0, s = m[6] ? Number(m[6]) : 0;
    const ms = fraction(m[7]);
    const zone = m[8];
    if (!zone) return localDate(y, mo, d, h, mi, s, ms);
    if (zone.toUpperCase() === "Z") return utcDate(y, mo, d, h, mi, s, ms, 0);
    const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const off = (Number(zm[2]) * 60 + Number(zm[3] ?? 0)) * (zm[1] === "-" ? -1 : 1);
    return utcDate(y, mo, d, h, mi, s, ms, off);
  }
  m = YMD_SLASH_RE.exec(v);
  if (m) return withClock(Number(m[1]), Number(m[2]), Number(m[3]), m[4]);
  m = DMY_DOT_RE.exec(v);
  if (m) return withClock(Number(m[3]), Number(m[2]), Number(m[1]), m[4]);
  m = MDY_SLASH_RE.exec(v);
  if (m) {
    const a = Number(m[1]), b = Number(m[2]);
    // Month first (US order) unless that cannot be a month.
    return a > 12 ? withClock(Number(m[3]), b, a, m[4]) : withClock(Number(m[3]), a, b, m[4]);
  }
  // Month names: let JavaScript read RFC 2822 and "17 May 2024"-style text.
  if (/[a-z]{3}/i.test(v) && /\d{4}/.test(v)) {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return new Date(t);
  }
  return undefined;
}

/**
 * Parses a `--time` value into a Date (see the module comment for the accepted forms). Relative
 * timespans are subtracted from `now` on the calendar. Throws ArgumentError with examples otherwise.
 */
export function parseTimeValue(value: string, now: Date = new Date()): Date {
  const v = String(value ?? "").trim();
  if (v === "") throw timeError(value);
  if (v.toLowerCase() === "now") return new Date(now.getTime());
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    return new Date(v.length >= 13 ? n : n * 1000);
  }
  const abs = parseAbsolute(v);
  if (abs) return abs;
  const tod = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(v);
  if (tod) {
    const d = localDate(
      now.getFullYear(),
      now.getMonth() + 1,
      now.getDate(),
      Number(tod[1]),
      Number(tod[2]),
      tod[3] ? Number(tod[3]) : 0,
    );
    if (d) return d;
    throw timeError(value);
  }
  // A timespan means "that long ago"; a leading minus is accepted as the same thing.
  const span = v.replace(/^-\s*/, "");
  try {
    parseTimespanParts(span);
  } catch {
    throw timeError(value);
  }
  if (/^[\d.]+$/.test(span)) throw timeError(value);
  return subtractTimespan(now, span);
}

/** Largest number of versions a `--version` list may expand to; guards against `0-99999999`. */
const MAX_VERSIONS = 100_000;

/**
 * Parses a `--version` list: `0` is the newest backup, `0,2-4` gives [0, 2, 3, 4]. Spaces are
 * ignored, duplicates removed, the result sorted ascending; an empty value gives []. A reversed
 * range (`4-2`) is read as `2-4`. Throws ArgumentError for anything that is not a non-negative
 * whole number or range.
 */
export function parseVersionList(value: string): number[] {
  const v = String(value ?? "").trim();
  if (v === "") return [];
  const set = new Set<number>();
  for (const raw of v.split(",")) {
    const part = raw.trim();
    if (part === "") continue;
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!m) {
      throw new ArgumentError(
        `Invalid version '${part}' in '${value}'. Use whole numbers (0 is the newest backup), ` +
          `commas and ranges, e.g. 0 or 0,2-4.`,
        "InvalidVersion",
      );
    }
    let a = Number(m[1]);
    let b = m[2] === undefined ? a : Number(m[2]);
    if (a > b) [a, b] = [b, a];
    if (b - a + set.size > MAX_VERSIONS) {
      throw new ArgumentError(`The version list '${value}' is too long.`, "InvalidVersion");
    }
    for (let i = a; i <= b; i++) set.add(i);
  }
  return [...set].sort((x, y) => x - y);
}
