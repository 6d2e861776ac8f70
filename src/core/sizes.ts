/**
 * Size values as Duplicati writes them: a number and an optional unit (`b`, `kb`, `mb`, `gb`, `tb`),
 * binary multiples, case-insensitive (`50mb` = 50 * 1024 * 1024 bytes).
 */

import { ArgumentError } from "./errors.ts";

/** A unit a size option may assume when its value has none. */
export type SizeUnit = "b" | "kb" | "mb" | "gb" | "tb";

const FACTORS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

const SIZE_RE = /^(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)$/;

/**
 * Parses a size such as `50mb`, `1.5MB`, `100 kb` or `4096` into bytes (rounded to a whole byte).
 * A bare number uses `defaultUnit`. Also accepts `k`/`m`/`g`/`t` and `kib`/`mib`/... spellings.
 * Throws ArgumentError for empty, negative or unparsable values.
 */
export function parseSize(value: string, defaultUnit: SizeUnit = "b"): number {
  const v = String(value ?? "").trim().toLowerCase();
  const m = SIZE_RE.exec(v);
  if (!m) {
    throw new ArgumentError(
      `Invalid size '${value}'. Use a number with an optional unit b, kb, mb, gb or tb, e.g. 50mb.`,
      "InvalidSize",
    );
  }
  const unit = m[2] === "" ? defaultUnit : m[2];
  const factor = FACTORS[unit];
  if (factor === undefined) {
    throw new ArgumentError(
      `Invalid size unit '${m[2]}' in '${value}'. Allowed units: b, kb, mb, gb, tb.`,
      "InvalidSize",
    );
  }
  const n = Number(m[1]) * factor;
  if (!Number.isFinite(n) || n > Number.MAX_SAFE_INTEGER) {
    throw new ArgumentError(`Size '${value}' is too large.`, "InvalidSize");
  }
  return Math.round(n);
}

const UNITS = ["KB", "MB", "GB", "TB", "PB", "EB"];

/**
 * Formats a byte count for people, with binary units like Duplicati shows them:
 * `512 bytes`, `1.00 KB`, `1.23 MB`, `4.50 GB`. Negative counts keep their sign.
 */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const sign = bytes < 0 ? "-" : "";
  let v = Math.abs(bytes);
  if (v < 1024) return `${sign}${Math.round(v)} bytes`;
  let i = -1;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  // 1023.996 KB would print as "1024.00 KB"; promote it to the next unit instead.
  if (v.toFixed(2) === "1024.00" && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${sign}${v.toFixed(2)} ${UNITS[i]}`;
}
