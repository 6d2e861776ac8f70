/**
 * The recovery tool's block index: which downloaded dblock holds each block, so a restore finds
 * every block without a database or dindex files. Built from the dblocks' zip directories alone
 * (no block data is read), so it works even when every dindex file is lost.
 *
 * File format (`recovery-index.bin` in the folder unless `--indexfile` says otherwise), all
 * integers little-endian:
 *
 * ```
 * "DUPRIX01"                       8 bytes, magic and format version
 * hashSize   u32                   32 for SHA-256
 * volumes    u32                   number of dblock files V
 * V times:   u16 length + UTF-8    dblock file names, relative to the folder
 * records    u32                   number of blocks N
 * N times:   hash[hashSize] + u32  block hash and the number of the dblock that holds it,
 *                                  sorted by hash (unsigned bytes), each hash once
 * sha256     32 bytes              SHA-256 of everything before it (detects a damaged index)
 * ```
 *
 * That is 36 bytes a block (Duplicati's index.txt, a text line of base64 hash and file name, takes
 * about three times as much). A restore loads the file once and looks blocks up by binary search
 * in the one buffer, so memory is the file's size and nothing per block is allocated.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { ExitCode, UserError } from "../core/errors.ts";
import { base64FromUrl } from "../core/bytes.ts";
import { hashFromEntryName, isBlockEntryName } from "../format/dindex.ts";
import { parseVolumeName } from "../format/volume_names.ts";
import { ZipReader } from "../format/zip.ts";

const MAGIC = "DUPRIX01";
const HASH_SIZE = 32;
const RECORD = HASH_SIZE + 4;

/** The default index file name inside the folder. */
export const INDEX_FILE_NAME = "recovery-index.bin";

/** What {@link buildIndex} did. */
export interface IndexReport {
  path: string;
  volumes: number;
  blocks: number;
  /** Blocks found in more than one dblock (kept once). */
  duplicates: number;
  /** Volumes that could not be read, with the reason. */
  skipped: string[];
  bytes: number;
}

/** The downloaded (plain) volume files of a folder, by type, sorted by name. */
export function localVolumes(folder: string): {
  dblocks: string[];
  dindexes: string[];
  dlists: string[];
  encrypted: string[];
} {
  const out = {
    dblocks: [] as string[],
    dindexes: [] as string[],
    dlists: [] as string[],
    encrypted: [] as string[],
  };
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(folder)];
  } catch (e) {
    throw new UserError(
      `Cannot read the folder ${folder} (${(e as Error).message}). Give the folder the ` +
        `download command wrote to.`,
      { code: "FolderNotFound", exitCode: ExitCode.Fatal },
    );
  }
  for (const e of entries) {
    if (!e.isFile) continue;
    const p = parseVolumeName(e.name);
    if (!p) continue;
    if (p.encryption) {
      out.encrypted.push(e.name);
      continue;
    }
    if (p.type === "dblock") out.dblocks.push(e.name);
    else if (p.type === "dindex") out.dindexes.push(e.name);
    else out.dlists.push(e.name);
  }
  for (const l of Object.values(out)) l.sort();
  return out;
}

function compareRecords(buf: Uint8Array, a: number, b: number): number {
  const pa = a * RECORD;
  const pb = b * RECORD;
  for (let i = 0; i < HASH_SIZE; i++) {
    const d = buf[pa + i] - buf[pb + i];
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Reads the directory of every dblock in `folder` and writes the index to `indexPath` (default
 * `<folder>/recovery-index.bin`). Unreadable dblocks are skipped and reported. Throws a UserError
 * when the folder has no plain dblock files.
 */
export function buildIndex(
  folder: string,
  indexPath = join(folder, INDEX_FILE_NAME),
  log: (line: string) => void = () => {},
): IndexReport {
  const vols = localVolumes(folder);
  if (vols.dblocks.length === 0) {
    throw new UserError(
      `No decrypted dblock files in ${folder}` +
        (vols.encrypted.length
          ? ` (${vols.encrypted.length} are still encrypted: run download with --passphrase).`
          : `. Run "duplicati-recovery-tool download <remote-url> ${folder}" first.`),
      { code: "NoVolumes" },
    );
  }
  let buf = new Uint8Array(RECORD * 4096);
  let n = 0;
  const names: string[] = [];
  const skipped: string[] = [];
  for (const [i, name] of vols.dblocks.entries()) {
    let zip: ZipReader;
    try {
      zip = ZipReader.openSync(join(folder, name));
    } catch (e) {
      skipped.push(`${name}: ${(e as Error).message}`);
      log(`${i + 1}/${vols.dblocks.length}: ${name} skipped: ${(e as Error).message}`);
      continue;
    }
    const vol = names.length;
    names.push(name);
    let count = 0;
    try {
      for (const e of zip.entries()) {
        if (!isBlockEntryName(e.name)) continue;
        const hash = Uint8Array.from(atob(hashFromEntryName(e.name)), (c) => c.charCodeAt(0));
        if (hash.length !== HASH_SIZE) continue;
        if ((n + 1) * RECORD > buf.length) {
          const bigger = new Uint8Array(buf.length * 2);
          bigger.set(buf);
          buf = bigger;
        }
        buf.set(hash, n * RECORD);
        new DataView(buf.buffer).setUint32(n * RECORD + HASH_SIZE, vol, true);
        n++;
        count++;
      }
    } finally {
      zip.close();
    }
    log(`${i + 1}/${vols.dblocks.length}: ${name} (${count} blocks)`);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => compareRecords(buf, a, b) || a - b);
  const sorted = new Uint8Array(n * RECORD);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const r = order[i];
    if (kept > 0 && compareRecords(buf, r, order[i - 1]) === 0) continue;
    sorted.set(buf.subarray(r * RECORD, (r + 1) * RECORD), kept * RECORD);
    kept++;
  }
  const enc = new TextEncoder();
  const head: Uint8Array[] = [enc.encode(MAGIC), u32(HASH_SIZE), u32(names.length)];
  for (const name of names) {
    const b = enc.encode(name);
    head.push(new Uint8Array([b.length & 0xff, b.length >> 8]), b);
  }
  head.push(u32(kept), sorted.subarray(0, kept * RECORD));
  const h = createHash("sha256");
  for (const p of head) h.update(p);
  head.push(new Uint8Array(h.digest()));
  const tmp = `${indexPath}.part`;
  const f = Deno.openSync(tmp, { write: true, create: true, truncate: true });
  let bytes = 0;
  try {
    for (const p of head) {
      let off = 0;
      while (off < p.length) off += f.writeSync(p.subarray(off));
      bytes += p.length;
    }
  } finally {
    f.close();
  }
  Deno.renameSync(tmp, indexPath);
  return {
    path: indexPath,
    volumes: names.length,
    blocks: kept,
    duplicates: n - kept,
    skipped,
    bytes,
  };
}

function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return b;
}

/** A loaded index: block hash -> dblock file name. */
export class BlockIndex {
  readonly volumes: readonly string[];
  readonly count: number;
  #records: Uint8Array;

  private constructor(volumes: string[], records: Uint8Array) {
    this.volumes = volumes;
    this.#records = records;
    this.count = records.length / RECORD;
  }

  /**
   * Loads an index file. Throws a UserError that says to run `index` when the file is missing,
   * and to run it again when the file is damaged or of another format.
   */
  static load(path: string, folder: string): BlockIndex {
    let data: Uint8Array;
    try {
      data = Deno.readFileSync(path);
    } catch {
      throw new UserError(
        `No block index at ${path}. Build it first with ` +
          `"duplicati-recovery-tool index ${folder}" (or give its place with --indexfile).`,
        { code: "IndexMissing" },
      );
    }
    const damaged = (why: string) =>
      new UserError(
        `The block index ${path} is damaged or of another version (${why}). Build it again ` +
          `with "duplicati-recovery-tool index ${folder}".`,
        { code: "IndexDamaged" },
      );
    if (data.length < 8 + 8 + 4 + 32 || new TextDecoder().decode(data.subarray(0, 8)) !== MAGIC) {
      throw damaged("unknown header");
    }
    const body = data.subarray(0, data.length - 32);
    const sum = new Uint8Array(createHash("sha256").update(body).digest());
    if (!sum.every((b, i) => b === data[data.length - 32 + i])) throw damaged("checksum");
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (v.getUint32(8, true) !== HASH_SIZE) throw damaged("hash size");
    const nv = v.getUint32(12, true);
    let off = 16;
    const names: string[] = [];
    const dec = new TextDecoder();
    for (let i = 0; i < nv; i++) {
      if (off + 2 > body.length) throw damaged("volume table");
      const len = v.getUint16(off, true);
      names.push(dec.decode(data.subarray(off + 2, off + 2 + len)));
      off += 2 + len;
    }
    const n = v.getUint32(off, true);
    off += 4;
    if (off + n * RECORD !== body.length) throw damaged("record count");
    return new BlockIndex(names, data.subarray(off, off + n * RECORD));
  }

  /** The dblock file holding the block with this standard or URL-safe base64 hash, if any. */
  find(hashB64: string): string | undefined {
    let raw: Uint8Array;
    try {
      raw = Uint8Array.from(atob(base64FromUrl(hashB64)), (c) => c.charCodeAt(0));
    } catch {
      return undefined;
    }
    if (raw.length !== HASH_SIZE) return undefined;
    const r = this.#records;
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const p = mid * RECORD;
      let d = 0;
      for (let i = 0; i < HASH_SIZE && d === 0; i++) d = r[p + i] - raw[i];
      if (d === 0) {
        const vol = new DataView(r.buffer, r.byteOffset + p + HASH_SIZE, 4).getUint32(0, true);
        return this.volumes[vol];
      }
      if (d < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}
