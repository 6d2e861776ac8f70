/**
 * Random access to the plaintext of an AESCrypt file. In CBC mode each ciphertext block decrypts
 * on its own given the block before it, so any range of the plaintext can be decrypted without
 * the rest: a volume can be read in place, entry by entry, with no decrypted copy on disk or in
 * memory, and the decryption of a range can run in another thread than the read.
 *
 * Nothing here checks integrity: callers verify the whole file first (its recorded SHA-256, or
 * the HMAC over the ciphertext, see {@link AesLayout.mac}).
 */
import { FileCursor } from "../core/file_cursor.ts";
import { createDecipheriv, createHash, createHmac } from "node:crypto";
import type { Bytes } from "../core/bytes.ts";
import { type AesLayout, readAesLayout, v3PaddingLength } from "./aescrypt.ts";
import type { ZipSource } from "./zip.ts";

/** Bytes decrypted per AES-ECB call (see CbcDecryptor.decryptInPlace). */
const PIECE = 32 * 1024;

/** AES-256-CBC decryption of whole blocks in place, given the ciphertext block before them. */
export class CbcDecryptor {
  #ecb: ReturnType<typeof createDecipheriv>;

  constructor(key: Uint8Array) {
    this.#ecb = createDecipheriv("aes-256-ecb", key, null);
    this.#ecb.setAutoPadding(false);
  }

  /**
   * Decrypts `blocks` (a multiple of 16 bytes) in place. `prev` is the ciphertext block that
   * precedes them in the file, or the IV when they start the ciphertext; it must not overlap
   * `blocks`.
   */
  decryptInPlace(blocks: Uint8Array, prev: Uint8Array): void {
    const n = blocks.length;
    if (n % 16 !== 0 || prev.length !== 16) {
      throw new RangeError("CBC decryption needs whole 16-byte blocks and a 16-byte IV");
    }
    // In pieces from the end backwards: the block before each piece is still ciphertext when the
    // piece is decrypted. Pieces stay below the allocator's mmap threshold, so the buffers AES-ECB
    // returns are reused memory instead of fresh pages (a page fault every 4 KiB, measured to
    // cost more than the AES itself).
    for (let end = n; end > 0;) {
      const start = Math.max(0, end - PIECE);
      this.#piece(
        blocks.subarray(start, end),
        start === 0 ? prev : blocks.subarray(start - 16, start),
      );
      end = start;
    }
  }

  #piece(blocks: Uint8Array, prev: Uint8Array): void {
    const n = blocks.length;
    const d = this.#ecb.update(blocks) as Uint8Array;
    if (d.length !== n) throw new Error(`AES-ECB returned ${d.length} bytes for ${n}`);
    // P[i] = D(C[i]) xor C[i-1], from the end backwards so that each C[i-1] is still ciphertext
    // when it is used.
    if (blocks.byteOffset % 4 === 0 && d.byteOffset % 4 === 0) {
      const b = new Int32Array(blocks.buffer, blocks.byteOffset, n >> 2);
      const dd = new Int32Array(d.buffer, d.byteOffset, n >> 2);
      for (let i = b.length - 1; i >= 4; i--) b[i] = dd[i] ^ b[i - 4];
    } else {
      for (let i = n - 1; i >= 16; i--) blocks[i] = d[i] ^ blocks[i - 16];
    }
    for (let i = 0; i < 16; i++) blocks[i] = d[i] ^ prev[i];
  }
}

/** Rounds down to a block boundary. */
export function blockFloor(x: number): number {
  return x - (x % 16);
}

/** Rounds up to a block boundary. */
export function blockCeil(x: number): number {
  return x % 16 === 0 ? x : x + 16 - (x % 16);
}

/**
 * An AESCrypt file opened for random access. As a {@link ZipSource} it decrypts what is read in
 * the calling thread; {@link readCipherInto} instead copies the ciphertext of a range (and the
 * block before it) for decryption elsewhere with a {@link CbcDecryptor}.
 */
export class AesRangeFile implements ZipSource {
  readonly size: number;
  readonly layout: AesLayout;
  #file: Deno.FsFile;
  #cursor: FileCursor;
  #dec: CbcDecryptor;
  #closed = false;

  private constructor(file: Deno.FsFile, layout: AesLayout, size: number) {
    this.#file = file;
    this.#cursor = new FileCursor(file);
    this.layout = layout;
    this.#dec = new CbcDecryptor(layout.key);
    this.size = size;
  }

  /**
   * Opens `path` (named `name` in messages) with `password`. Throws AesCryptError like
   * decryptFile: "bad-password" for a wrong passphrase, "truncated"/"corrupt" when damaged.
   */
  static open(path: string, password: string, name = path): AesRangeFile {
    const file = Deno.openSync(path, { read: true });
    try {
      const total = file.statSync().size;
      const layout = readAesLayout(file, total, password, name);
      let size = layout.plainSize;
      const r = new AesRangeFile(file, layout, size ?? layout.ctLen);
      if (size === undefined) {
        // v3: the padding length is in the last block.
        const last = new Uint8Array(32);
        r.readCipherInto(layout.ctLen - 16, layout.ctLen, last, 0);
        r.#dec.decryptInPlace(last.subarray(16), last.subarray(0, 16));
        size = layout.ctLen - v3PaddingLength(last.subarray(16), name);
        (r as { size: number }).size = size;
      }
      return r;
    } catch (err) {
      file.close();
      throw err;
    }
  }

  /**
   * Copies the ciphertext covering plaintext `[start, end)` into `into` at `at`: first the block
   * before `blockFloor(start)` (or the IV), then the blocks up to `blockCeil(end)`. Returns the
   * number of bytes written, `16 + blockCeil(end) - blockFloor(start)`. After
   * `decryptInPlace(into[at+16 ...], into[at ... at+16])` plaintext offset `x` lies at
   * `into[at + 16 + x - blockFloor(start)]`.
   */
  readCipherInto(start: number, end: number, into: Uint8Array, at: number): number {
    const a = blockFloor(start);
    const b = Math.min(blockCeil(end), this.layout.ctLen);
    if (a < 0 || b < a) throw new RangeError(`bad range ${start}-${end}`);
    const len = 16 + b - a;
    if (at + len > into.length) throw new RangeError("the ciphertext does not fit");
    if (a === 0) {
      into.set(this.layout.iv, at);
      this.#readAt(this.layout.dataStart, into.subarray(at + 16, at + len));
    } else {
      this.#readAt(this.layout.dataStart + a - 16, into.subarray(at, at + len));
    }
    return len;
  }

  /**
   * Copies the ciphertext of the blocks `[from, blockCeil(end))` into `into` at `at`, `from`
   * being a block boundary: extends a range read by {@link readCipherInto} that ended at `from`.
   * Returns the number of bytes written.
   */
  extendCipherInto(from: number, end: number, into: Uint8Array, at: number): number {
    const b = Math.min(blockCeil(end), this.layout.ctLen);
    if (from % 16 !== 0 || b < from) throw new RangeError(`bad range ${from}-${end}`);
    if (at + b - from > into.length) throw new RangeError("the ciphertext does not fit");
    this.#readAt(this.layout.dataStart + from, into.subarray(at, at + b - from));
    return b - from;
  }

  #readAt(pos: number, dest: Uint8Array): void {
    if (this.#cursor.readAt(pos, dest) < dest.length) {
      throw new Error("unexpected end of the encrypted file");
    }
  }

  read(pos: number, len: number): Bytes {
    const out = new Uint8Array(Math.max(0, Math.min(len, this.size - pos)));
    this.readInto(pos, out);
    return out;
  }

  readInto(pos: number, dest: Bytes): number {
    const len = Math.max(0, Math.min(dest.length, this.size - pos));
    if (len === 0) return 0;
    const buf = new Uint8Array(16 + blockCeil(pos + len) - blockFloor(pos));
    this.readCipherInto(pos, pos + len, buf, 0);
    this.#dec.decryptInPlace(buf.subarray(16), buf.subarray(0, 16));
    const from = 16 + pos - blockFloor(pos);
    dest.set(buf.subarray(from, from + len));
    return len;
  }

  close(): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#file.close();
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * The size and SHA-256 (base64) of the file at `path` and, with `mac`, the HMAC-SHA256 under
 * `mac.key` of its bytes `[start, start + length)`: what verifies a whole AESCrypt file before its
 * ranges are trusted. One pass in 1 MiB reads; throws Deno I/O errors.
 */
export function hashAesFile(
  path: string,
  mac?: { key: Uint8Array; start: number; length: number },
): { size: number; sha256: string; mac?: Bytes } {
  const sha = createHash("sha256");
  const hmac = mac ? createHmac("sha256", mac.key) : undefined;
  using f = Deno.openSync(path, { read: true });
  const buf = new Uint8Array(1 << 20);
  let pos = 0;
  for (;;) {
    const n = f.readSync(buf);
    if (n === null || n === 0) break;
    const chunk = buf.subarray(0, n);
    sha.update(chunk);
    if (hmac && mac) {
      const a = Math.max(pos, mac.start), b = Math.min(pos + n, mac.start + mac.length);
      if (a < b) hmac.update(chunk.subarray(a - pos, b - pos));
    }
    pos += n;
  }
  return {
    size: pos,
    sha256: sha.digest("base64"),
    mac: hmac ? new Uint8Array(hmac.digest()) : undefined,
  };
}
