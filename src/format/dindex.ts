/** dindex volume entries (spec §5): `vol/<dblock name>` JSON and `list/<blocklist hash>` copies. */

import { base64FromUrl, base64ToUrl, type Bytes, utf8 } from "../core/bytes.ts";
import { IntegrityError } from "../core/errors.ts";
import { isJsonObject, jsonString, parseJsonBytes } from "./json_text.ts";
import { SHA256_SIZE, sha256b64 } from "./blocks.ts";

/** Entry-name prefix of the per-dblock block lists. */
export const VOL_PREFIX = "vol/";
/** Entry-name prefix of blocklist copies. */
export const LIST_PREFIX = "list/";

/** One block of a dblock: standard-base64 hash and exact byte size. */
export interface IndexBlock {
  hash: string;
  size: number;
}

/** Contents of a `vol/` entry. */
export interface VolumeIndex {
  blocks: IndexBlock[];
  /** base64 file-hash of the remote dblock bytes (after encryption), if recorded. */
  volumeHash?: string;
  /** Remote dblock length in bytes, if recorded. */
  volumeSize?: number;
}

function checkSize(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new TypeError(`${what} must be a non-negative integer, got ${v}`);
  }
  return v;
}

/**
 * Encodes a `vol/` entry exactly as Duplicati's strict reader expects: UTF-8, no BOM, compact,
 * `{"blocks":[{"hash":…,"size":…},…],"volumehash":…,"volumesize":…}` (volumehash/volumesize
 * each only when given).
 */
export function encodeVolumeIndex(v: VolumeIndex): Bytes {
  const parts = new Array<string>(v.blocks.length);
  for (let i = 0; i < v.blocks.length; i++) {
    const b = v.blocks[i];
    parts[i] = '{"hash":' + jsonString(b.hash) + ',"size":' + checkSize(b.size, "block size") + "}";
  }
  let s = '{"blocks":[' + parts.join(",") + "]";
  if (v.volumeHash !== undefined) s += ',"volumehash":' + jsonString(v.volumeHash);
  if (v.volumeSize !== undefined) s += ',"volumesize":' + checkSize(v.volumeSize, "volumesize");
  return utf8(s + "}");
}

/**
 * Decodes a `vol/` entry (optional BOM, any property order, unknown properties ignored). Throws
 * IntegrityError for malformed JSON, a missing `blocks` array, or blocks without a string hash
 * and non-negative integer size.
 */
export function decodeVolumeIndex(bytes: Uint8Array, source = "dindex vol/ entry"): VolumeIndex {
  const v = parseJsonBytes(bytes, source);
  const bad = (msg: string) => new IntegrityError(`Malformed ${source}: ${msg}`);
  if (!isJsonObject(v)) throw bad("not a JSON object");
  if (!Array.isArray(v.blocks)) throw bad('"blocks" is missing or not an array');
  const blocks: IndexBlock[] = new Array(v.blocks.length);
  for (let i = 0; i < v.blocks.length; i++) {
    const b = v.blocks[i];
    if (
      !isJsonObject(b) || typeof b.hash !== "string" || typeof b.size !== "number" ||
      !Number.isSafeInteger(b.size) || b.size < 0
    ) {
      throw bad(`block ${i} needs a string "hash" and a non-negative integer "size"`);
    }
    blocks[i] = { hash: b.hash, size: b.size };
  }
  const out: VolumeIndex = { blocks };
  if (v.volumehash !== undefined && v.volumehash !== null) {
    if (typeof v.volumehash !== "string") throw bad('"volumehash" is not a string');
    out.volumeHash = v.volumehash;
  }
  if (v.volumesize !== undefined && v.volumesize !== null) {
    if (
      typeof v.volumesize !== "number" || !Number.isSafeInteger(v.volumesize) || v.volumesize < 0
    ) {
      throw bad('"volumesize" is not a non-negative integer');
    }
    out.volumeSize = v.volumesize;
  }
  return out;
}

/** Zip entry name of a block: standard base64 hash with `+`→`-`, `/`→`_`, padding kept. */
export function blockEntryName(hashB64: string): string {
  return base64ToUrl(hashB64);
}

/** Standard base64 hash from a block entry name (inverse of {@link blockEntryName}). */
export function hashFromEntryName(name: string): string {
  return base64FromUrl(name);
}

/** `vol/` entry name for a dblock's exact remote file name. */
export function volEntryName(dblockName: string): string {
  return VOL_PREFIX + dblockName;
}

/** `list/` entry name for a blocklist hash (standard base64). */
export function listEntryName(hashB64: string): string {
  return LIST_PREFIX + blockEntryName(hashB64);
}

const BLOCK_NAME_RE = /^[a-zA-Z0-9\-_]+={0,2}$/;

/**
 * Duplicati's reader rule for dblock entries that are blocks: the name fully matches
 * `[a-zA-Z0-9-_]+={0,2}`, its length is a multiple of 4, and it is not `manifest`.
 */
export function isBlockEntryName(name: string): boolean {
  return name.length % 4 === 0 && name !== "manifest" && BLOCK_NAME_RE.test(name);
}

/**
 * True when `data` is a valid blocklist named `hashB64` (standard or URL-safe base64): non-empty,
 * length a multiple of `hashSize`, and SHA-256(data) equals the name.
 */
export function verifyBlocklist(
  data: Uint8Array,
  hashB64: string,
  hashSize = SHA256_SIZE,
): boolean {
  if (data.length === 0 || data.length % hashSize !== 0) return false;
  return sha256b64(data) === base64FromUrl(hashB64);
}
