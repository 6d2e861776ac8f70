/**
 * Remote volume file names (spec §1.2, §1.3):
 *
 * ```
 * <prefix>-<yyyyMMdd>T<HHmmss>Z.dlist.<compression>[.<encryption>]
 * <prefix>-b<guid>.dblock.<compression>[.<encryption>]
 * <prefix>-i<guid>.dindex.<compression>[.<encryption>]
 * ```
 */

import { toHex } from "../core/bytes.ts";
import { ArgumentError, IntegrityError } from "../core/errors.ts";

/** The three kinds of remote volume. */
export type VolumeType = "dblock" | "dindex" | "dlist";

/** What {@link parseVolumeName} extracts from a remote file name. */
export interface ParsedVolumeName {
  prefix: string;
  type: VolumeType;
  /** 32 hex digits (as written in the name) for dblock/dindex names. */
  guid?: string;
  /** UTC timestamp (second precision) for dlist names. */
  time?: Date;
  /** e.g. `zip`. */
  compression: string;
  /** e.g. `aes`, `gpg`; absent for unencrypted volumes. */
  encryption?: string;
  /** True when the name was a parity companion (`<volume>.par2`) and the suffix was stripped. */
  parity?: boolean;
}

/** Options for {@link generateVolumeName}. */
export interface VolumeNameOptions {
  prefix: string;
  type: VolumeType;
  /** dlist only: the backup time (UTC, truncated to seconds). Defaults to now. */
  time?: Date;
  /** Compression module extension; default `zip`. */
  compression?: string;
  /** Encryption module extension (`aes`, `gpg`), or undefined for no encryption. */
  encryption?: string | undefined;
}

/**
 * Creates a new remote file name. dblock/dindex get a fresh random 32-digit lower-case hex guid
 * shaped like .NET `Guid.NewGuid().ToString("N")` (version-4 bits set); dlist names carry `time`
 * (default now) as UTC `yyyyMMddTHHmmssZ`. Throws ArgumentError for a prefix that is empty or
 * contains `-`.
 */
export function generateVolumeName(opts: VolumeNameOptions): string {
  const { prefix, type, compression = "zip", encryption } = opts;
  validatePrefix(prefix);
  if (!compression || compression.includes(".")) {
    throw new ArgumentError(`Invalid compression module extension "${compression}"`);
  }
  let mid: string;
  switch (type) {
    case "dlist":
      mid = formatDlistTime(opts.time ?? new Date());
      break;
    case "dblock":
      mid = "b" + newGuid();
      break;
    case "dindex":
      mid = "i" + newGuid();
      break;
    default:
      throw new ArgumentError(`Unknown volume type "${type as string}"`);
  }
  return `${prefix}-${mid}.${type}.${compression}${encryption ? "." + encryption : ""}`;
}

/** Throws ArgumentError unless `prefix` is usable in volume names (non-empty, no `-`). */
export function validatePrefix(prefix: string): void {
  if (!prefix || prefix.includes("-")) {
    throw new ArgumentError(
      `Invalid prefix "${prefix}": it must be non-empty and must not contain "-"`,
    );
  }
}

/** 32 random lower-case hex digits with the version-4 / RFC 4122 variant bits, like Guid.NewGuid. */
function newGuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return toHex(b);
}

// Verbatim from VolumeBase (spec §1.3), including the unescaped `.` and the `|` in the class.
// Not anchored: like .NET, the first match must start at 0 and cover the whole name.
const NAME_REGEX_SOURCE =
  "(?<prefix>[^\\-]+)\\-(([i|b|I|B](?<guid>[0-9A-Fa-f]+))|((?<time>\\d{8}T\\d{6}Z))).(?<filetype>(dblock)|(dlist)|(dindex))\\.(?<compression>[^\\.]+)(\\.(?<encryption>.+))?";
const NAME_REGEX = new RegExp(NAME_REGEX_SOURCE);
const NAME_REGEX_I = new RegExp(NAME_REGEX_SOURCE, "i");
const PARITY_SUFFIX = /\.par2$/i;

/**
 * Parses a remote file name with Duplicati's regex (whole-name match). A trailing `.par2` is
 * stripped first (result has `parity: true`). Returns undefined for names that are not Duplicati
 * volumes, whose timestamp is not a valid date, or whose prefix differs from `prefix` (when
 * given). With `caseInsensitive` (`--case-insensitive-remote`) the regex and the prefix
 * comparison ignore case. Like Duplicati, the guid/time form is not checked against the type.
 */
export function parseVolumeName(
  name: string,
  prefix?: string,
  opts: { caseInsensitive?: boolean } = {},
): ParsedVolumeName | undefined {
  let parity = false;
  if (PARITY_SUFFIX.test(name)) {
    name = name.slice(0, -5);
    parity = true;
  }
  const m = (opts.caseInsensitive ? NAME_REGEX_I : NAME_REGEX).exec(name);
  if (!m || m.index !== 0 || m[0].length !== name.length) return undefined;
  const g = m.groups!;
  const type = g.filetype.toLowerCase() as VolumeType;
  if (prefix !== undefined) {
    const same = opts.caseInsensitive
      ? g.prefix.toLowerCase() === prefix.toLowerCase()
      : g.prefix === prefix;
    if (!same) return undefined;
  }
  const out: ParsedVolumeName = { prefix: g.prefix, type, compression: g.compression };
  if (g.guid !== undefined) out.guid = g.guid;
  else {
    const t = tryParseDlistTime(g.time);
    if (!t) return undefined;
    out.time = t;
  }
  if (g.encryption !== undefined) out.encryption = g.encryption;
  if (parity) out.parity = true;
  return out;
}

const pad = (n: number, w: number) => String(n).padStart(w, "0");

/** Formats a Date as UTC `yyyyMMddTHHmmssZ` (fractional seconds dropped). RangeError if invalid. */
export function formatDlistTime(d: Date): string {
  if (isNaN(d.getTime())) throw new RangeError("Invalid date");
  const y = d.getUTCFullYear();
  if (y < 1 || y > 9999) throw new RangeError(`Year ${y} is out of range for yyyyMMddTHHmmssZ`);
  return `${pad(y, 4)}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}T` +
    `${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}Z`;
}

const TIME_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

function tryParseDlistTime(s: string): Date | undefined {
  const m = TIME_RE.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number);
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // setUTCFullYear keeps years < 100 literal
  date.setUTCHours(h, mi, se, 0);
  if (date.getUTCDate() !== d || date.getUTCMonth() !== mo - 1) return undefined; // e.g. Feb 30
  return date;
}

/**
 * Parses UTC `yyyyMMddTHHmmssZ` exactly (the dlist name / filelist `time` format). Throws
 * IntegrityError when `s` has another form or is not a valid date.
 */
export function parseDlistTime(s: string): Date {
  const d = tryParseDlistTime(s);
  if (!d) throw new IntegrityError(`Invalid timestamp "${s}", expected yyyyMMddTHHmmssZ (UTC)`);
  return d;
}

/**
 * Returns the dlist name for `time` (truncated to seconds), adding 1 s until the name is unused:
 * a name counts as used when it is in `existing` or when an `existing` name parses as a dlist
 * with the same prefix and the same time (whatever its compression/encryption suffix).
 * Use {@link parseVolumeName} on the result to get the final time.
 */
export function nextFreeDlistName(
  existing: Set<string>,
  opts: { prefix: string; time: Date; compression?: string; encryption?: string | undefined },
): string {
  const taken = new Set<number>();
  for (const n of existing) {
    const p = parseVolumeName(n, opts.prefix);
    if (p?.type === "dlist" && p.time && !p.parity) taken.add(p.time.getTime());
  }
  let t = Math.floor(opts.time.getTime() / 1000) * 1000;
  for (;;) {
    const name = generateVolumeName({ ...opts, type: "dlist", time: new Date(t) });
    if (!existing.has(name) && !taken.has(t)) return name;
    t += 1000;
  }
}
