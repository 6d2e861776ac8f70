/**
 * `<prefix>-verification.json` (format spec §1.4): the size and SHA-256 of every remote volume,
 * uploaded unencrypted so the storage can be checked without the program (Duplicati's
 * `DuplicatiVerify.py` reads it).
 */
import type { Bytes } from "../core/bytes.ts";
import { jsonString, withBom } from "./json_text.ts";

/** One remote volume as listed in the verification file. */
export interface VerificationEntry {
  id: number;
  name: string;
  /** Base64 SHA-256 of the remote bytes. */
  hash: string | null;
  size: number;
  /** 0 dblock, 1 dlist, 2 dindex. */
  type: number;
  /** 0 Temporary ... 5 Deleted, as in Duplicati. */
  state: number;
}

const NO_TIME = '"1970-01-01T00:00:00Z"';

/** The file name for a backup prefix. */
export function verificationFileName(prefix: string): string {
  return `${prefix}-verification.json`;
}

/** Encodes the file: BOM + a compact JSON array with Duplicati's field order. */
export function encodeVerificationFile(entries: readonly VerificationEntry[]): Bytes {
  const items = entries.map((e) =>
    `{"ID":${e.id},"Name":${jsonString(e.name)},"Hash":${
      e.hash === null ? "null" : jsonString(e.hash)
    },"Size":${e.size},"Type":${e.type},"State":${e.state},"DeleteGracePeriod":${NO_TIME},` +
    `"ArchiveTime":${NO_TIME},"LockExpirationTime":${NO_TIME}}`
  );
  return withBom(`[${items.join(",")}]`);
}
