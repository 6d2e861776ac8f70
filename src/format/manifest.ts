/** The `manifest` entry present in every dblock, dindex and dlist volume (spec §3). */

import type { Bytes } from "../core/bytes.ts";
import { IntegrityError } from "../core/errors.ts";
import { isJsonObject, jsonString, parseJsonBytes, withBom } from "./json_text.ts";
import { formatDlistTime } from "./volume_names.ts";

/** Manifest format version written and the highest one accepted. */
export const MANIFEST_VERSION = 2;
/** The only accepted `Encoding` value. */
export const MANIFEST_ENCODING = "utf8";

/** Deserialized manifest, field names as in Duplicati's `ManifestData`. */
export interface Manifest {
  Version: number;
  Created: string;
  Encoding: string;
  Blocksize: number;
  BlockHash: string;
  FileHash: string;
  AppVersion: string;
}

/**
 * Encodes a manifest exactly like Duplicati: BOM + compact JSON with the fields in the order
 * Version, Created (UTC `yyyyMMddTHHmmssZ`), Encoding, Blocksize, BlockHash, FileHash, AppVersion.
 */
export function encodeManifest(opts: {
  blocksize: number;
  blockHash?: string;
  fileHash?: string;
  created: Date;
  appVersion: string;
}): Bytes {
  const { blocksize, blockHash = "SHA256", fileHash = "SHA256", created, appVersion } = opts;
  if (!Number.isSafeInteger(blocksize) || blocksize <= 0) {
    throw new RangeError(`Invalid blocksize ${blocksize}`);
  }
  return withBom(
    `{"Version":${MANIFEST_VERSION},"Created":${jsonString(formatDlistTime(created))}` +
      `,"Encoding":${jsonString(MANIFEST_ENCODING)},"Blocksize":${blocksize}` +
      `,"BlockHash":${jsonString(blockHash)},"FileHash":${jsonString(fileHash)}` +
      `,"AppVersion":${jsonString(appVersion)}}`,
  );
}

/**
 * Decodes a manifest (optional BOM, any field order). Throws IntegrityError for malformed JSON,
 * missing/mistyped Version, Blocksize, BlockHash or FileHash, `Version` > 2, or `Encoding` other
 * than `utf8`. Missing `Created`/`AppVersion` become "".
 */
export function decodeManifest(bytes: Uint8Array, volumeName = "manifest"): Manifest {
  const v = parseJsonBytes(bytes, `the manifest of ${volumeName}`);
  const bad = (what: string) =>
    new IntegrityError(`Invalid manifest detected in ${volumeName}: ${what}`, "InvalidManifest");
  if (!isJsonObject(v)) throw bad("not a JSON object");
  const int = (k: string): number => {
    const x = v[k];
    if (typeof x !== "number" || !Number.isSafeInteger(x)) throw bad(`${k} is missing or invalid`);
    return x;
  };
  const str = (k: string, required: boolean): string => {
    const x = v[k];
    if (typeof x === "string") return x;
    if (x === undefined && !required) return "";
    throw bad(`${k} is missing or invalid`);
  };
  const m: Manifest = {
    Version: int("Version"),
    Created: str("Created", false),
    Encoding: str("Encoding", true),
    Blocksize: int("Blocksize"),
    BlockHash: str("BlockHash", true),
    FileHash: str("FileHash", true),
    AppVersion: str("AppVersion", false),
  };
  if (m.Version > MANIFEST_VERSION) {
    throw bad(
      `manifest version ${m.Version} is newer than the supported version ${MANIFEST_VERSION}` +
        "; the backup was written by a newer Duplicati",
    );
  }
  if (m.Encoding !== MANIFEST_ENCODING) {
    throw bad(`encoding is "${m.Encoding}" but only "${MANIFEST_ENCODING}" is supported`);
  }
  if (m.Blocksize <= 0) throw bad(`blocksize ${m.Blocksize} is invalid`);
  return m;
}

/**
 * Checks a manifest against the backup's settings (Duplicati's `VerifyManifest`); hash algorithm
 * names are compared case-insensitively. Throws IntegrityError "Invalid manifest detected in
 * <volume>: blocksize is X but this backup uses Y ..." on the first mismatch.
 */
export function verifyManifest(
  m: Manifest,
  expected: { blocksize: number; blockHash: string; fileHash: string },
  volumeName: string,
): void {
  const fail = (field: string, actual: string | number, wanted: string | number) => {
    throw new IntegrityError(
      `Invalid manifest detected in ${volumeName}: ${field} is ${actual} but this backup uses ` +
        `${wanted}. All volumes of a backup must use the same blocksize and hash algorithms.`,
      "InvalidManifest",
    );
  };
  if (m.Blocksize !== expected.blocksize) fail("blocksize", m.Blocksize, expected.blocksize);
  if (m.BlockHash.toUpperCase() !== expected.blockHash.toUpperCase()) {
    fail("block hash algorithm", m.BlockHash, expected.blockHash);
  }
  if (m.FileHash.toUpperCase() !== expected.fileHash.toUpperCase()) {
    fail("file hash algorithm", m.FileHash, expected.fileHash);
  }
}
