/**
 * SHA-256 of a byte array, the fastest way for its size. node:crypto costs several microseconds
 * per call and leaves a native hasher object behind until the next full garbage collection; for
 * the many tiny inputs of a backup (metadata blobs, small files) a plain JavaScript
 * implementation is faster and allocates nothing but the 32-byte result.
 */
import { createHash } from "node:crypto";

/** Inputs up to this size are hashed in JavaScript, larger ones by node:crypto. */
const JS_LIMIT = 512;

const K = new Int32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);
const IV = [
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
];
const W = new Int32Array(64);
const H = new Int32Array(8);
const TAIL = new Uint8Array(128);

function compress(p: Uint8Array, o: number): void {
  for (let i = 0; i < 16; i++, o += 4) {
    W[i] = (p[o] << 24) | (p[o + 1] << 16) | (p[o + 2] << 8) | p[o + 3];
  }
  mix();
}

/** One compression of the block already in W[0..15] into H. */
function mix(): void {
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15], y = W[i - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
  }
  let a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0] + a) | 0;
  H[1] = (H[1] + b) | 0;
  H[2] = (H[2] + c) | 0;
  H[3] = (H[3] + d) | 0;
  H[4] = (H[4] + e) | 0;
  H[5] = (H[5] + f) | 0;
  H[6] = (H[6] + g) | 0;
  H[7] = (H[7] + h) | 0;
}

/** SHA-256 in JavaScript (any size; meant for small inputs). */
export function sha256Js(data: Uint8Array): Uint8Array {
  H.set(IV);
  const n = data.length;
  const full = n & ~63;
  for (let o = 0; o < full; o += 64) compress(data, o);
  const rest = n - full;
  TAIL.fill(0);
  TAIL.set(data.subarray(full));
  TAIL[rest] = 0x80;
  const end = rest < 56 ? 64 : 128;
  const hi = Math.floor(n / 0x20000000); // (n * 8) >>> 32, without overflow
  const lo = (n << 3) >>> 0;
  TAIL[end - 8] = hi >>> 24;
  TAIL[end - 7] = (hi >>> 16) & 0xff;
  TAIL[end - 6] = (hi >>> 8) & 0xff;
  TAIL[end - 5] = hi & 0xff;
  TAIL[end - 4] = lo >>> 24;
  TAIL[end - 3] = (lo >>> 16) & 0xff;
  TAIL[end - 2] = (lo >>> 8) & 0xff;
  TAIL[end - 1] = lo & 0xff;
  for (let o = 0; o < end; o += 64) compress(TAIL, o);
  return digestOf(H);
}

/** The 32-byte big-endian digest of the first eight state words. */
function digestOf(words: Int32Array): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = words[i];
    out[4 * i] = v >>> 24;
    out[4 * i + 1] = (v >>> 16) & 0xff;
    out[4 * i + 2] = (v >>> 8) & 0xff;
    out[4 * i + 3] = v & 0xff;
  }
  return out;
}

/** SHA-256 of `data` (32 bytes), by whichever implementation is faster for its size. */
export function sha256(data: Uint8Array): Uint8Array {
  if (data.length <= JS_LIMIT) return sha256Js(data);
  return createHash("sha256").update(data).digest();
}

/**
 * Repeats K = SHA-256(K ‖ `tail`) `rounds` times, starting from the 32 bytes `k`, and returns the
 * last K (AESCrypt v2's key stretch: 8192 rounds per file). When K ‖ tail fits one block, the
 * rounds work on 32-bit words and allocate nothing.
 */
export function sha256Iterate(k: Uint8Array, tail: Uint8Array, rounds: number): Uint8Array {
  if (k.length !== 32) {
    throw new Error(`sha256Iterate needs 32 bytes to start from, got ${k.length}`);
  }
  const n = 32 + tail.length;
  if (n > 55) {
    const buf = new Uint8Array(n);
    buf.set(k);
    buf.set(tail, 32);
    let h = k;
    for (let r = 0; r < rounds; r++) {
      buf.set(h);
      h = sha256Js(buf);
    }
    return h === k ? k.slice() : h;
  }
  // The padded block: K (words 0-7), tail, 0x80, zeros, the bit length.
  const block = new Uint8Array(64);
  block.set(k);
  block.set(tail, 32);
  block[n] = 0x80;
  block[62] = (n * 8) >>> 8;
  block[63] = (n * 8) & 0xff;
  const M = new Int32Array(16);
  for (let i = 0, o = 0; i < 16; i++, o += 4) {
    M[i] = (block[o] << 24) | (block[o + 1] << 16) | (block[o + 2] << 8) | block[o + 3];
  }
  for (let r = 0; r < rounds; r++) {
    W.set(M);
    H.set(IV);
    mix();
    for (let i = 0; i < 8; i++) M[i] = H[i];
  }
  return digestOf(M);
}
