/**
 * AESCrypt stream format (format spec §9): writes version 2 exactly as SharpAESCrypt 2.0.3 does
 * (what Duplicati 2.1+ uploads) and reads versions 2 and 3.
 *
 * Byte-array functions use node:crypto. The file functions stream in ~1 MiB chunks with bounded
 * memory and run AES-CBC through WebCrypto, chaining chunks by hand (deno-notes §5): WebCrypto
 * is 2× (encrypt) to 4.5× (decrypt) faster than Deno's node:crypto ciphers.
 */

import { sha256Iterate } from "../core/sha256.ts";
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  pbkdf2Sync,
  timingSafeEqual,
} from "node:crypto";
import { type Bytes, concatBytes, utf8 } from "../core/bytes.ts";
import { UserError } from "../core/errors.ts";
import { collectYoungGarbage } from "../core/memory.ts";

/** What went wrong when reading an AESCrypt stream. */
export type AesCryptErrorKind =
  | "not-aescrypt"
  | "unsupported-version"
  | "bad-password"
  | "corrupt"
  | "truncated";

/** An AESCrypt stream could not be decrypted; `kind` says why. The message names the file. */
export class AesCryptError extends UserError {
  readonly kind: AesCryptErrorKind;
  constructor(kind: AesCryptErrorKind, message: string) {
    super(message, { code: kind === "bad-password" ? "InvalidPassphrase" : "AesCryptError" });
    this.name = "AesCryptError";
    this.kind = kind;
  }
}

/** One header extension: `u16 len | name | 00 | value`. */
export interface AesExtension {
  name: string;
  value: Uint8Array;
}

/**
 * Header extensions to write: an explicit list, `"sharp"` (what SharpAESCrypt 2.0.3 writes:
 * CREATED_BY, CREATED_DATE, CREATED_TIME and the 128-byte container) or `"none"`.
 */
export type AesExtensions = AesExtension[] | "sharp" | "none";

/** Options for the encrypting functions; keys are random unless given (tests only). */
export interface AesEncryptOptions {
  iv1?: Uint8Array;
  iv2?: Uint8Array;
  key2?: Uint8Array;
  extensions?: AesExtensions;
}

/** Streaming chunk size (a multiple of 16). */
const CHUNK = 1 << 20;
const MAGIC = [0x41, 0x45, 0x53];
const ROUNDS_V2 = 8192;

/** `CREATED_BY` value SharpAESCrypt 2.0.3 writes. */
export const SHARP_CREATED_BY = "SharpAESCrypt v2.0.3.0";

function utf16le(s: string): Bytes {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[2 * i] = c & 0xff;
    out[2 * i + 1] = c >> 8;
  }
  return out;
}

function plain(b: Uint8Array): Bytes {
  return new Uint8Array(b);
}

function randomBytes(n: number): Bytes {
  return crypto.getRandomValues(new Uint8Array(n));
}

function checkLen(b: Uint8Array | undefined, n: number, what: string): Bytes {
  if (b === undefined) return randomBytes(n);
  if (b.length !== n) throw new Error(`${what} must be ${n} bytes, got ${b.length}`);
  return plain(b);
}

/**
 * AESCrypt v2 key stretch ("ACKDF"): K = IV1 ‖ 16 zero bytes, then 8192 × K = SHA-256(K ‖
 * UTF-16LE(password)). Returns the 32-byte K1. Throws if `iv1` is not 16 bytes.
 */
export function deriveKeyV2(password: string, iv1: Uint8Array): Bytes {
  if (iv1.length !== 16) throw new Error(`IV1 must be 16 bytes, got ${iv1.length}`);
  const start = new Uint8Array(32);
  start.set(iv1);
  // 8192 rounds on a tiny input: JavaScript on 32-bit words beats a native call per round.
  return plain(sha256Iterate(start, utf16le(password), ROUNDS_V2));
}

/** AESCrypt v3 key: PBKDF2-HMAC-SHA512(UTF-8 password, salt IV1, iterations), 32 bytes. */
export function deriveKeyV3(password: string, iv1: Uint8Array, iterations: number): Bytes {
  return plain(pbkdf2Sync(utf8(password), iv1, iterations, 32, "sha512"));
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** The extensions SharpAESCrypt 2.0.3 writes, with local date and 12-hour time of `now`. */
export function sharpExtensions(now: Date = new Date()): AesExtension[] {
  const date = `${now.getFullYear()}-${pad2(now.getMonth() + 1)}-${pad2(now.getDate())}`;
  const h12 = ((now.getHours() + 11) % 12) + 1;
  const time = `${pad2(h12)}-${pad2(now.getMinutes())}-${pad2(now.getSeconds())}`;
  return [
    { name: "CREATED_BY", value: utf8(SHARP_CREATED_BY) },
    { name: "CREATED_DATE", value: utf8(date) },
    { name: "CREATED_TIME", value: utf8(time) },
    { name: "", value: new Uint8Array(127) }, // container: 00 80 00 + 127 × 00
  ];
}

/** The v2 header: "AES" 02 00, extensions, 00 00. Throws if an extension exceeds 65,535 bytes. */
export function buildHeaderV2(extensions: AesExtensions = "sharp"): Bytes {
  const list = extensions === "sharp" ? sharpExtensions() : extensions === "none" ? [] : extensions;
  const parts: Uint8Array[] = [new Uint8Array([...MAGIC, 2, 0])];
  for (const x of list) {
    const name = utf8(x.name);
    const len = name.length + 1 + x.value.length;
    if (len > 0xffff) throw new Error(`AESCrypt extension ${x.name} is too long`);
    parts.push(new Uint8Array([len >> 8, len & 0xff]), name, new Uint8Array([0]), x.value);
  }
  parts.push(new Uint8Array([0, 0]));
  return concatBytes(parts);
}

/** Size of a v2 stream for `plainLength` bytes: header + 96 + ⌈len/16⌉·16 + 33. */
export function encryptedSizeV2(plainLength: number, headerLength = 220): number {
  return headerLength + 96 + Math.ceil(plainLength / 16) * 16 + 33;
}

function aesCbcNoPad(encrypt: boolean, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Bytes {
  const c = encrypt
    ? createCipheriv("aes-256-cbc", key, iv)
    : createDecipheriv("aes-256-cbc", key, iv);
  c.setAutoPadding(false);
  return concatBytes([c.update(data), c.final()]);
}

function hmac(key: Uint8Array, ...data: Uint8Array[]): Bytes {
  const h = createHmac("sha256", key);
  for (const d of data) h.update(d);
  return plain(h.digest());
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Header plus IV1, encrypted IV2‖KEY2 and HMAC1: everything before the ciphertext. */
function buildPrelude(opts: AesEncryptOptions, password: string) {
  const iv1 = checkLen(opts.iv1, 16, "iv1");
  const iv2 = checkLen(opts.iv2, 16, "iv2");
  const key2 = checkLen(opts.key2, 32, "key2");
  const k1 = deriveKeyV2(password, iv1);
  const enc48 = aesCbcNoPad(true, k1, iv1, concatBytes([iv2, key2]));
  const prelude = concatBytes([
    buildHeaderV2(opts.extensions ?? "sharp"),
    iv1,
    enc48,
    hmac(k1, enc48),
  ]);
  return { prelude, iv2, key2 };
}

/** SharpAESCrypt padding: `16−m` bytes of value `16−m` when m = len mod 16 ≠ 0, else none. */
function padLength(len: number): number {
  const m = len % 16;
  return m === 0 ? 0 : 16 - m;
}

/**
 * Encrypts `plain` as an AESCrypt v2 stream exactly as SharpAESCrypt 2.0.3 would (default
 * extensions "sharp"; random IV1, IV2, KEY2 unless given). Throws only for bad option lengths.
 */
export function encryptBytes(
  plainText: Uint8Array,
  password: string,
  opts: AesEncryptOptions = {},
): Bytes {
  const { prelude, iv2, key2 } = buildPrelude(opts, password);
  const p = padLength(plainText.length);
  const padded = new Uint8Array(plainText.length + p);
  padded.set(plainText);
  padded.fill(p, plainText.length);
  const ct = aesCbcNoPad(true, key2, iv2, padded);
  return concatBytes([prelude, ct, new Uint8Array([plainText.length % 16]), hmac(key2, ct)]);
}

/** Parsed fixed part of a v2/v3 stream. */
interface Header {
  version: 2 | 3;
  iterations: number;
  iv1: Bytes;
  enc48: Bytes;
  hmac1: Bytes;
  /** Offset of the ciphertext. */
  dataStart: number;
}

/**
 * Parses the header of `b`. `whole` says whether `b` is the entire stream (then running out is
 * "truncated"); otherwise running out means an absurdly large header ("corrupt").
 */
function parseHeader(b: Uint8Array, name: string, whole: boolean): Header {
  const short = () =>
    whole
      ? new AesCryptError(
        "truncated",
        `The file ${name} is truncated: the AESCrypt header is incomplete`,
      )
      : new AesCryptError(
        "corrupt",
        `The file ${name} is corrupt: the AESCrypt header is too large`,
      );
  if (b.length < 3 && b.every((x, i) => x === MAGIC[i])) throw short();
  if (b[0] !== MAGIC[0] || b[1] !== MAGIC[1] || b[2] !== MAGIC[2]) {
    throw new AesCryptError("not-aescrypt", `The file ${name} is not an AESCrypt file (bad magic)`);
  }
  if (b.length < 5) throw short();
  const version = b[3];
  if (version !== 2 && version !== 3) {
    throw new AesCryptError(
      "unsupported-version",
      `The file ${name} uses AESCrypt stream version ${version}; only versions 2 and 3 are supported`,
    );
  }
  if (b[4] !== 0) {
    throw new AesCryptError(
      "corrupt",
      `The file ${name} is corrupt: reserved header byte is not 0`,
    );
  }
  let p = 5;
  for (;;) {
    if (p + 2 > b.length) throw short();
    const len = (b[p] << 8) | b[p + 1];
    p += 2;
    if (len === 0) break;
    p += len;
  }
  let iterations = 0;
  if (version === 3) {
    if (p + 4 > b.length) throw short();
    iterations = new DataView(b.buffer, b.byteOffset + p, 4).getUint32(0, false);
    p += 4;
    if (iterations < 1) {
      throw new AesCryptError("corrupt", `The file ${name} is corrupt: KDF iteration count is 0`);
    }
  }
  if (p + 96 > b.length) throw short();
  return {
    version,
    iterations,
    iv1: plain(b.subarray(p, p + 16)),
    enc48: plain(b.subarray(p + 16, p + 64)),
    hmac1: plain(b.subarray(p + 64, p + 96)),
    dataStart: p + 96,
  };
}

/** Checks HMAC1 and returns IV2 and KEY2. Throws AesCryptError "bad-password". */
function unlock(h: Header, password: string, name: string): { iv2: Bytes; key2: Bytes } {
  const k1 = h.version === 2
    ? deriveKeyV2(password, h.iv1)
    : deriveKeyV3(password, h.iv1, h.iterations);
  const mac = h.version === 2 ? hmac(k1, h.enc48) : hmac(k1, h.enc48, new Uint8Array([3]));
  if (!equal(mac, h.hmac1)) {
    throw new AesCryptError(
      "bad-password",
      `Invalid passphrase, or the file ${name} is corrupt: the header HMAC does not match`,
    );
  }
  const keys = aesCbcNoPad(false, k1, h.iv1, h.enc48);
  return { iv2: keys.slice(0, 16), key2: keys.slice(16, 48) };
}

/** Layout of the body: ciphertext length and trailer, checked for plausibility. */
function bodyLayout(h: Header, total: number, name: string): { ctLen: number; trailer: number } {
  const trailer = h.version === 2 ? 33 : 32;
  const ctLen = total - h.dataStart - trailer;
  if (ctLen < 0 || ctLen % 16 !== 0 || (h.version === 3 && ctLen === 0)) {
    throw new AesCryptError(
      "truncated",
      `The file ${name} is truncated or corrupt: the ciphertext length ${Math.max(ctLen, 0)} ` +
        `is not a positive multiple of 16`,
    );
  }
  return { ctLen, trailer };
}

/** v2: the modulo byte, validated. */
function modulo(m: number, ctLen: number, name: string): number {
  if (m >= 16 || (ctLen === 0 && m !== 0)) {
    throw new AesCryptError("corrupt", `The file ${name} is corrupt: invalid length byte ${m}`);
  }
  return m;
}

function corruptData(name: string): AesCryptError {
  return new AesCryptError("corrupt", `The file ${name} is corrupt: the data HMAC does not match`);
}

/** v3: length of the PKCS#7 padding at the end of `lastBlock`, validated. */
function pkcs7(lastBlock: Uint8Array, name: string): number {
  const n = lastBlock[lastBlock.length - 1];
  let ok = n >= 1 && n <= 16;
  for (let i = 1; ok && i <= n; i++) ok = lastBlock[lastBlock.length - i] === n;
  if (!ok) throw new AesCryptError("corrupt", `The file ${name} is corrupt: invalid padding`);
  return n;
}

/**
 * Decrypts an AESCrypt v2 or v3 stream held in memory. Verifies both HMACs; v2 padding bytes
 * are stripped by the length byte without checking their values. Throws {@link AesCryptError}.
 */
export function decryptBytes(
  data: Uint8Array,
  password: string,
  opts: { name?: string } = {},
): Bytes {
  const name = opts.name ?? "(in memory)";
  const h = parseHeader(data, name, true);
  const { ctLen, trailer } = bodyLayout(h, data.length, name);
  const { iv2, key2 } = unlock(h, password, name);
  const ct = data.subarray(h.dataStart, h.dataStart + ctLen);
  const tail = data.subarray(h.dataStart + ctLen);
  const m = h.version === 2 ? modulo(tail[0], ctLen, name) : 0;
  if (!equal(hmac(key2, ct), tail.subarray(trailer - 32))) throw corruptData(name);
  const pt = aesCbcNoPad(false, key2, iv2, ct);
  const strip = h.version === 2 ? (m === 0 ? 0 : 16 - m) : pkcs7(pt, name);
  return pt.subarray(0, pt.length - strip);
}

// ---------------------------------------------------------------------------------------------
// Streaming (files) with WebCrypto AES-CBC chained across chunks.

/** CBC encryption of 16-byte-aligned chunks, chained: WebCrypto's PKCS#7 block is dropped. */
class ChainedEncryptor {
  #iv: Bytes;
  private constructor(readonly key: CryptoKey, iv: Bytes) {
    this.#iv = iv;
  }
  static async create(key: Uint8Array, iv: Uint8Array): Promise<ChainedEncryptor> {
    const k = await crypto.subtle.importKey("raw", plain(key), "AES-CBC", false, ["encrypt"]);
    return new ChainedEncryptor(k, plain(iv));
  }
  /** Encrypts `data` (length multiple of 16, > 0); returns exactly data.length bytes. */
  async update(data: Uint8Array): Promise<Bytes> {
    const out = await crypto.subtle.encrypt(
      { name: "AES-CBC", iv: this.#iv },
      this.key,
      data as Bytes,
    );
    const ct = new Uint8Array(out, 0, data.length);
    this.#iv = ct.slice(ct.length - 16);
    return ct;
  }
}

/**
 * CBC decryption of aligned chunks: each chunk gets one forged block appended whose plaintext is
 * a full PKCS#7 padding block, so WebCrypto returns exactly the chunk's plaintext. Chunks are
 * independent given their IV, so several may be in flight.
 */
class ChainedDecryptor {
  #iv: Bytes;
  #ecb;
  private constructor(readonly key: CryptoKey, rawKey: Uint8Array, iv: Bytes) {
    this.#iv = iv;
    this.#ecb = createCipheriv("aes-256-ecb", rawKey, null);
    this.#ecb.setAutoPadding(false);
  }
  static async create(key: Uint8Array, iv: Uint8Array): Promise<ChainedDecryptor> {
    const k = await crypto.subtle.importKey("raw", plain(key), "AES-CBC", false, ["decrypt"]);
    return new ChainedDecryptor(k, key, plain(iv));
  }
  /**
   * Starts decrypting `buf[0:len]` (len a multiple of 16, > 0); `buf` must have 16 spare bytes
   * after `len`, which are overwritten. The buffer may be reused once this returns.
   */
  update(buf: Bytes, len: number): Promise<ArrayBuffer> {
    const last = buf.subarray(len - 16, len);
    const x = new Uint8Array(16);
    for (let i = 0; i < 16; i++) x[i] = last[i] ^ 0x10;
    buf.set(this.#ecb.update(x), len);
    const iv = this.#iv;
    this.#iv = last.slice();
    // WebCrypto copies its input synchronously, so the caller may reuse `buf` right away.
    return crypto.subtle.decrypt({ name: "AES-CBC", iv }, this.key, buf.subarray(0, len + 16));
  }
}

/** Marks `p` as handled so an abandoned in-flight job cannot crash the process; returns `p`. */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

async function readFull(f: Deno.FsFile, buf: Uint8Array): Promise<number> {
  let o = 0;
  while (o < buf.length) {
    const n = await f.read(buf.subarray(o));
    if (n === null) break;
    o += n;
  }
  return o;
}

async function writeAll(f: Deno.FsFile, b: Uint8Array): Promise<void> {
  let o = 0;
  while (o < b.length) o += await f.write(b.subarray(o));
}

/**
 * Moves the memory of a resolved chunk into a fresh ArrayBuffer and leaves the original detached.
 * The promise that delivered the chunk keeps the original alive, and when other work runs while
 * the chunk is decrypted, that promise has aged into the old generation: only a full collection
 * would free the chunk. The fresh buffer is referenced from nowhere else and dies young.
 */
function detach(b: ArrayBuffer): ArrayBuffer {
  return b.transfer();
}

function readFullSync(f: Deno.FsFile, buf: Uint8Array): number {
  let o = 0;
  while (o < buf.length) {
    const n = f.readSync(buf.subarray(o));
    if (n === null || n === 0) break;
    o += n;
  }
  return o;
}

function writeAllSync(f: Deno.FsFile, b: Uint8Array): void {
  let o = 0;
  while (o < b.length) o += f.writeSync(b.subarray(o));
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch { /* already gone */ }
}

/**
 * Encrypts a byte stream of any length as AESCrypt v2, piece by piece: the bytes handed to `emit`,
 * in order, are exactly what {@link encryptBytes} returns for the whole input with the same keys.
 * Used for volumes that are encrypted while they are written, so no plain copy reaches the disk.
 */
export class AesCryptWriter {
  #carry: Bytes = new Uint8Array(0);
  #total = 0;
  #finished = false;
  /** Ciphertext not yet MACed and emitted (see #encrypt). */
  #held?: Bytes;
  private constructor(
    private enc: ChainedEncryptor,
    private mac: ReturnType<typeof createHmac>,
    private emit: (b: Bytes) => void | Promise<void>,
  ) {}

  /** Derives the keys, emits the header and returns the writer. */
  static async create(
    password: string,
    opts: AesEncryptOptions,
    emit: (b: Bytes) => void | Promise<void>,
  ): Promise<AesCryptWriter> {
    const { prelude, iv2, key2 } = buildPrelude(opts, password);
    const w = new AesCryptWriter(
      await ChainedEncryptor.create(key2, iv2),
      createHmac("sha256", key2),
      emit,
    );
    await emit(prelude);
    return w;
  }

  /** Encrypts the next plaintext bytes (any length); `data` may be reused once this returns. */
  async write(data: Uint8Array): Promise<void> {
    if (this.#finished) throw new Error("AESCrypt stream is already finished");
    if (data.length === 0) return;
    this.#total += data.length;
    let rest = data;
    if (this.#carry.length > 0) {
      // Complete the carried partial block first (16 bytes), without copying the whole chunk.
      const need = 16 - this.#carry.length;
      const head = concatBytes([this.#carry, data.subarray(0, need)]);
      rest = data.subarray(Math.min(need, data.length));
      if (head.length < 16) {
        this.#carry = head;
        return;
      }
      this.#carry = new Uint8Array(0);
      await this.#encrypt(head);
    }
    const aligned = rest.length - (rest.length % 16);
    this.#carry = rest.slice(aligned);
    if (aligned > 0) await this.#encrypt(rest.subarray(0, aligned));
  }

  /** Pads and encrypts the last block and emits the trailer (size modulo 16 and the HMAC). */
  async finish(): Promise<void> {
    if (this.#finished) throw new Error("AESCrypt stream is already finished");
    this.#finished = true;
    const r = this.#carry.length;
    if (r > 0) {
      const last = new Uint8Array(16);
      last.set(this.#carry);
      last.fill(padLength(r), r);
      await this.#encrypt(last);
    }
    const held = this.#held;
    this.#held = undefined;
    if (held) await this.#pass(held);
    await this.emit(concatBytes([new Uint8Array([this.#total % 16]), plain(this.mac.digest())]));
  }

  /**
   * Encrypts `b` and passes the previous chunk's ciphertext on meanwhile. WebCrypto encrypts on
   * another thread, and CBC chains each chunk to the last one, so the overlap is between this
   * chunk's encryption and the previous chunk's HMAC, hashing and writing: with 1 MiB chunks
   * that makes a stream of incompressible data about 1.6 times as fast.
   */
  async #encrypt(b: Uint8Array): Promise<void> {
    const next = quiet(this.enc.update(b));
    const held = this.#held;
    this.#held = undefined;
    if (held) await this.#pass(held);
    this.#held = await next;
  }

  /** MACs and emits ciphertext, in stream order. */
  async #pass(ct: Bytes): Promise<void> {
    this.mac.update(ct);
    await this.emit(ct);
  }
}

/**
 * Encrypts the file `inPath` into `outPath` (created or truncated) as an AESCrypt v2 stream,
 * byte-identical to {@link encryptBytes} with the same keys, in ~1 MiB chunks. Returns the output
 * size and the standard base64 SHA-256 of the output bytes. On failure the output is removed
 * and the error (Deno I/O error) rethrown.
 */
export async function encryptFile(
  inPath: string,
  outPath: string,
  password: string,
  opts: AesEncryptOptions & { chunkSize?: number } = {},
): Promise<{ size: number; sha256: string }> {
  const chunk = opts.chunkSize ?? CHUNK;
  if (chunk <= 0 || chunk % 16 !== 0) {
    throw new Error("chunkSize must be a positive multiple of 16");
  }
  const sha = createHash("sha256");
  const input = await Deno.open(inPath, { read: true });
  let output: Deno.FsFile | null = null;
  try {
    output = await Deno.open(outPath, { write: true, create: true, truncate: true });
    const out = output;
    let size = 0;
    const w = await AesCryptWriter.create(password, opts, async (b) => {
      sha.update(b);
      await writeAll(out, b);
      size += b.length;
    });
    const buf = new Uint8Array(chunk);
    for (;;) {
      const n = await readFull(input, buf);
      if (n > 0) await w.write(buf.subarray(0, n));
      if (n < chunk) break;
    }
    await w.finish();
    output.close();
    output = null;
    input.close();
    return { size, sha256: sha.digest("base64") };
  } catch (e) {
    try {
      input.close();
    } catch { /* closed */ }
    if (output !== null) {
      try {
        output.close();
      } catch { /* closed */ }
    }
    await removeQuietly(outPath);
    throw e;
  }
}

/**
 * Decrypts the AESCrypt v2 or v3 file `inPath` into `outPath` in ~1 MiB chunks, verifying both
 * HMACs. Returns the plaintext size. Throws {@link AesCryptError} (message names `inPath`) or a
 * Deno I/O error; on any failure `outPath` is removed, so no half-decrypted output remains. With
 * a wrong password the output file is never created.
 */
export async function decryptFile(
  inPath: string,
  outPath: string,
  password: string,
  opts: { chunkSize?: number; hashInput?: boolean; toMemory?: boolean } = {},
): Promise<{ size: number; inputSha256?: string; data?: Bytes }> {
  const chunk = opts.chunkSize ?? CHUNK;
  if (chunk <= 0 || chunk % 16 !== 0) {
    throw new Error("chunkSize must be a positive multiple of 16");
  }
  const input = await Deno.open(inPath, { read: true });
  let output: Deno.FsFile | null = null;
  let created = false;
  try {
    const total = (await input.stat()).size;
    const { h, ctLen, trailer, head, tail, m, iv2, key2 } = readPrelude(
      input,
      total,
      password,
      inPath,
    );
    const dec = await ChainedDecryptor.create(key2, iv2);
    const mac = createHmac("sha256", key2);
    // With hashInput, the SHA-256 of the encrypted file is computed on the way, in file order.
    const inHash = opts.hashInput ? createHash("sha256") : undefined;
    inHash?.update(head.subarray(0, h.dataStart));

    // With toMemory the plaintext goes into one buffer (no temp file is written at all).
    const mem = opts.toMemory ? new Uint8Array(ctLen) : undefined;
    if (!mem) {
      output = await Deno.open(outPath, { write: true, create: true, truncate: true });
      created = true;
    }
    // Written synchronously: each chunk's buffer is dead before anything else runs, so the next
    // young collection frees it (an await here would let it age into the old generation, where
    // dead chunks pile up until a full collection). See also detach().
    const out = (pt: Uint8Array, at: number) => {
      if (mem) mem.set(pt, at);
      else writeAllSync(output!, pt);
    };
    await input.seek(h.dataStart, Deno.SeekMode.Start);
    const bufs = [new Uint8Array(chunk + 16), new Uint8Array(chunk + 16)];
    let which = 0;
    let left = ctLen;
    let size = 0;
    let pending: Promise<ArrayBuffer> | null = null;
    let chunks = 0;
    while (left > 0) {
      const len = Math.min(chunk, left);
      const buf = bufs[which];
      which ^= 1;
      if (readFullSync(input, buf.subarray(0, len)) !== len) {
        throw new AesCryptError("truncated", `The file ${inPath} is truncated`);
      }
      left -= len;
      // Decryption runs off the main thread while we hash this chunk and write the previous one.
      const job = quiet(dec.update(buf, len));
      mac.update(buf.subarray(0, len));
      inHash?.update(buf.subarray(0, len));
      if (pending !== null) {
        const pt = new Uint8Array(detach(await pending));
        out(pt, size);
        size += pt.length;
      }
      pending = job;
      // Every chunk comes back in a new buffer: free the dead ones now and then, or tens of MiB
      // of them wait for the next full collection.
      if (++chunks % 4 === 0) collectYoungGarbage();
    }
    if (!equal(plain(mac.digest()), tail.subarray(trailer - 32))) throw corruptData(inPath);
    if (pending !== null) {
      let pt: Bytes = new Uint8Array(detach(await pending));
      const strip = h.version === 2 ? (m === 0 ? 0 : 16 - m) : pkcs7(pt, inPath);
      pt = pt.subarray(0, pt.length - strip);
      out(pt, size);
      size += pt.length;
    }
    output?.close();
    output = null;
    input.close();
    const data = mem ? mem.subarray(0, size) : undefined;
    if (inHash) {
      inHash.update(tail);
      return { size, inputSha256: inHash.digest("base64"), data };
    }
    return { size, data };
  } catch (e) {
    try {
      input.close();
    } catch { /* closed */ }
    if (output !== null) {
      try {
        output.close();
      } catch { /* closed */ }
    }
    if (created) await removeQuietly(outPath);
    throw e;
  }
}

/**
 * Reads and checks what surrounds the ciphertext of the AESCrypt file `file` (`total` bytes):
 * the header (in `head`, the first up to 64 KiB of the file), the trailer (`tail`: v2 length
 * byte `m`, then the HMAC), and unlocks the keys. Throws AesCryptError naming `name`.
 */
function readPrelude(file: Deno.FsFile, total: number, password: string, name: string) {
  const head = new Uint8Array(Math.min(total, 65536));
  file.seekSync(0, Deno.SeekMode.Start);
  const headLen = readFullSync(file, head);
  const h = parseHeader(head.subarray(0, headLen), name, headLen === total);
  const { ctLen, trailer } = bodyLayout(h, total, name);
  const tail = new Uint8Array(trailer);
  file.seekSync(h.dataStart + ctLen, Deno.SeekMode.Start);
  if (readFullSync(file, tail) !== trailer) {
    throw new AesCryptError("truncated", `The file ${name} is truncated`);
  }
  const m = h.version === 2 ? modulo(tail[0], ctLen, name) : 0;
  const { iv2, key2 } = unlock(h, password, name);
  return { h, ctLen, trailer, head, tail, m, iv2, key2 };
}

/**
 * Where an AESCrypt file's ciphertext lies, its keys and its stored HMAC: what random access to
 * the plaintext needs (see aes_ranges.ts). `plainSize` is known for v2 (length byte); for v3 it
 * depends on the padding in the last block, which only decryption reveals (undefined here).
 */
export interface AesLayout {
  version: 2 | 3;
  /** File offset of the first ciphertext byte. */
  dataStart: number;
  /** Ciphertext bytes (a multiple of 16). */
  ctLen: number;
  plainSize?: number;
  key: Bytes;
  iv: Bytes;
  /** The HMAC-SHA256 of the ciphertext (under `key`) stored at the end of the file. */
  mac: Bytes;
}

/**
 * Reads the header and trailer of the AESCrypt file `file` (`total` bytes) and unlocks its
 * keys with `password`. Throws {@link AesCryptError} naming `name`: "bad-password" for a wrong
 * passphrase, "truncated"/"corrupt"/"not-aescrypt" for damaged files. Reads nothing else.
 */
export function readAesLayout(
  file: Deno.FsFile,
  total: number,
  password: string,
  name: string,
): AesLayout {
  const { h, ctLen, trailer, tail, m, iv2, key2 } = readPrelude(file, total, password, name);
  const plainSize = h.version === 2 ? ctLen - (m === 0 ? 0 : 16 - m) : undefined;
  return {
    version: h.version,
    dataStart: h.dataStart,
    ctLen,
    plainSize,
    key: key2,
    iv: iv2,
    mac: tail.slice(trailer - 32),
  };
}

/** The PKCS#7 padding length of a decrypted v3 final block; throws AesCryptError "corrupt". */
export function v3PaddingLength(lastBlock: Uint8Array, name: string): number {
  return pkcs7(lastBlock, name);
}

/** The AesCryptError a data HMAC mismatch raises (for checks made outside this module). */
export function dataMacMismatch(name: string): AesCryptError {
  return corruptData(name);
}
