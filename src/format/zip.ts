/**
 * Our own ZIP container: a sequential writer and a random-access reader (format spec §2.1).
 *
 * Only what Duplicati volumes need: methods 0 (stored) and 8 (deflate), no directory entries,
 * no encryption, Zip64 when an archive has 65,535 or more entries or an offset/size reaches
 * 4 GiB. The reader takes sizes from the central directory, so archives written with data
 * descriptors (flag bit 3) by other tools read fine, and it never loads the whole archive.
 */

import { FileCursor } from "../core/file_cursor.ts";
import { crc32 as zlibCrc32 } from "node:zlib";
import { deflateSmaller, inflateExact, RawDeflateStream } from "./deflate.ts";
import { type Bytes, fromUtf8, utf8 } from "../core/bytes.ts";
import { IntegrityError } from "../core/errors.ts";

/** An entry whose data is already compressed (or stored); see {@link prepareEntry}. */
export interface PreparedEntry {
  /** 0 = stored, 8 = deflate. */
  method: 0 | 8;
  /** CRC-32 of the uncompressed data. */
  crc32: number;
  /** Length of the uncompressed data. */
  uncompressedSize: number;
  /** The bytes as they go into the archive (raw deflate stream for method 8). */
  data: Uint8Array;
}

/** One entry as described by the central directory. */
export interface ZipEntryInfo {
  name: string;
  /** Compression method (0 stored, 8 deflate; anything else fails on read). */
  method: number;
  /** General purpose bit flags. */
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  /** Offset of the entry's local header. */
  offset: number;
  /** "Version made by": the high byte is the host system (3 = Unix). Absent for written entries. */
  madeBy?: number;
  /** External file attributes; on Unix hosts the high 16 bits are the file mode. */
  externalAttributes?: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
const FLAG_UTF8 = 0x0800;
const FLAG_ENCRYPTED = 0x0001;

/** CRC-32 (zip polynomial) of `data`. */
export function crc32(data: Uint8Array): number {
  return zlibCrc32(data) >>> 0;
}

/**
 * Compresses `data` for the archive. Deflates (raw, `level` default 6) when `compress` is true
 * and the result is smaller than the input; otherwise stores it (method 0). Pure and
 * synchronous, so it can run in a Worker; the returned `data` owns its own ArrayBuffer, so it can
 * be transferred. Never throws for valid input.
 */
export function prepareEntry(
  data: Uint8Array,
  opts: { compress: boolean; level?: number },
): PreparedEntry {
  const crc = crc32(data);
  if (opts.compress && data.length > 0) {
    const deflated = deflateSmaller(data, opts.level ?? 6);
    if (deflated) return { method: 8, crc32: crc, uncompressedSize: data.length, data: deflated };
  }
  return { method: 0, crc32: crc, uncompressedSize: data.length, data };
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** MS-DOS date and time (local time, 2-second resolution) as [time, date]. */
function dosDateTime(d: Date): [number, number] {
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  const time = (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1);
  const date = ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate();
  return [time, date];
}

function setU64(v: DataView, off: number, n: number): void {
  v.setBigUint64(off, BigInt(n), true);
}

/**
 * Writes a zip archive sequentially to a file. Entries are written in the order added; the
 * central directory and end records are written by {@link ZipWriter.close}. Not safe for
 * concurrent use; all methods are synchronous.
 */
/**
 * Where a {@link ZipWriter}'s bytes go, in order. `write` must not keep `b` after it returns (copy
 * it if needed); `close` ends a finished archive, `abort` an unfinished one (never throws).
 */
export interface ZipSink {
  write(b: Uint8Array): void;
  /**
   * Optional: takes `b` for good (the writer never touches it again; `b` spans its whole
   * ArrayBuffer), e.g. to hand it to another thread without a copy.
   */
  writeOwned?(b: Uint8Array): void;
  close(): void;
  abort(): void;
}

/** A sink writing to a local file; `abort` deletes the file. */
class FileSink implements ZipSink {
  constructor(readonly file: Deno.FsFile, private path: string) {}
  write(b: Uint8Array): void {
    writeAll(this.file, b);
  }
  close(): void {
    this.file.close();
  }
  abort(): void {
    try {
      this.file.close();
    } catch { /* ignore */ }
    try {
      Deno.removeSync(this.path);
    } catch { /* ignore */ }
  }
}

/** Entries at least this large are handed to a sink's `writeOwned` instead of being copied. */
const OWNED_MIN = 64 * 1024;

export class ZipWriter {
  #out: ZipSink | null;
  /** The file, when writing straight to one (needed by {@link beginEntry}, which seeks). */
  #file: Deno.FsFile | null;
  #path: string;
  /** True when {@link #path} is a file this writer created (abort deletes it). */
  #ownsPath: boolean;
  #offset = 0; // bytes handed to the file (flushed + buffered)
  #buf: Bytes = new Uint8Array(1 << 20);
  #bufLen = 0;
  /** The central directory so far: records back to back in one growing buffer. */
  #central: Bytes = new Uint8Array(0);
  #centralSize = 0;
  #count = 0;
  #names = new Set<string>();
  #time: number;
  #date: number;

  private constructor(out: ZipSink, path: string, file: Deno.FsFile | null) {
    this.#out = out;
    this.#file = file;
    this.#path = path;
    this.#ownsPath = file !== null;
    [this.#time, this.#date] = dosDateTime(new Date());
  }

  /** Creates (or truncates) `path` and returns a writer for it. Throws Deno errors on I/O failure. */
  static create(path: string): ZipWriter {
    const file = Deno.openSync(path, { write: true, create: true, truncate: true });
    return new ZipWriter(new FileSink(file, path), path, file);
  }

  /**
   * Returns a writer whose bytes go to `sink` in ~1 MiB pieces (e.g. an encrypting stream), so no
   * plain archive is ever written. `label` names it in messages. {@link beginEntry} is not
   * available, as it must seek back.
   */
  static toSink(sink: ZipSink, label: string): ZipWriter {
    return new ZipWriter(sink, label, null);
  }

  /** Number of entries added so far. */
  get count(): number {
    return this.#count;
  }

  /**
   * Size the archive would have if closed now: bytes written so far plus the central directory
   * and end records still to come (exact, not an upper bound on future entries).
   */
  get size(): number {
    return this.#offset + this.#centralSize + this.#endSize();
  }

  /** The path being written. */
  get path(): string {
    return this.#path;
  }

  #endSize(): number {
    return 22 + (this.#needsZip64End(this.#offset, this.#centralSize) ? 56 + 20 : 0);
  }

  #needsZip64End(cdOffset: number, cdSize: number): boolean {
    return this.#count >= U16_MAX || cdOffset >= U32_MAX || cdSize >= U32_MAX;
  }

  #write(b: Uint8Array): void {
    if (this.#out === null) throw new Error(`ZipWriter for ${this.#path} is closed`);
    if (this.#bufLen + b.length > this.#buf.length) this.#flush();
    if (b.length >= this.#buf.length) {
      this.#out.write(b);
    } else {
      this.#buf.set(b, this.#bufLen);
      this.#bufLen += b.length;
    }
    this.#offset += b.length;
  }

  /** Writes `b`, which the caller gives up: large whole buffers go to the sink without a copy. */
  #writeOwned(b: Uint8Array): void {
    const whole = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength;
    if (!this.#out?.writeOwned || !whole || b.length < OWNED_MIN) return this.#write(b);
    const length = b.length; // read first: the sink may transfer (detach) the buffer
    this.#flush();
    this.#out.writeOwned(b);
    this.#offset += length;
  }

  #flush(): void {
    if (this.#bufLen > 0 && this.#out !== null) {
      this.#out.write(this.#buf.subarray(0, this.#bufLen));
      this.#bufLen = 0;
    }
  }

  /**
   * Adds an entry whose data was prepared elsewhere (e.g. by {@link prepareEntry} in a Worker).
   * With `owned`, the caller gives `e.data` up (it must not use it afterwards), which spares a
   * copy of large entries. Throws on a duplicate or empty name, or when the writer is closed.
   */
  addCompressed(name: string, e: PreparedEntry, owned = false): void {
    if (name.length === 0) throw new Error("zip entry name must not be empty");
    if (this.#names.has(name)) throw new Error(`duplicate zip entry name: ${name}`);
    if (e.method !== 0 && e.method !== 8) throw new Error(`unsupported zip method ${e.method}`);
    this.#names.add(name);
    const { local, central } = this.#headers(
      name,
      e.method,
      e.crc32 >>> 0,
      e.data.length,
      e.uncompressedSize,
      this.#offset,
    );
    this.#write(local);
    if (owned) this.#writeOwned(e.data);
    else this.#write(e.data);
    this.#addCentral(central);
  }

  #addCentral(record: Bytes): void {
    const need = this.#centralSize + record.length;
    if (need > this.#central.length) {
      const grown = new Uint8Array(Math.max(need, this.#central.length * 2, 4096));
      grown.set(this.#central.subarray(0, this.#centralSize));
      this.#central = grown;
    }
    this.#central.set(record, this.#centralSize);
    this.#centralSize = need;
    this.#count++;
  }

  /** The local and central headers of an entry with these values. */
  #headers(
    name: string,
    method: number,
    crc: number,
    csize: number,
    usize: number,
    offset: number,
  ): { local: Bytes; central: Bytes } {
    const nameBytes = utf8(name);
    const flags = isAscii(name) ? 0 : FLAG_UTF8;

    // Local header: zip64 extra (both sizes) only when a size does not fit in 32 bits.
    const localZip64 = csize >= U32_MAX || usize >= U32_MAX;
    const localExtra = localZip64 ? 20 : 0;
    const local = new Uint8Array(30 + nameBytes.length + localExtra);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, SIG_LOCAL, true);
    lv.setUint16(4, localZip64 ? 45 : 20, true);
    lv.setUint16(6, flags, true);
    lv.setUint16(8, method, true);
    lv.setUint16(10, this.#time, true);
    lv.setUint16(12, this.#date, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, localZip64 ? U32_MAX : csize, true);
    lv.setUint32(22, localZip64 ? U32_MAX : usize, true);
    lv.setUint16(26, nameBytes.length, true);
    lv.setUint16(28, localExtra, true);
    local.set(nameBytes, 30);
    if (localZip64) {
      const x = 30 + nameBytes.length;
      lv.setUint16(x, 0x0001, true);
      lv.setUint16(x + 2, 16, true);
      setU64(lv, x + 4, usize);
      setU64(lv, x + 12, csize);
    }

    // Central header: zip64 extra holds only the fields that overflow, in spec order.
    const z64: number[] = [];
    if (usize >= U32_MAX) z64.push(usize);
    if (csize >= U32_MAX) z64.push(csize);
    if (offset >= U32_MAX) z64.push(offset);
    const centralExtra = z64.length > 0 ? 4 + 8 * z64.length : 0;
    const central = new Uint8Array(46 + nameBytes.length + centralExtra);
    const cv = new DataView(central.buffer);
    const version = z64.length > 0 ? 45 : 20;
    cv.setUint32(0, SIG_CENTRAL, true);
    cv.setUint16(4, version, true); // made by: MS-DOS host, spec version
    cv.setUint16(6, version, true);
    cv.setUint16(8, flags, true);
    cv.setUint16(10, method, true);
    cv.setUint16(12, this.#time, true);
    cv.setUint16(14, this.#date, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, csize >= U32_MAX ? U32_MAX : csize, true);
    cv.setUint32(24, usize >= U32_MAX ? U32_MAX : usize, true);
    cv.setUint16(28, nameBytes.length, true);
    cv.setUint16(30, centralExtra, true);
    // comment length, disk start, internal attrs, external attrs: 0
    cv.setUint32(42, offset >= U32_MAX ? U32_MAX : offset, true);
    central.set(nameBytes, 46);
    if (z64.length > 0) {
      let x = 46 + nameBytes.length;
      cv.setUint16(x, 0x0001, true);
      cv.setUint16(x + 2, 8 * z64.length, true);
      x += 4;
      for (const n of z64) {
        setU64(cv, x, n);
        x += 8;
      }
    }

    return { local, central };
  }

  /**
   * Adds an entry whose content arrives in pieces (`write`), so it never has to be in memory at
   * once. With `compress`, the pieces go through one deflate stream; the local header is
   * patched with the CRC and sizes at `end()`. No other entry may be added until `end()`.
   * Entries over 4 GiB are refused.
   */
  beginEntry(
    name: string,
    opts: { compress: boolean; level?: number },
  ): { write(chunk: Uint8Array): void; end(): void } {
    if (name.length === 0) throw new Error("zip entry name must not be empty");
    if (this.#names.has(name)) throw new Error(`duplicate zip entry name: ${name}`);
    if (this.#file === null) {
      throw new Error(`ZipWriter for ${this.#path}: entries in pieces need a file to write to`);
    }
    this.#names.add(name);
    const method = opts.compress ? 8 : 0;
    const offset = this.#offset;
    this.#write(this.#headers(name, method, 0, 0, 0, offset).local);
    let crc = 0;
    let csize = 0;
    let usize = 0;
    let open = true;
    const deflater = opts.compress ? new RawDeflateStream(opts.level ?? 6) : undefined;
    const put = (pieces: Uint8Array[]) => {
      for (const p of pieces) {
        csize += p.length;
        if (csize >= U32_MAX) {
          throw new Error(`zip entry ${name} is too large to be written in pieces (4 GiB)`);
        }
        this.#write(p);
      }
    };
    return {
      write: (chunk: Uint8Array) => {
        if (!open) throw new Error(`zip entry ${name} is already ended`);
        if (chunk.length === 0) return;
        crc = zlibCrc32(chunk, crc) >>> 0;
        usize += chunk.length;
        if (usize >= U32_MAX) {
          throw new Error(`zip entry ${name} is too large to be written in pieces (4 GiB)`);
        }
        put(deflater ? deflater.write(chunk) : [chunk]);
      },
      end: () => {
        if (!open) throw new Error(`zip entry ${name} is already ended`);
        open = false;
        if (deflater) put(deflater.end());
        const { local, central } = this.#headers(name, method, crc, csize, usize, offset);
        this.#flush();
        const f = this.#file!;
        f.seekSync(offset, Deno.SeekMode.Start);
        writeAll(f, local.subarray(0, 30));
        f.seekSync(0, Deno.SeekMode.End);
        this.#addCentral(central);
      },
    };
  }

  /**
   * Adds `data` under `name`, compressing synchronously with {@link prepareEntry}
   * (`compress` default true, `level` default 6). Same throws as {@link addCompressed}.
   */
  add(name: string, data: Uint8Array, opts: { compress?: boolean; level?: number } = {}): void {
    this.addCompressed(
      name,
      prepareEntry(data, { compress: opts.compress ?? true, level: opts.level }),
    );
  }

  /**
   * Writes the central directory and end records (Zip64 ones when needed), closes the file and
   * returns the archive's total size in bytes. Throws if already closed.
   */
  close(): number {
    if (this.#out === null) throw new Error(`ZipWriter for ${this.#path} is already closed`);
    const cdOffset = this.#offset;
    this.#write(this.#central.subarray(0, this.#centralSize));
    const cdSize = this.#offset - cdOffset;
    const count = this.#count;
    const zip64 = this.#needsZip64End(cdOffset, cdSize);
    if (zip64) {
      const z64EocdOffset = this.#offset;
      const rec = new Uint8Array(56 + 20);
      const v = new DataView(rec.buffer);
      v.setUint32(0, SIG_ZIP64_EOCD, true);
      setU64(v, 4, 44); // size of the remaining record
      v.setUint16(12, 45, true);
      v.setUint16(14, 45, true);
      // disk numbers 16, 20: 0
      setU64(v, 24, count);
      setU64(v, 32, count);
      setU64(v, 40, cdSize);
      setU64(v, 48, cdOffset);
      v.setUint32(56, SIG_ZIP64_LOCATOR, true);
      // disk with zip64 EOCD 60: 0
      setU64(v, 64, z64EocdOffset);
      v.setUint32(72, 1, true); // total disks
      this.#write(rec);
    }
    const end = new Uint8Array(22);
    const ev = new DataView(end.buffer);
    ev.setUint32(0, SIG_EOCD, true);
    ev.setUint16(8, count >= U16_MAX ? U16_MAX : count, true);
    ev.setUint16(10, count >= U16_MAX ? U16_MAX : count, true);
    ev.setUint32(12, cdSize >= U32_MAX ? U32_MAX : cdSize, true);
    ev.setUint32(16, cdOffset >= U32_MAX ? U32_MAX : cdOffset, true);
    this.#write(end);
    this.#flush();
    const out = this.#out;
    this.#out = null;
    this.#file = null;
    this.#central = new Uint8Array(0);
    out.close();
    return this.#offset;
  }

  /** Alias of {@link close}. */
  finish(): number {
    return this.close();
  }

  /** Ends the archive unfinished: closes and deletes the file (or aborts the sink). Never throws. */
  abort(): void {
    const out = this.#out;
    this.#out = null;
    this.#file = null;
    if (out !== null) out.abort();
    else if (this.#ownsPath) {
      try {
        Deno.removeSync(this.#path);
      } catch { /* ignore */ }
    }
  }

  [Symbol.dispose](): void {
    if (this.#out !== null) this.abort();
  }
}

function checkMethod(e: ZipEntryInfo, label: string): void {
  if (e.method !== 0 && e.method !== 8) {
    throw new IntegrityError(
      `${label}: entry ${e.name} is corrupt: unsupported compression method ${e.method}`,
    );
  }
}

/**
 * Turns the stored bytes of an entry (from {@link ZipReader.readRaw}) into its content: inflates
 * method 8 (into `into` when given and large enough) and verifies size and CRC-32. Pure, so it can run in a worker. Throws
 * {@link IntegrityError} naming `label` and the entry on any mismatch or unsupported method.
 */
export function decodeEntry(
  e: Pick<ZipEntryInfo, "name" | "method" | "uncompressedSize" | "crc32">,
  raw: Bytes,
  label: string,
  into?: Bytes,
): Bytes {
  const bad = (why: string) => new IntegrityError(`${label}: entry ${e.name} is corrupt: ${why}`);
  checkMethod(e as ZipEntryInfo, label);
  let data: Bytes;
  if (e.method === 0) {
    data = raw;
  } else {
    try {
      data = inflateExact(raw, e.uncompressedSize, into) as Bytes;
    } catch (err) {
      throw bad(`cannot inflate: ${(err as Error).message}`);
    }
  }
  if (data.length !== e.uncompressedSize) {
    throw bad(`size is ${data.length}, expected ${e.uncompressedSize}`);
  }
  if (crc32(data) !== e.crc32) throw bad("CRC-32 mismatch");
  return data;
}

/**
 * The stored bytes of `e` within `extent`, the bytes of its {@link ZipReader.extent} (starting at
 * its local header). Pure, so it can run in a worker. Throws {@link IntegrityError} naming
 * `label` and the entry when the local header is bad or the data does not fit.
 */
export function entryData(
  e: Pick<ZipEntryInfo, "name" | "compressedSize" | "flags">,
  extent: Bytes,
  label: string,
): Bytes {
  const bad = (why: string) => new IntegrityError(`${label}: entry ${e.name} is corrupt: ${why}`);
  if (e.flags & FLAG_ENCRYPTED) throw bad("encrypted zip entries are not supported");
  const v = new DataView(extent.buffer, extent.byteOffset, extent.byteLength);
  if (extent.length < 30 || v.getUint32(0, true) !== SIG_LOCAL) throw bad("bad local header");
  const start = 30 + v.getUint16(26, true) + v.getUint16(28, true);
  if (start + e.compressedSize > extent.length) {
    throw bad("data runs past the end of the entry");
  }
  return extent.subarray(start, start + e.compressedSize);
}

function writeAll(f: Deno.FsFile, b: Uint8Array): void {
  let o = 0;
  while (o < b.length) o += f.writeSync(b.subarray(o));
}

/** Where the reader gets its bytes from: a file (positioned reads), memory, or a decryptor. */
export interface ZipSource {
  readonly size: number;
  read(pos: number, len: number): Bytes;
  /** Reads up to `dest.length` bytes at `pos` into `dest`; returns how many were read. */
  readInto(pos: number, dest: Bytes): number;
  close(): void;
}

class FileSource implements ZipSource {
  #cursor: FileCursor;
  constructor(
    readonly file: Deno.FsFile,
    readonly size: number,
    readonly stats: { bytes: number },
  ) {
    this.#cursor = new FileCursor(file);
  }
  read(pos: number, len: number): Bytes {
    const out = new Uint8Array(len);
    const o = this.readInto(pos, out);
    return o === len ? out : out.subarray(0, o);
  }
  readInto(pos: number, dest: Bytes): number {
    const o = this.#cursor.readAt(pos, dest);
    this.stats.bytes += o;
    return o;
  }
  #closed = false;
  close(): void {
    if (!this.#closed) {
      this.#closed = true;
      this.file.close();
    }
  }
}

class MemorySource implements ZipSource {
  constructor(readonly b: Uint8Array) {}
  get size(): number {
    return this.b.length;
  }
  read(pos: number, len: number): Bytes {
    return new Uint8Array(this.b.subarray(pos, pos + len));
  }
  readInto(pos: number, dest: Bytes): number {
    const part = this.b.subarray(pos, pos + dest.length);
    dest.set(part);
    return part.length;
  }
  close(): void {}
}

/**
 * Reads a zip archive: the central directory is parsed on open (only the end of the file is
 * read), entries are read one at a time by positioned reads and verified (size and CRC-32).
 * Every format problem throws {@link IntegrityError} naming the file (and entry).
 */
export class ZipReader {
  #src: ZipSource;
  #label: string;
  #entries: ZipEntryInfo[];
  /** Where the central directory starts: no entry's bytes lie beyond it. */
  #cdOffset = 0;
  /** Entry local header offsets, sorted (built on the first {@link extent} call). */
  #offsets?: Float64Array;
  #byName = new Map<string, ZipEntryInfo>();
  #stats: { bytes: number };

  private constructor(src: ZipSource, label: string, stats: { bytes: number }) {
    this.#src = src;
    this.#label = label;
    this.#stats = stats;
    this.#entries = this.#parseDirectory();
    for (const e of this.#entries) if (!this.#byName.has(e.name)) this.#byName.set(e.name, e);
  }

  /**
   * Opens `path` and parses its central directory. Throws {@link IntegrityError}
   * ("<file> is not a valid zip archive: ...") for a truncated or garbage file, and Deno errors
   * (e.g. `Deno.errors.NotFound`) when the file cannot be opened.
   */
  static openSync(path: string): ZipReader {
    const file = Deno.openSync(path, { read: true });
    try {
      const size = file.statSync().size;
      const stats = { bytes: 0 };
      return new ZipReader(new FileSource(file, size, stats), path, stats);
    } catch (e) {
      file.close();
      throw e;
    }
  }

  /** Async form of {@link openSync}; same contract. */
  static open(path: string): Promise<ZipReader> {
    try {
      return Promise.resolve(ZipReader.openSync(path));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Reads an in-memory archive; `label` names it in error messages. Same throws as openSync. */
  static fromBytes(b: Uint8Array, label = "archive"): ZipReader {
    const stats = { bytes: 0 };
    return new ZipReader(new MemorySource(b), label, stats);
  }

  /** Reads an archive from any source (e.g. a decrypting one); same throws as openSync. */
  static fromSource(src: ZipSource, label: string): ZipReader {
    return new ZipReader(src, label, { bytes: 0 });
  }

  /** Total bytes read from the file so far (diagnostics: proves reads are random access). */
  get bytesRead(): number {
    return this.#stats.bytes;
  }

  #invalid(why: string): IntegrityError {
    return new IntegrityError(`${this.#label} is not a valid zip archive: ${why}`);
  }

  #parseDirectory(): ZipEntryInfo[] {
    const size = this.#src.size;
    if (size < 22) throw this.#invalid(`file too short (${size} bytes)`);
    const tailLen = Math.min(size, 0xffff + 22 + 20);
    const tailStart = size - tailLen;
    const tail = this.#src.read(tailStart, tailLen);
    if (tail.length !== tailLen) throw this.#invalid("short read");
    const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (
        tv.getUint32(i, true) === SIG_EOCD && i + 22 + tv.getUint16(i + 20, true) <= tail.length
      ) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw this.#invalid("end of central directory record not found");
    let count = tv.getUint16(eocd + 10, true);
    let cdSize: number = tv.getUint32(eocd + 12, true);
    let cdOffset: number = tv.getUint32(eocd + 16, true);
    let cdEnd = tailStart + eocd; // central directory must end before this

    const loc = eocd - 20;
    if (loc >= 0 && tv.getUint32(loc, true) === SIG_ZIP64_LOCATOR) {
      const z64Off = Number(tv.getBigUint64(loc + 8, true));
      if (z64Off + 56 > tailStart + loc) throw this.#invalid("bad zip64 end record offset");
      const rec = this.#src.read(z64Off, 56);
      const rv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
      if (rec.length !== 56 || rv.getUint32(0, true) !== SIG_ZIP64_EOCD) {
        throw this.#invalid("zip64 end of central directory record not found");
      }
      count = Number(rv.getBigUint64(32, true));
      cdSize = Number(rv.getBigUint64(40, true));
      cdOffset = Number(rv.getBigUint64(48, true));
      cdEnd = z64Off;
    }
    if (cdOffset + cdSize > cdEnd) {
      throw this.#invalid(`central directory (${cdOffset}+${cdSize}) lies beyond its end records`);
    }
    if (count * 46 > cdSize) {
      throw this.#invalid(`central directory too small for ${count} entries`);
    }
    const cd = this.#src.read(cdOffset, cdSize);
    if (cd.length !== cdSize) throw this.#invalid("short read of central directory");
    this.#cdOffset = cdOffset;
    const v = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
    const out: ZipEntryInfo[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || v.getUint32(p, true) !== SIG_CENTRAL) {
        throw this.#invalid(`bad central directory header #${i}`);
      }
      const madeBy = v.getUint16(p + 4, true);
      const flags = v.getUint16(p + 8, true);
      const method = v.getUint16(p + 10, true);
      const crc = v.getUint32(p + 16, true);
      let csize: number = v.getUint32(p + 20, true);
      let usize: number = v.getUint32(p + 24, true);
      const nlen = v.getUint16(p + 28, true);
      const xlen = v.getUint16(p + 30, true);
      const clen = v.getUint16(p + 32, true);
      const externalAttributes = v.getUint32(p + 38, true);
      let offset: number = v.getUint32(p + 42, true);
      const recEnd = p + 46 + nlen + xlen + clen;
      if (recEnd > cd.length) throw this.#invalid(`central directory header #${i} overruns`);
      const name = fromUtf8(cd.subarray(p + 46, p + 46 + nlen));
      // Zip64 extended information: present fields only, in order usize, csize, offset.
      let x = p + 46 + nlen;
      const xEnd = x + xlen;
      while (x + 4 <= xEnd) {
        const id = v.getUint16(x, true);
        const len = v.getUint16(x + 2, true);
        if (x + 4 + len > xEnd) break;
        if (id === 0x0001) {
          let f = x + 4;
          const fEnd = f + len;
          const next = (): number => {
            if (f + 8 > fEnd) throw this.#invalid(`zip64 extra field of ${name} too short`);
            const n = Number(v.getBigUint64(f, true));
            f += 8;
            return n;
          };
          if (usize === U32_MAX) usize = next();
          if (csize === U32_MAX) csize = next();
          if (offset === U32_MAX) offset = next();
        }
        x += 4 + len;
      }
      out.push({
        name,
        method,
        flags,
        compressedSize: csize,
        uncompressedSize: usize,
        crc32: crc,
        offset,
        madeBy,
        externalAttributes,
      });
      p = recEnd;
    }
    return out;
  }

  /** All entries in central directory order. */
  entries(): ZipEntryInfo[] {
    return this.#entries.slice();
  }

  /** Number of entries. */
  get count(): number {
    return this.#entries.length;
  }

  /** True when an entry of that name exists. */
  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** The entry of that name, or undefined. */
  entry(name: string): ZipEntryInfo | undefined {
    return this.#byName.get(name);
  }

  #resolve(e: string | ZipEntryInfo): ZipEntryInfo {
    if (typeof e !== "string") return e;
    const found = this.#byName.get(e);
    if (found === undefined) throw new IntegrityError(`${this.#label} has no entry named ${e}`);
    return found;
  }

  /**
   * Returns the stored bytes of an entry (compressed for method 8) without inflating or checking
   * the CRC. Throws {@link IntegrityError} for a missing entry, a bad local header or a
   * truncated archive.
   */
  readRaw(nameOrEntry: string | ZipEntryInfo): Bytes {
    const e = this.#resolve(nameOrEntry);
    const start = this.#dataStart(e);
    const data = this.#src.read(start, e.compressedSize);
    if (data.length !== e.compressedSize) throw this.#corrupt(e, "short read");
    return data;
  }

  /**
   * Like {@link readRaw}, but reads the stored bytes into `into` at offset `at` (no allocation)
   * and returns that view. Throws RangeError when they do not fit, else as readRaw.
   */
  readRawInto(nameOrEntry: string | ZipEntryInfo, into: Bytes, at: number): Bytes {
    const e = this.#resolve(nameOrEntry);
    if (at < 0 || at + e.compressedSize > into.length) {
      throw new RangeError(`${e.name} (${e.compressedSize} bytes) does not fit at ${at}`);
    }
    const start = this.#dataStart(e);
    const view = into.subarray(at, at + e.compressedSize);
    if (this.#src.readInto(start, view) !== e.compressedSize) throw this.#corrupt(e, "short read");
    return view;
  }

  /**
   * The byte range `[start, end)` an entry occupies: from its local header to the next entry's
   * (or the central directory). It holds the local header, the stored bytes and any data
   * descriptor; {@link entryData} finds the stored bytes in it. Lets a caller read the entry
   * without this reader's help (for instance as ciphertext, decrypted elsewhere).
   */
  extent(e: ZipEntryInfo): { start: number; end: number } {
    if (!this.#offsets) {
      this.#offsets = Float64Array.from(this.#entries, (x) => x.offset).sort();
    }
    const o = this.#offsets;
    let lo = 0, hi = o.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (o[mid] <= e.offset) lo = mid + 1;
      else hi = mid;
    }
    const end = lo < o.length ? o[lo] : this.#cdOffset;
    return { start: e.offset, end: Math.max(end, e.offset) };
  }

  #corrupt(e: ZipEntryInfo, why: string): IntegrityError {
    return new IntegrityError(`${this.#label}: entry ${e.name} is corrupt: ${why}`);
  }

  /** Where the stored bytes of `e` start, from its local header; throws IntegrityError. */
  #dataStart(e: ZipEntryInfo): number {
    if (e.flags & FLAG_ENCRYPTED) throw this.#corrupt(e, "encrypted zip entries are not supported");
    const h = this.#src.read(e.offset, 30);
    const hv = new DataView(h.buffer, h.byteOffset, h.byteLength);
    if (h.length !== 30 || hv.getUint32(0, true) !== SIG_LOCAL) {
      throw this.#corrupt(e, "bad local header");
    }
    const start = e.offset + 30 + hv.getUint16(26, true) + hv.getUint16(28, true);
    if (start + e.compressedSize > this.#src.size) {
      throw this.#corrupt(e, "data runs past the end of the file");
    }
    return start;
  }

  /**
   * Yields one entry's content in pieces, reading at most `chunk` stored bytes at a time and
   * inflating method 8 as it goes, so an entry of any size needs little memory. Size and CRC-32
   * are verified as the pieces pass; a mismatch throws {@link IntegrityError} (after the pieces
   * before it were yielded, so the caller must discard what it wrote). Same throws as read().
   */
  async *stream(nameOrEntry: string | ZipEntryInfo, chunk = 1 << 20): AsyncGenerator<Bytes> {
    const e = this.#resolve(nameOrEntry);
    checkMethod(e, this.#label);
    const start = this.#dataStart(e);
    const src = this.#src;
    let pos = 0;
    const stored = new ReadableStream<Bytes>({
      pull: (ctl) => {
        if (pos >= e.compressedSize) return ctl.close();
        const n = Math.min(chunk, e.compressedSize - pos);
        const b = src.read(start + pos, n);
        if (b.length !== n) return ctl.error(this.#corrupt(e, "short read"));
        pos += n;
        ctl.enqueue(b);
      },
    });
    const pieces = e.method === 8
      ? stored.pipeThrough(
        new DecompressionStream("deflate-raw") as unknown as TransformStream<Bytes, Bytes>,
      )
      : stored;
    let crc = 0;
    let size = 0;
    const reader = pieces.getReader();
    try {
      for (;;) {
        let r: ReadableStreamReadResult<Bytes>;
        try {
          r = await reader.read();
        } catch (err) {
          if (err instanceof IntegrityError) throw err;
          throw this.#corrupt(e, `cannot inflate: ${(err as Error).message}`);
        }
        if (r.done) break;
        size += r.value.length;
        if (size > e.uncompressedSize) {
          throw this.#corrupt(e, `size is over ${e.uncompressedSize}`);
        }
        crc = zlibCrc32(r.value, crc);
        yield r.value;
      }
    } finally {
      reader.releaseLock();
      await pieces.cancel().catch(() => {});
    }
    if (size !== e.uncompressedSize) {
      throw this.#corrupt(e, `size is ${size}, expected ${e.uncompressedSize}`);
    }
    if ((crc >>> 0) !== e.crc32) throw this.#corrupt(e, "CRC-32 mismatch");
  }

  /**
   * Reads one entry, inflating it when needed, and verifies its size and CRC-32. Throws
   * {@link IntegrityError} naming the entry on any mismatch, an unsupported method, a missing
   * entry or a truncated archive.
   */
  read(nameOrEntry: string | ZipEntryInfo): Bytes {
    const e = this.#resolve(nameOrEntry);
    checkMethod(e, this.#label);
    return decodeEntry(e, this.readRaw(e), this.#label);
  }

  /** The label used in error messages (the file name). */
  get label(): string {
    return this.#label;
  }

  /** Releases the file handle. Further reads fail. */
  close(): void {
    this.#src.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
