/**
 * Metadata blobs (spec §7): BOM + Newtonsoft-compact JSON of a string→string dictionary, stored as
 * an ordinary block and referenced from the dlist by `metahash`/`metasize`.
 */

import { type Bytes, fromBase64, toBase64 } from "../core/bytes.ts";
import { IntegrityError } from "../core/errors.ts";
import { isJsonObject, jsonString, parseJsonBytes, withBom } from "./json_text.ts";

/**
 * Encodes a metadata dictionary exactly like Duplicati: BOM + `{"k":"v",...}` in insertion order,
 * compact, Newtonsoft string escaping. An empty map gives BOM + `{}` (5 bytes).
 */
export function encodeMetadata(map: Record<string, string> | Map<string, string>): Bytes {
  const entries = map instanceof Map ? map.entries() : Object.entries(map);
  const parts: string[] = [];
  for (const [k, v] of entries) parts.push(jsonString(k) + ":" + jsonString(v));
  return withBom("{" + parts.join(",") + "}");
}

/**
 * Decodes a metadata blob (optional BOM) into an insertion-ordered Map. Lenient: number and
 * boolean values are converted to strings and nulls dropped; malformed JSON, a non-object, or
 * object/array values throw IntegrityError.
 */
export function decodeMetadata(bytes: Uint8Array): Map<string, string> {
  const v = parseJsonBytes(bytes, "a metadata block");
  if (!isJsonObject(v)) throw new IntegrityError("Metadata block is not a JSON object");
  const out = new Map<string, string>();
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === "string") out.set(k, x);
    else if (typeof x === "number" || typeof x === "boolean") out.set(k, String(x));
    else if (x !== null) throw new IntegrityError(`Metadata value for "${k}" is not a string`);
  }
  return out;
}

/** .NET ticks (100 ns units since 0001-01-01 UTC) at the Unix epoch. */
export const UNIX_EPOCH_TICKS = 621355968000000000n;
/** `DateTime.MaxValue.Ticks`. */
const MAX_TICKS = 3155378975999999999n;

/**
 * .NET ticks for a Unix time in milliseconds (fractions of a ms are kept to 100 ns), as the
 * decimal string Duplicati stores: `unixMs*10_000 + 621355968000000000`.
 */
export function ticksFromDate(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`Invalid time ${ms}`);
  const whole = Math.floor(ms);
  const frac = Math.round((ms - whole) * 10_000);
  return (BigInt(whole) * 10_000n + BigInt(frac) + UNIX_EPOCH_TICKS).toString();
}

/** .NET ticks for a Unix time in nanoseconds, truncated (floored) to 100 ns like .NET's stat. */
export function ticksFromUnixNs(ns: bigint): string {
  let q = ns / 100n;
  if (ns < 0n && q * 100n !== ns) q -= 1n; // floor for times before 1970
  return (q + UNIX_EPOCH_TICKS).toString();
}

/**
 * Unix nanoseconds for a ticks string, or undefined when the value is not a decimal tick count
 * in .NET's DateTime range (e.g. the pre-2.0 `yyyyMMddTHHmmssZ` form).
 */
export function unixNsFromTicks(ticks: string): bigint | undefined {
  if (!/^\d{1,19}$/.test(ticks)) return undefined;
  const t = BigInt(ticks);
  if (t > MAX_TICKS) return undefined;
  return (t - UNIX_EPOCH_TICKS) * 100n;
}

/**
 * Unix milliseconds (possibly fractional, 100 ns resolution) for a ticks string; NaN when the
 * value is not ticks (see {@link unixNsFromTicks}).
 */
export function dateFromTicks(ticks: string): number {
  if (!/^\d{1,19}$/.test(ticks)) return NaN;
  const t = BigInt(ticks);
  if (t > MAX_TICKS) return NaN;
  const d = t - UNIX_EPOCH_TICKS; // 100 ns units
  const ms = d / 10_000n;
  const rem = d - ms * 10_000n;
  return Number(ms) + Number(rem) / 10_000;
}

/** Input for {@link buildPosixMetadata}; times in ms (Deno.FileInfo) or ns (more precise). */
export interface PosixMetadataInput {
  uid: number;
  gid: number;
  /** st_mode (only `mode & 0o777` and the owner write bit are used). */
  mode: number;
  ownerName?: string;
  groupName?: string;
  mtimeMs?: number;
  mtimeNs?: bigint;
  /** Creation time when the platform has one (preferred for `CoreCreatetime`). */
  birthtimeMs?: number | null;
  birthtimeNs?: bigint;
  /** Status change time; used (the older of ctime/mtime) when there is no birthtime, like .NET. */
  ctimeMs?: number | null;
  ctimeNs?: bigint;
  isDir: boolean;
  isSymlink: boolean;
  /** Link text; written as `CoreSymlinkTarget` (last) for symlinks. */
  symlinkTarget?: string;
  /** Defaults to "no owner write bit" for non-symlinks. */
  readOnly?: boolean;
  /** .NET marks names starting with "." as Hidden; the caller decides. Default false. */
  hidden?: boolean;
  /** Extended attributes, stored as `unix-ext:<name>` = base64(value), first. */
  xattrs?: Map<string, Uint8Array> | Record<string, Uint8Array>;
}

/**
 * .NET `FileAttributes.ToString()` for the given flags, in enum value order: ReadOnly(1),
 * Hidden(2), Directory(16), ReparsePoint(1024), joined by ", "; "Normal" when none is set.
 */
export function fileAttributesString(
  f: { readOnly?: boolean; hidden?: boolean; directory?: boolean; reparsePoint?: boolean },
): string {
  const names: string[] = [];
  if (f.readOnly) names.push("ReadOnly");
  if (f.hidden) names.push("Hidden");
  if (f.directory) names.push("Directory");
  if (f.reparsePoint) names.push("ReparsePoint");
  return names.length ? names.join(", ") : "Normal";
}

function pickTicks(ns: bigint | undefined, ms: number | null | undefined): bigint | undefined {
  if (ns !== undefined) return BigInt(ticksFromUnixNs(ns));
  if (ms !== undefined && ms !== null) return BigInt(ticksFromDate(ms));
  return undefined;
}

/**
 * Builds the metadata dictionary Duplicati writes on Linux/macOS, keys in this order:
 * `unix-ext:*` (xattrs, if any), `unix:uid-gid-perm` ("uid-gid-<mode & 0o777 in decimal>"),
 * `unix:owner-name` / `unix:group-name` (only when given), `CoreAttributes`, `CoreLastWritetime`,
 * `CoreCreatetime`, and `CoreSymlinkTarget` for symlinks.
 *
 * CoreAttributes (simplified .NET rules): "Normal" for a plain writable file, "Directory" for a
 * directory, "ReparsePoint" for a symlink ("Directory, ReparsePoint" when `isDir` is also set,
 * i.e. a link to a directory), plus "ReadOnly"/"Hidden" per `readOnly`/`hidden`.
 * CoreCreatetime: birthtime if given, else the older of ctime and mtime, else mtime.
 * Throws RangeError when no mtime is given.
 */
export function buildPosixMetadata(i: PosixMetadataInput): Map<string, string> {
  const m = new Map<string, string>();
  if (i.xattrs) {
    const xs = i.xattrs instanceof Map ? i.xattrs.entries() : Object.entries(i.xattrs);
    for (const [k, v] of xs) m.set("unix-ext:" + k, toBase64(v));
  }
  m.set("unix:uid-gid-perm", `${i.uid}-${i.gid}-${i.mode & 0o777}`);
  if (i.ownerName !== undefined) m.set("unix:owner-name", i.ownerName);
  if (i.groupName !== undefined) m.set("unix:group-name", i.groupName);
  const readOnly = i.readOnly ?? (!i.isSymlink && (i.mode & 0o200) === 0);
  m.set(
    "CoreAttributes",
    fileAttributesString({
      readOnly,
      hidden: i.hidden,
      directory: i.isDir,
      reparsePoint: i.isSymlink,
    }),
  );
  const mtime = pickTicks(i.mtimeNs, i.mtimeMs);
  if (mtime === undefined) throw new RangeError("buildPosixMetadata needs mtimeMs or mtimeNs");
  let ctime = pickTicks(i.birthtimeNs, i.birthtimeMs);
  if (ctime === undefined) {
    const c = pickTicks(i.ctimeNs, i.ctimeMs);
    ctime = c !== undefined && c < mtime ? c : mtime;
  }
  m.set("CoreLastWritetime", mtime.toString());
  m.set("CoreCreatetime", ctime.toString());
  if (i.isSymlink && i.symlinkTarget !== undefined) m.set("CoreSymlinkTarget", i.symlinkTarget);
  return m;
}

/** What {@link parsePosixMetadata} extracts; absent fields were missing or unparsable. */
export interface PosixMetadata {
  uid?: number;
  gid?: number;
  /** Permission bits (`mode & 0o777`). */
  perm?: number;
  ownerName?: string;
  groupName?: string;
  mtimeMs?: number;
  mtimeNs?: bigint;
  createtimeMs?: number;
  symlinkTarget?: string;
  /** Raw `CoreAttributes` text, e.g. "Directory, ReparsePoint". */
  attributes?: string;
  /** `unix-ext:*` entries, base64-decoded (invalid base64 skipped). */
  xattrs?: Map<string, Bytes>;
}

/** Extracts the fields a POSIX restore needs from a decoded metadata dictionary. */
export function parsePosixMetadata(
  map: Map<string, string> | Record<string, string>,
): PosixMetadata {
  const get = (k: string) =>
    map instanceof Map ? map.get(k) : Object.hasOwn(map, k) ? map[k] : undefined;
  const out: PosixMetadata = {};
  const ugp = get("unix:uid-gid-perm");
  const m = ugp !== undefined ? /^(\d+)-(\d+)-(\d+)$/.exec(ugp) : null;
  if (m) {
    out.uid = Number(m[1]);
    out.gid = Number(m[2]);
    out.perm = Number(m[3]) & 0o7777;
  }
  const owner = get("unix:owner-name");
  if (owner !== undefined) out.ownerName = owner;
  const group = get("unix:group-name");
  if (group !== undefined) out.groupName = group;
  const lw = get("CoreLastWritetime");
  if (lw !== undefined) {
    const ns = unixNsFromTicks(lw);
    if (ns !== undefined) {
      out.mtimeNs = ns;
      out.mtimeMs = dateFromTicks(lw);
    }
  }
  const ct = get("CoreCreatetime");
  if (ct !== undefined) {
    const ms = dateFromTicks(ct);
    if (!isNaN(ms)) out.createtimeMs = ms;
  }
  const target = get("CoreSymlinkTarget");
  if (target !== undefined) out.symlinkTarget = target;
  const attrs = get("CoreAttributes");
  if (attrs !== undefined) out.attributes = attrs;
  const entries = map instanceof Map ? map.entries() : Object.entries(map);
  for (const [k, v] of entries) {
    if (!k.startsWith("unix-ext:")) continue;
    try {
      (out.xattrs ??= new Map()).set(k.slice(9), fromBase64(v));
    } catch {
      // not base64: skip this attribute
    }
  }
  return out;
}
