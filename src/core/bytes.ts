/**
 * Byte helpers. Keeps every byte array as `Uint8Array<ArrayBuffer>`, which TypeScript 6 requires
 * for WebCrypto, Blob and file writes.
 */
import { Buffer } from "node:buffer";

/** Bytes backed by a plain ArrayBuffer. */
export type Bytes = Uint8Array<ArrayBuffer>;

/** Returns `b` itself when it already owns a plain ArrayBuffer, else a copy that does. */
export function toBytes(b: Uint8Array): Bytes {
  if (b.buffer instanceof ArrayBuffer) return b as Bytes;
  return new Uint8Array(b) as Bytes;
}

/** Concatenates byte arrays into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Bytes {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** UTF-8 encode. */
export function utf8(s: string): Bytes {
  return enc.encode(s) as Bytes;
}

/** UTF-8 decode (invalid sequences become U+FFFD). */
export function fromUtf8(b: Uint8Array): string {
  return dec.decode(b);
}

/** Standard base64 with padding. */
export function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
}

/** Decodes standard base64 (also accepts the URL-safe alphabet). */
export function fromBase64(s: string): Bytes {
  const b = Buffer.from(s, "base64");
  return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Duplicati's URL-safe variant: `+`->`-`, `/`->`_`, padding kept. */
export function base64ToUrl(b64: string): string {
  return b64.replaceAll("+", "-").replaceAll("/", "_");
}

/** Inverse of {@link base64ToUrl}. */
export function base64FromUrl(b64url: string): string {
  return b64url.replaceAll("-", "+").replaceAll("_", "/");
}

/** Lower-case hex. */
export function toHex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

/** Parses hex (whitespace ignored). */
export function fromHex(h: string): Bytes {
  const c = h.replace(/\s+/g, "");
  const out = new Uint8Array(c.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(c.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** True when both arrays hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
