/** Block hashing helpers (spec §8): fixed-size blocks, SHA-256, blocklists. */

import { createHash } from "node:crypto";
import { type Bytes, toBase64 } from "../core/bytes.ts";
import { IntegrityError } from "../core/errors.ts";

/** SHA-256 (base64) of zero bytes: the `hash` of every empty file. */
export const EMPTY_FILE_HASH = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

/** Digest length of SHA-256 in bytes (the default hash size). */
export const SHA256_SIZE = 32;

/** SHA-256 digest of `data`. */
export function sha256(data: Uint8Array): Bytes {
  return new Uint8Array(createHash("sha256").update(data).digest());
}

/** SHA-256 digest of `data` as standard base64 with padding (44 chars). */
export function sha256b64(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("base64");
}

/** Hashes per blocklist: `floor(blocksize / hashSize)` (32 768 for 1 MiB and SHA-256). */
export function hashesPerBlocklist(blocksize: number, hashSize = SHA256_SIZE): number {
  return Math.floor(blocksize / hashSize);
}

/** Number of blocks of a file: `ceil(fileSize / blocksize)` (0 for an empty file). */
export function blockCount(fileSize: number, blocksize: number): number {
  return Math.ceil(fileSize / blocksize);
}

/**
 * Number of blocklists for `nblocks` blocks: `ceil(nblocks / hashesPerBlocklist)` when
 * `nblocks > 1`, else 0 (files of 0 or 1 block have no blocklist).
 */
export function blocklistCount(nblocks: number, blocksize: number, hashSize = SHA256_SIZE): number {
  if (nblocks <= 1) return 0;
  return Math.ceil(nblocks / hashesPerBlocklist(blocksize, hashSize));
}

/**
 * Size of block `i` of a file: `min(blocksize, fileSize − i·blocksize)`. RangeError when `i` is
 * not a block index of the file.
 */
export function blockSizeAt(fileSize: number, blocksize: number, i: number): number {
  const rest = fileSize - i * blocksize;
  if (!Number.isInteger(i) || i < 0 || rest <= 0) {
    throw new RangeError(
      `Block ${i} is outside a file of ${fileSize} bytes (blocksize ${blocksize})`,
    );
  }
  return Math.min(blocksize, rest);
}

/**
 * Splits blocklist bytes into its raw hashes (copies, `hashSize` bytes each). Throws
 * IntegrityError when the length is not a multiple of `hashSize`.
 */
export function splitBlocklist(data: Uint8Array, hashSize = SHA256_SIZE): Bytes[] {
  if (data.length % hashSize !== 0) {
    throw new IntegrityError(
      `Blocklist length ${data.length} is not a multiple of the hash size ${hashSize}`,
    );
  }
  const out: Bytes[] = [];
  for (let o = 0; o < data.length; o += hashSize) out.push(data.slice(o, o + hashSize) as Bytes);
  return out;
}

/** Like {@link splitBlocklist} but returns the hashes as standard base64 strings. */
export function blocklistHashes(data: Uint8Array, hashSize = SHA256_SIZE): string[] {
  return splitBlocklist(data, hashSize).map(toBase64);
}
